import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writePairs, writeVotePairs } from "../../chain/modules/oracle.js";
import { toHex, utf8 } from "../../core/bytes.js";
import { validatorSetHash } from "../../core/comet/hashes.js";
import { createLogger } from "../../core/log.js";
import type { OracleStateMessage } from "../../core/oracle-state.js";
import { blockPrices } from "../../oracle/block-prices.js";
import { encodeInjectedCommit } from "../../oracle/injection.js";
import { CelestiaClient } from "../../relayer/celestia/client.js";
import { blobCommitment } from "../../relayer/celestia/shares.js";
import { LocalDa } from "../../relayer/da/server.js";
import { planSubmissions } from "../../relayer/da-batch.js";
import {
  BlobKind,
  DaMetadataCodec,
  decodeMetadata,
  encodeEnvelope,
  metroNamespace,
  RollupBlobCodec,
  rollupNamespace,
} from "../../relayer/da-format.js";
import { readRollupAtDaHeight } from "../../relayer/da-reader.js";
import { oracleChainState, signedInjectedCommit } from "../support/oracle-blocks.js";
import { ALPHA, BETA, CHAIN, GAMMA, signedBlock, validatorSet } from "../support/signed-blocks.js";

const set = validatorSet(4, 1);
const options = { chainId: CHAIN, validatorsHash: validatorSetHash(set.validators) };
const blocks = [1n, 2n, 3n].map((height) =>
  signedBlock({
    height,
    set,
    items: [
      { rollupId: ALPHA, data: utf8(`alpha at ${height}`) },
      ...(height === 2n ? [] : [{ rollupId: BETA, data: utf8(`beta at ${height}`) }]),
    ],
  }),
);

