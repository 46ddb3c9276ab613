/**
 * DA blobs: what a rollup's reader finds at a DA height when anyone may post in Metro's and the
 * rollup's namespaces. Cases start from the relayer's own submissions (metadata and rollup
 * blobs, split into parts under a small blob limit) and change them: protobuf fields of a blob's
 * payload (with the metadata re-pointed at forged rollup blobs, as a forger would), envelope
 * bytes, blobs dropped, repeated or moved to another namespace. The real reader must return only
 * blocks exactly as Metro made them, and say why it skipped anything else.
 */
import fc from "fast-check";
import { toHex } from "../../core/bytes.js";
import { validatorSetHash } from "../../core/comet/hashes.js";
import { verifySignedPart } from "../../core/sequencer-block.js";
import { blobToJson, CelestiaError } from "../../relayer/celestia/client.js";
import { blobCommitment } from "../../relayer/celestia/shares.js";
import { type BlobToSubmit, planSubmissions } from "../../relayer/da-batch.js";
import {
  BlobKind,
  DaFormatError,
  decodeEnvelope,
  decodeMetadata,
  decodeRollupBlob,
  encodeEnvelope,
  metroNamespace,
  rollupNamespace,
} from "../../relayer/da-format.js";
import { CelestiaClient, readRollupAtDaHeight } from "../../relayer/index.js";
import { ALPHA, BETA, CHAIN, GAMMA, validatorSet, validBlocks } from "../blocks.js";
import { requireClearMessage, requireTypedError } from "../clear.js";
import { installFetch, reply } from "../fetch.js";
import { VERIFY_ERRORS } from "../gossip/surface.js";
import { applyByteMutations, type ByteMutation, byteMutations } from "../mutate.js";
import { type FieldMutation, fieldMutations, mutateMessage } from "../protowire.js";
import { CrashError, type Depth, surface, type Verdict } from "../surface.js";
import { asMade, kindOf as kindOfBlob, repointed } from "./forgery.js";

const HOST = "da.chaos";
const ROLLUPS = [ALPHA, BETA, GAMMA];

type BlobOp =
  | { kind: "fields"; blob: number; mutations: FieldMutation[]; repoint: boolean }
  | { kind: "bytes"; blob: number; mutations: ByteMutation[] }
  | { kind: "drop"; blob: number }
  | { kind: "repeat"; blob: number }
  | { kind: "move"; blob: number };

interface BlobCase {
  plan: number;
  rollup: number;
  ops: BlobOp[];
}

const texts = fc.oneof(fc.constantFrom("", CHAIN, "metro-other"), fc.string({ maxLength: 12 }));

function caseArbitrary(plans: number): fc.Arbitrary<BlobCase> {
  const blob = fc.nat(64);
  const op: fc.Arbitrary<BlobOp> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("fields" as const),
        blob,
        mutations: fieldMutations(texts),
        repoint: fc.boolean(),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("bytes" as const), blob, mutations: byteMutations() }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("drop" as const), blob }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("repeat" as const), blob }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("move" as const), blob }) },
  );
  return fc.record({
    plan: fc.nat(plans - 1),
    rollup: fc.nat(ROLLUPS.length - 1),
    ops: fc.array(op, { minLength: 1, maxLength: 3 }),
  });
}

const kindOf = (blob: BlobToSubmit) => kindOfBlob(blob, CHAIN);

function applyOp(blobs: BlobToSubmit[], op: BlobOp): BlobToSubmit[] {
  if (blobs.length === 0) return blobs;
  const at = op.blob % blobs.length;
  const target = blobs[at]!;
  const replace = (blob: BlobToSubmit) => blobs.map((b, i) => (i === at ? blob : b));
  switch (op.kind) {
    case "fields": {
      const kind = kindOf(target);
      let payload: Uint8Array;
      try {
        payload = decodeEnvelope(kind, target.data);
      } catch {
        return blobs; // an earlier change broke the envelope: nothing to change inside
      }
      const data = encodeEnvelope(kind, mutateMessage(payload, op.mutations));
      const changed = replace({ ...target, data });
      if (!op.repoint || kind === BlobKind.metadata) return changed;
      return repointed(
        changed,
        CHAIN,
        blobCommitment(target.namespace, target.data),
        blobCommitment(target.namespace, data),
      );
    }
    case "bytes": {
      const data = applyByteMutations(target.data, op.mutations);
      return data.length === 0 ? blobs : replace({ ...target, data });
    }
    case "drop":
      return blobs.filter((_, i) => i !== at);
    case "repeat":
      return [...blobs, target];
    case "move": {
      const elsewhere = kindOf(target) === BlobKind.metadata ? rollupNamespace(ALPHA) : metroNamespace(CHAIN);
      return replace({ ...target, namespace: elsewhere });
    }
  }
}

