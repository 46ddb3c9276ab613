/**
 * Hostile ABCI streams: frames of every request kind with hostile values (queries on any path,
 * txs that are garbage or mutated signed ones, proposals and blocks at the wrong or the right
 * height, snapshots that do not exist), field-level mutations of those requests, undecodable
 * and empty frames, then byte mutations of the whole stream and lengths past the limit. The
 * reference parser here (not the server's) says which frames a stream holds.
 */
import { Request } from "cosmjs-types/tendermint/abci/types";
import fc from "fast-check";
import { MAX_FRAME_BYTES } from "../../chain/abci/framing.js";
import { uvarint } from "../../core/proto/varint.js";
import { applyByteMutations, type ByteMutation, byteMutations, sometimes } from "../mutate.js";
import { type FieldMutation, fieldMutations, mutateMessage } from "../protowire.js";

export const KINDS = [
  "echo",
  "flush",
  "info",
  "initChain",
  "query",
  "checkTx",
  "commit",
  "listSnapshots",
  "offerSnapshot",
  "loadSnapshotChunk",
  "applySnapshotChunk",
  "prepareProposal",
  "processProposal",
  "extendVote",
  "verifyVoteExtension",
  "finalizeBlock",
] as const;
export type Kind = (typeof KINDS)[number];

/** Where a request's height points, relative to the chain when the case runs. */
export type HeightChoice = "next" | "current" | "zero" | "far" | "negative";

export interface RequestSpec {
  kind: Kind;
  height: HeightChoice;
  txs: number[];
  bytes: Uint8Array;
  path: number;
  text: string;
  number: number;
}

export type FrameSpec =
  | { kind: "request"; request: RequestSpec; mutations: FieldMutation[] | null }
  | { kind: "garbage"; bytes: Uint8Array }
  | { kind: "empty" };

export interface StreamCase {
  frames: FrameSpec[];
  mutations: ByteMutation[] | null;
  /** Prefix a length CometBFT's reader would refuse (a varint of 11 bytes, or over 100 MiB). */
  badLength: "none" | "long-varint" | "oversized";
  cuts: number[];
}

export interface BuildContext {
  height: bigint;
  /** Txs to pick from: valid signed ones, mutated ones, garbage. */
  txs: readonly Uint8Array[];
  paths: readonly string[];
}

const texts = fc.oneof(
  fc.constantFrom("", "chaos", "metro-devnet", "x".repeat(200)),
  fc.string({ maxLength: 16 }),
);

export function streamArbitrary(txCount: number, pathCount: number): fc.Arbitrary<StreamCase> {
  const request: fc.Arbitrary<RequestSpec> = fc.record({
    kind: fc.constantFrom(...KINDS),
    height: fc.oneof(
      { weight: 4, arbitrary: fc.constant("next" as const) },
      {
        weight: 1,
        arbitrary: fc.constantFrom("current" as const, "zero" as const, "far" as const, "negative" as const),
      },
    ),
    txs: fc.array(fc.nat(txCount - 1), { maxLength: 4 }),
    bytes: fc.uint8Array({ maxLength: 48 }),
    path: fc.nat(pathCount - 1),
    text: texts,
    number: fc.oneof(fc.constantFrom(0, 1, 2, -1, 2 ** 31 - 1), fc.integer()),
  });
  const frame: fc.Arbitrary<FrameSpec> = fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant("request" as const),
        request,
        mutations: sometimes(fieldMutations(texts), 0.25),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("garbage" as const),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "empty" as const }) },
  );
  return fc.record({
    frames: fc.array(frame, { minLength: 1, maxLength: 6 }),
    mutations: sometimes(byteMutations(), 0.12),
    badLength: fc.oneof(
      { weight: 30, arbitrary: fc.constant("none" as const) },
      { weight: 1, arbitrary: fc.constantFrom("long-varint" as const, "oversized" as const) },
    ),
    cuts: fc.array(fc.nat(), { maxLength: 5 }),
  });
}

function heightOf(choice: HeightChoice, height: bigint): bigint {
  switch (choice) {
    case "next":
      return height + 1n;
    case "current":
      return height;
    case "zero":
      return 0n;
    case "far":
      return height + 1000n;
    case "negative":
      return -1n;
  }
}

const time = { seconds: 1_700_000_000n, nanos: 0 };
const commitInfo = { round: 0, votes: [] };

