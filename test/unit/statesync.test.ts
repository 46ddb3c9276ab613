import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  ResponseApplySnapshotChunk_Result as ApplyResult,
  ResponseOfferSnapshot_Result as OfferResult,
  type Snapshot,
} from "cosmjs-types/tendermint/abci/types";
import { MetroApp } from "../../chain/app/app.js";
import { blockRequest, type InProcessApp, inProcessApp } from "../../chain/app/in-process.js";
import { DEVNET_CHAIN_ID } from "../../chain/node/home.js";
import {
  decodeChunk,
  decodeMetadata,
  encodeChunk,
  encodeMetadata,
  SnapshotFormatError,
  snapshotHash,
} from "../../chain/statesync/format.js";
import { StateSync, type StateSyncOptions } from "../../chain/statesync/index.js";
import { toHex, utf8 } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import { createLogger } from "../../core/log.js";

const log = createLogger("statesync-test", "silent");
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "metro-statesync-"));
  dirs.push(dir);
  return dir;
};
const syncOptions = (overrides: Partial<StateSyncOptions> = {}): StateSyncOptions => ({
  chainId: DEVNET_CHAIN_ID,
  directory: tempDir(),
  interval: 2,
  keepRecent: 2,
  chunkBytes: 512,
  ...overrides,
});

/** An empty node, as `metro join` starts one: a Metro app that will restore a snapshot. */
function emptyApp(options: Partial<StateSyncOptions> = {}): MetroApp {
  return new MetroApp(join(tempDir(), "data"), log, { stateSync: syncOptions(options) });
}