describe("reading Metro blocks back from the DA", () => {
  const dir = mkdtempSync(join(tmpdir(), "metro-da-reader-"));
  let da: LocalDa;
  let client: CelestiaClient;

  before(async () => {
    da = new LocalDa({ dataDir: dir, blockTimeMs: 50, log: createLogger("test", "silent") });
    client = new CelestiaClient({ url: `http://127.0.0.1:${await da.listen(0)}` });
  });

  after(async () => {
    await da.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives each rollup its data per height, and proves absence, with small blobs split", async () => {
    const submissions = planSubmissions(CHAIN, blocks, { maxBlobBytes: 1_200 });
    assert.ok(submissions.length > 1, "a 1.2 kB blob limit halves the run");
    const heights: number[] = [];
    for (const submission of submissions) heights.push(await client.submit(submission.blobs));
    const read = async (rollupId: Uint8Array) => {
      const all = [];
      for (const height of heights) {
        const result = await readRollupAtDaHeight(client, height, rollupId, options);
        assert.deepEqual(result.rejected, []);
        all.push(...result.blocks);
      }
      return all.map((b) => [b.height, b.items.map((item) => Buffer.from(item).toString())]);
    };
    assert.deepEqual(await read(ALPHA), [
      [1n, ["alpha at 1"]],
      [2n, ["alpha at 2"]],
      [3n, ["alpha at 3"]],
    ]);
    assert.deepEqual(await read(BETA), [
      [1n, ["beta at 1"]],
      [2n, []],
      [3n, ["beta at 3"]],
    ]);
    assert.deepEqual(
      (await read(GAMMA)).map(([, items]) => items),
      [[], [], []],
    );
  });

  it("skips corrupt, truncated, foreign and unpointed blobs with a reason, and keeps the rest", async () => {
    const [submission] = planSubmissions(CHAIN, blocks.slice(0, 1), { maxBlobBytes: 1_000_000 });
    const [metadata, alphaBlob] = submission!.blobs;
    const foreignChain = planSubmissions("other-chain", blocks.slice(0, 1), { maxBlobBytes: 1_000_000 })[0]!;
    const height = await client.submit([
      ...submission!.blobs,
      { namespace: metadata!.namespace, data: metadata!.data.subarray(0, metadata!.data.length - 9) },
      { namespace: metadata!.namespace, data: utf8("not a Metro blob at all") },
      { namespace: metroNamespace(CHAIN), data: foreignChain.blobs[0]!.data },
      { namespace: rollupNamespace(ALPHA), data: encodeEnvelope(BlobKind.rollup, utf8("garbage")) },
      { namespace: alphaBlob!.namespace, data: alphaBlob!.data.subarray(0, 20) },
    ]);
    const result = await readRollupAtDaHeight(client, height, ALPHA, options);
    assert.deepEqual(
      result.blocks.map((b) => [b.height, b.items.map(toHex)]),
      [[1n, [toHex(utf8("alpha at 1"))]]],
    );
    assert.equal(result.rejected.length, 5, result.rejected.join("\n"));
    assert.ok(result.rejected.some((reason) => /not posted by Metro/.test(reason)));
    assert.ok(result.rejected.some((reason) => /metadata is for chain other-chain/.test(reason)));
    assert.ok(result.rejected.some((reason) => /bad magic|corrupt/.test(reason)));
  });

  it("skips a pointed rollup blob whose part has no data instead of failing the read (hostile-input campaign)", async () => {
    const [submission] = planSubmissions(CHAIN, blocks.slice(0, 1), { maxBlobBytes: 1_000_000 });
    const [metadata, alphaBlob] = submission!.blobs;
    // A forger posts a rollup blob whose part lacks its data, and metadata pointing at it.
    const hollow = encodeEnvelope(
      BlobKind.rollup,
      RollupBlobCodec.encode({
        rollupId: ALPHA,
        blocks: [{ height: 1n, firstItem: 0, totalItems: 1 } as never],
      }),
    );
    const forged = decodeMetadata(metadata!.data);
    forged.rollupBlobs = forged.rollupBlobs.map((p) => ({
      ...p,
      commitment: blobCommitment(p.namespace, hollow),
    }));
    const height = await client.submit([
      ...submission!.blobs,
      {
        namespace: metadata!.namespace,
        data: encodeEnvelope(BlobKind.metadata, DaMetadataCodec.encode(forged)),
      },
      { namespace: alphaBlob!.namespace, data: hollow },
    ]);
    const result = await readRollupAtDaHeight(client, height, ALPHA, options);
    assert.match(result.rejected.join("\n"), /the part at height 1 has no data/);
    assert.deepEqual(
      result.blocks.map((b) => [b.height, b.items.map(toHex)]),
      [
        [1n, [toHex(utf8("alpha at 1"))]],
        [1n, [toHex(utf8("alpha at 1"))]],
      ],
    );
  });

  it("refuses a block whose data was swapped, even in a blob Metro's metadata points at", async () => {
    const tampered = signedBlock({ height: 9n, set, items: [{ rollupId: ALPHA, data: utf8("honest") }] });
    tampered.rollups[0]!.items[0] = utf8("swapped");
    const [submission] = planSubmissions(CHAIN, [tampered], { maxBlobBytes: 1_000_000 });
    const height = await client.submit(submission!.blobs);
    const result = await readRollupAtDaHeight(client, height, ALPHA, options);
    assert.deepEqual(result.blocks, []);
    assert.match(result.rejected.join("\n"), /does not match the block commitment/);
  });

  it("carries a block's oracle state to each rollup's slice, and refuses a tampered one", async () => {
    const pairs = [{ id: "TIA/USD", decimals: 8 }];
    const { appHash, oracleState } = oracleChainState((state) => {
      writePairs(state, pairs);
      writeVotePairs(state, pairs);
    });
    const vote = new Map([["TIA/USD", 520_000_000n]]);
    const commit = signedInjectedCommit(set, pairs, new Map(), [{ vote }, { vote }, { vote }, { vote }], 10n);
    const priced = (height: bigint, state: OracleStateMessage) =>
      signedBlock({
        height,
        set,
        appHash,
        oracleCommitTx: encodeInjectedCommit(commit),
        oracleState: state,
        items: [{ rollupId: ALPHA, data: utf8(`alpha at ${height}`) }],
      });
    const tampered = { ...oracleState, votePairs: { ...oracleState.votePairs!, present: false } };
    const [submission] = planSubmissions(CHAIN, [priced(11n, oracleState), priced(12n, tampered)], {
      maxBlobBytes: 1_000_000,
    });
    const height = await client.submit(submission!.blobs);
    for (const rollupId of [ALPHA, GAMMA]) {
      const result = await readRollupAtDaHeight(client, height, rollupId, options);
      assert.deepEqual(
        result.blocks.map((b) => b.height),
        [11n],
      );
      assert.match(result.rejected.join("\n"), /Metro height 12: .*oracle state/);
      const prices = blockPrices(result.blocks[0]!.slice, {
        chainId: CHAIN,
        previousValidators: set.validators,
      });
      assert.deepEqual(prices, new Map([["TIA/USD", { price: 520_000_000n, decimals: 8 }]]));
    }
  });
});