/** The request a spec names, against the chain as it is now. */
export function buildRequest(spec: RequestSpec, context: BuildContext): Request {
  const height = heightOf(spec.height, context.height);
  const txs = spec.txs.map((i) => context.txs[i % context.txs.length]!);
  const tx = txs[0] ?? spec.bytes;
  const proposal = {
    txs,
    height,
    time,
    nextValidatorsHash: new Uint8Array(32),
    proposerAddress: new Uint8Array(20),
    misbehavior: [],
  };
  const block = { ...proposal, hash: spec.bytes };
  switch (spec.kind) {
    case "echo":
      return Request.fromPartial({ echo: { message: spec.text } });
    case "flush":
      return Request.fromPartial({ flush: {} });
    case "info":
      return Request.fromPartial({
        info: { version: spec.text, blockVersion: 11n, p2pVersion: 8n, abciVersion: "2.0.0" },
      });
    case "initChain":
      return Request.fromPartial({
        initChain: { chainId: spec.text, appStateBytes: spec.bytes, initialHeight: height, time },
      });
    case "query":
      return Request.fromPartial({
        query: {
          path: context.paths[spec.path % context.paths.length]!,
          data: tx,
          height,
          prove: spec.number % 2 === 0,
        },
      });
    case "checkTx":
      return Request.fromPartial({ checkTx: { tx, type: spec.number & 1 } });
    case "commit":
      return Request.fromPartial({ commit: {} });
    case "listSnapshots":
      return Request.fromPartial({ listSnapshots: {} });
    case "offerSnapshot":
      return Request.fromPartial({
        offerSnapshot: {
          snapshot: { height, format: spec.number, chunks: 1, hash: spec.bytes, metadata: tx },
          appHash: spec.bytes,
        },
      });
    case "loadSnapshotChunk":
      return Request.fromPartial({ loadSnapshotChunk: { height, format: spec.number, chunk: spec.number } });
    case "applySnapshotChunk":
      return Request.fromPartial({
        applySnapshotChunk: { index: spec.number, chunk: tx, sender: spec.text },
      });
    case "prepareProposal":
      return Request.fromPartial({
        prepareProposal: { ...proposal, maxTxBytes: BigInt(spec.number), localLastCommit: commitInfo },
      });
    case "processProposal":
      return Request.fromPartial({ processProposal: { ...block, proposedLastCommit: commitInfo } });
    case "extendVote":
      return Request.fromPartial({ extendVote: { ...block, proposedLastCommit: commitInfo } });
    case "verifyVoteExtension":
      return Request.fromPartial({
        verifyVoteExtension: { hash: spec.bytes, validatorAddress: spec.bytes, height, voteExtension: tx },
      });
    case "finalizeBlock":
      return Request.fromPartial({ finalizeBlock: { ...block, decidedLastCommit: commitInfo } });
  }
}

function frameBody(frame: FrameSpec, context: BuildContext): Uint8Array {
  if (frame.kind === "empty") return new Uint8Array();
  if (frame.kind === "garbage") return frame.bytes;
  const encoded = Request.encode(buildRequest(frame.request, context)).finish();
  return frame.mutations ? mutateMessage(encoded, frame.mutations) : encoded;
}

/** The case's stream and the frame bodies it was built from. */
export function buildStream(test: StreamCase, context: BuildContext): Uint8Array {
  const parts = test.frames.map((frame) => {
    const body = frameBody(frame, context);
    return [...uvarint(body.length), ...body];
  });
  const prefix =
    test.badLength === "long-varint"
      ? new Array(11).fill(0x80)
      : test.badLength === "oversized"
        ? [...uvarint(MAX_FRAME_BYTES + 1)]
        : [];
  const stream = Uint8Array.from([...prefix, ...parts.flat()]);
  return test.mutations ? applyByteMutations(stream, test.mutations) : stream;
}

export type StreamShape =
  | { kind: "complete"; frames: Uint8Array[] }
  | { kind: "partial" }
  | { kind: "corrupt" };

/**
 * What a stream holds, read independently of the server: whole frames, or a last frame still
 * incomplete, or a length no reader may accept (more than 10 varint bytes, over 100 MiB).
 */
export function shapeOf(stream: Uint8Array): StreamShape {
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < stream.length) {
    let length = 0;
    let scale = 1;
    let bytes = 0;
    for (;;) {
      const byte = stream[at + bytes];
      if (byte === undefined) return { kind: "partial" };
      length += (byte & 0x7f) * scale;
      if (length > MAX_FRAME_BYTES) return { kind: "corrupt" };
      bytes++;
      if ((byte & 0x80) === 0) break;
      if (bytes >= 10) return { kind: "corrupt" };
      scale *= 128;
    }
    if (at + bytes + length > stream.length) return { kind: "partial" };
    frames.push(stream.subarray(at + bytes, at + bytes + length));
    at += bytes + length;
  }
  return { kind: "complete", frames };
}