describe("state sync snapshots", () => {
  let source: InProcessApp;
  let serving: StateSync;
  const servingDir = tempDir();
  let snapshot: Snapshot;
  let chunks: Uint8Array[];
  const opened: MetroApp[] = [];

  before(async () => {
    source = await inProcessApp();
    serving = new StateSync(source.app.store, syncOptions({ directory: servingDir }), log);
    for (let height = 1n; height <= 6n; height++) {
      source.app.finalizeBlock(blockRequest(height, []));
      source.app.commit();
      serving.afterCommit(height, source.app.store.root);
      await serving.close();
    }
    snapshot = serving.listSnapshots().snapshots[0]!;
    chunks = Array.from(
      { length: snapshot!.chunks },
      (_, chunk) =>
        serving.loadSnapshotChunk({ height: snapshot!.height, format: snapshot!.format, chunk }).chunk,
    );
  });

  after(async () => {
    for (const app of opened) await app.close();
    await source.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const open = (options: Partial<StateSyncOptions> = {}): MetroApp => {
    const app = emptyApp(options);
    opened.push(app);
    return app;
  };
  const offer = (
    app: MetroApp,
    offered: Snapshot = snapshot,
    appHash = source.app.store.rootAt(offered.height)!,
  ) => app.offerSnapshot({ snapshot: offered, appHash }).result;
  const apply = (app: MetroApp, index: number, chunk = chunks[index]!, sender = "honest-peer") =>
    app.applySnapshotChunk({ index, chunk, sender });
  const assertEmpty = (app: MetroApp): void => {
    assert.equal(
      app.info({ version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" }).lastBlockHeight,
      0n,
    );
    assert.equal(app.store.get("chain_id"), undefined);
  };

  it("keeps the newest snapshots, in chunks of the configured size, each hashed in the metadata", () => {
    const heights = serving.listSnapshots().snapshots.map((s) => s.height);
    assert.deepEqual(heights, [6n, 4n], "snapshot_keep_recent = 2 of heights 2, 4, 6");
    const metadata = decodeMetadata(snapshot.metadata);
    assert.equal(metadata.chainId, DEVNET_CHAIN_ID);
    assert.equal(toHex(metadata.root), toHex(source.app.store.rootAt(6n)!));
    assert.ok(snapshot.chunks > 3, `a small chunk size gives several chunks (${snapshot.chunks})`);
    assert.deepEqual(
      metadata.chunkHashes.map(toHex),
      chunks.map((c) => toHex(sha256(c))),
    );
    assert.equal(toHex(snapshot.hash), toHex(snapshotHash(snapshot.metadata)));
    assert.equal(serving.loadSnapshotChunk({ height: 5n, format: 1, chunk: 0 }).chunk.length, 0);
  });

  it("encodes chunks and metadata losslessly and refuses truncated chunks", () => {
    const leaves = [
      { key: utf8("a"), value: utf8("1") },
      { key: utf8("bb"), value: new Uint8Array() },
    ];
    const encoded = encodeChunk(leaves);
    assert.deepEqual(decodeChunk(encoded), leaves);
    assert.throws(() => decodeChunk(encoded.subarray(0, encoded.length - 1)), SnapshotFormatError);
    assert.throws(() => decodeChunk(encoded.subarray(0, 3)), SnapshotFormatError);
    const metadata = { chainId: "x", height: 9n, root: sha256(utf8("r")), chunkHashes: [sha256(encoded)] };
    assert.deepEqual(decodeMetadata(encodeMetadata(metadata)), metadata);
    assert.throws(() => decodeMetadata(utf8('{"format":2}')), SnapshotFormatError);
  });

  it("restores an empty node to the snapshot's height and root, and it then runs the next block alike", () => {
    const app = open();
    assert.equal(offer(app), OfferResult.ACCEPT);
    for (let i = 0; i < chunks.length; i++) assert.equal(apply(app, i).result, ApplyResult.ACCEPT);
    const info = app.info({ version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" });
    assert.equal(info.lastBlockHeight, 6n);
    assert.equal(toHex(info.lastBlockAppHash), toHex(source.app.store.rootAt(6n)!));
    const next = blockRequest(7n, []);
    const restored = app.finalizeBlock(next);
    app.commit();
    const original = source.app.finalizeBlock(next);
    source.app.commit();
    assert.equal(toHex(restored.appHash), toHex(original.appHash));
  });

  it("refuses a snapshot of another chain, another format, a lying hash, or a root the light client did not verify", () => {
    const app = open({ chainId: "metro-devnet-other" });
    assert.equal(offer(app), OfferResult.REJECT, "different chain");
    const own = open();
    assert.equal(offer(own, { ...snapshot, format: 2 }), OfferResult.REJECT_FORMAT);
    assert.equal(offer(own, { ...snapshot, hash: sha256(utf8("other")) }), OfferResult.REJECT_SENDER);
    assert.equal(offer(own, snapshot, sha256(utf8("not the app hash"))), OfferResult.REJECT, "root mismatch");
    assert.equal(apply(own, 0).result, ApplyResult.ABORT, "no chunk without an accepted snapshot");
    assertEmpty(app);
    assertEmpty(own);
  });

  it("refetches a chunk that does not hash to its snapshot from another peer, refusing its sender", () => {
    const app = open();
    assert.equal(offer(app), OfferResult.ACCEPT);
    const corrupted = Uint8Array.from(chunks[0]!);
    corrupted[corrupted.length - 1]! ^= 0xff;
    for (const bad of [corrupted, chunks[0]!.subarray(0, chunks[0]!.length - 3)]) {
      const refused = apply(app, 0, bad, "lying-peer");
      assert.equal(refused.result, ApplyResult.RETRY);
      assert.deepEqual(refused.refetchChunks, [0]);
      assert.deepEqual(refused.rejectSenders, ["lying-peer"]);
      assertEmpty(app);
    }
    for (let i = 0; i < chunks.length; i++) assert.equal(apply(app, i).result, ApplyResult.ACCEPT);
    assert.equal(app.store.height, 6n, "the honest peer's chunks restore it");
  });

  it("serves corrupted chunks only under the test switch, and they fail their hash", () => {
    const lying = new StateSync(
      source.app.store,
      syncOptions({ directory: servingDir, corruptChunks: true }),
      log,
    );
    const chunk = lying.loadSnapshotChunk({ height: snapshot.height, format: 1, chunk: 0 }).chunk;
    assert.notEqual(toHex(sha256(chunk)), toHex(sha256(chunks[0]!)));
  });

  it("rejects a snapshot whose vouched-for chunks are truncated or do not build its root, keeping the empty state", () => {
    const lie = (parts: Uint8Array[], root = decodeMetadata(snapshot.metadata).root): Snapshot => {
      const metadata = encodeMetadata({
        chainId: DEVNET_CHAIN_ID,
        height: 6n,
        root,
        chunkHashes: parts.map((c) => sha256(c)),
      });
      return { height: 6n, format: 1, chunks: parts.length, hash: snapshotHash(metadata), metadata };
    };
    const truncated = [chunks[0]!.subarray(0, chunks[0]!.length - 2), ...chunks.slice(1)];
    const app = open();
    assert.equal(offer(app, lie(truncated)), OfferResult.ACCEPT);
    assert.equal(apply(app, 0, truncated[0]).result, ApplyResult.REJECT_SNAPSHOT);
    assertEmpty(app);
    const missingOne = chunks.slice(0, -1);
    assert.equal(offer(app, lie(missingOne)), OfferResult.ACCEPT);
    for (let i = 0; i < missingOne.length - 1; i++) assert.equal(apply(app, i).result, ApplyResult.ACCEPT);
    const last = apply(app, missingOne.length - 1);
    assert.equal(last.result, ApplyResult.REJECT_SNAPSHOT, "the leaves build another root");
    assertEmpty(app);
    const reordered = [chunks[1]!, chunks[0]!, ...chunks.slice(2)];
    assert.equal(offer(app, lie(reordered)), OfferResult.ACCEPT);
    assert.equal(apply(app, 0, reordered[0]).result, ApplyResult.ACCEPT);
    assert.equal(apply(app, 1, reordered[1]).result, ApplyResult.REJECT_SNAPSHOT, "out of tree order");
    assertEmpty(app);
  });

  it("accepts again a restore that committed before a crash, without writing it twice", () => {
    const app = open();
    assert.equal(offer(app), OfferResult.ACCEPT);
    for (let i = 0; i < chunks.length; i++) apply(app, i);
    assert.equal(app.store.height, 6n);
    assert.equal(offer(app), OfferResult.ACCEPT, "the same snapshot, already restored");
    for (let i = 0; i < chunks.length; i++) assert.equal(apply(app, i).result, ApplyResult.ACCEPT);
    assert.equal(app.store.height, 6n);
    const older = serving.listSnapshots().snapshots[1]!;
    assert.equal(offer(app, older), OfferResult.ABORT, "another height never overwrites the state");
  });

  it("never restores over a node that has state", () => {
    const appHash = source.app.store.root;
    assert.equal(serving.offerSnapshot({ snapshot, appHash }).result, OfferResult.ABORT);
    assert.ok(source.app.store.height >= 6n);
  });
});