class BlobTarget {
  private readonly set = validatorSet(4, 5);
  readonly blocks = validBlocks(this.set);
  /** The relayer's submissions for the run: whole, and under a small blob limit (parts, halved runs). */
  readonly plans = [
    ...planSubmissions(CHAIN, this.blocks, { maxBlobBytes: 2_000_000 }),
    ...planSubmissions(CHAIN, this.blocks, { maxBlobBytes: 2_600 }),
  ].map((submission) => submission.blobs);
  private served: BlobToSubmit[] = [];
  private readonly client = new CelestiaClient({ url: `http://${HOST}`, timeoutMs: 5_000 });
  private readonly uninstall = installFetch(HOST, (_url, init) => this.answer(String(init?.body)));
  private readonly options = { chainId: CHAIN, validatorsHash: validatorSetHash(this.set.validators) };

  /** blob.GetAll over the served blobs, as a node holding them would answer. */
  private answer(body: string): Response {
    const { id, params } = JSON.parse(body) as { id: number; params: [number, string[]] };
    const asked = params[1];
    const blobs = this.served
      .filter((blob) => asked.includes(Buffer.from(blob.namespace).toString("base64")))
      .map((blob, index) =>
        blobToJson({
          ...blob,
          shareVersion: 0,
          commitment: blobCommitment(blob.namespace, blob.data),
          index,
        }),
      );
    return reply(
      200,
      JSON.stringify(
        blobs.length > 0
          ? { jsonrpc: "2.0", id, result: blobs }
          : { jsonrpc: "2.0", id, error: { code: 1, message: "blob: not found" } },
      ),
    );
  }

  async run(test: BlobCase): Promise<Verdict> {
    this.served = test.ops.reduce(applyOp, this.plans[test.plan]!);
    const rollupId = ROLLUPS[test.rollup]!;
    let result: Awaited<ReturnType<typeof readRollupAtDaHeight>>;
    try {
      result = await readRollupAtDaHeight(this.client, 9, rollupId, this.options);
    } catch (error) {
      requireTypedError(error, [CelestiaError], "readRollupAtDaHeight");
      return { accepted: false, depth: 0 };
    }
    for (const reason of result.rejected) requireClearMessage(reason, "DA reader");
    for (const block of result.blocks) this.requireAsMade(block, rollupId);
    const decoded = this.requireTypedDecoding();
    const depth: Depth =
      result.blocks.length > 0 || result.rejected.some((r) => r.includes("Metro height"))
        ? 2
        : decoded
          ? 1
          : 0;
    return { accepted: result.rejected.length === 0 && result.blocks.length > 0, depth };
  }

  /** A block the reader returns must be the one Metro made, with exactly its items for the rollup. */
  private requireAsMade(
    read: { height: bigint; items: Uint8Array[]; block: { headerHash: Uint8Array } },
    rollupId: Uint8Array,
  ): void {
    if (!asMade(read, this.blocks[Number(read.height) - 1], rollupId))
      throw new CrashError(
        `the DA reader returned a forged block at height ${read.height} for rollup ${toHex(rollupId)}`,
      );
  }

  /** Every served blob decodes or fails with DaFormatError; every summary verifies or fails with the verifier's errors. */
  private requireTypedDecoding(): boolean {
    let decodedAny = false;
    for (const blob of this.served) {
      try {
        if (kindOf(blob) === BlobKind.rollup) {
          decodeRollupBlob(blob.data);
          decodedAny = true;
          continue;
        }
        const metadata = decodeMetadata(blob.data);
        decodedAny = true;
        for (const summary of metadata.blocks) {
          try {
            if (summary.header && summary.commit) verifySignedPart(summary, this.options);
          } catch (error) {
            requireTypedError(error, VERIFY_ERRORS, "verifySignedPart of a DA block summary");
          }
        }
      } catch (error) {
        if (error instanceof CrashError) throw error;
        requireTypedError(error, [DaFormatError], "DA blob decoding");
      }
    }
    return decodedAny;
  }

  async stillWorks(): Promise<void> {
    for (const plan of this.plans) {
      this.served = plan;
      const { rejected } = await readRollupAtDaHeight(this.client, 9, ALPHA, this.options);
      if (rejected.length > 0) throw new CrashError(`the relayer's own blobs were refused: ${rejected[0]}`);
    }
  }

  close(): void {
    this.uninstall();
  }
}

export const daBlobSurface = surface({
  name: "da-blobs",
  description:
    "DA blobs in Metro's and rollups' namespaces (the relayer's own, field- and byte-mutated, re-pointed, dropped, repeated, moved), the real DA reader over the Celestia client",
  deep: "a block summary read from the blobs and verified (returned, or refused by verification)",
  async setup() {
    const target = new BlobTarget();
    return {
      arbitrary: caseArbitrary(target.plans.length),
      run: (test: BlobCase) => target.run(test),
      stillWorks: () => target.stillWorks(),
      close: async () => target.close(),
    };
  },
});
