import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { utf8 } from "../../core/bytes.js";
import { createLogger } from "../../core/log.js";
import { CelestiaClient, DaHeightPrunedError } from "../../relayer/celestia/client.js";
import { namespaceV0 } from "../../relayer/celestia/shares.js";
import { LocalDa } from "../../relayer/da/server.js";
import { DaStore } from "../../relayer/da/store.js";

const log = createLogger("test", "silent");
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "metro-da-keep-"));
  dirs.push(dir);
  return dir;
}

const ns = namespaceV0(utf8("retention-"));

/** A DA whose blocks are made by the test (its timer never fires), so heights do not race. */
async function startDa(dataDir: string, keepHeights: number) {
  const da = new LocalDa({ dataDir, blockTimeMs: 3_600_000, keepHeights, log });
  const port = await da.listen(0);
  const produce = () => (da as unknown as { produceBlock(): void }).produceBlock();
  return { da, produce, client: new CelestiaClient({ url: `http://127.0.0.1:${port}` }) };
}

describe("local DA retention (--keep-heights)", () => {
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("serves the last N heights, refuses older ones with a typed error, and keeps that across a restart", async () => {
    const dataDir = tempDir();
    let { da, produce, client } = await startDa(dataDir, 4);
    const submitted = client.submit([{ namespace: ns, data: utf8("old blob") }]);
    // The submit must reach the DA before the block that holds it is made.
    while (da.pendingBlobs === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    produce();
    const oldHeight = await submitted;
    assert.equal(oldHeight, 1);
    for (let i = 0; i < 9; i++) produce();
    assert.equal(da.height, 10);
    assert.equal(da.baseHeight, 7, "heights 7 to 10 are the last four");
    assert.equal(da.stats.prunedHeights, 6);

    const refused = await client.getAll(oldHeight, [ns]).then(
      () => assert.fail("a pruned height answered"),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof DaHeightPrunedError, `got ${String(refused)}`);
    assert.equal(refused.height, 1);
    assert.equal(refused.lowestHeight, 7);
    assert.match(refused.message, /height 1 is pruned: this DA keeps heights from 7/);
    await assert.rejects(client.headerByHeight(6), DaHeightPrunedError);
    assert.equal((await client.headerByHeight(7)).height, 7, "the oldest kept height answers");
    assert.deepEqual(await client.getAll(10, [ns]), [], "a kept height without blobs is an empty list");
    await da.close();

    ({ da, produce, client } = await startDa(dataDir, 0));
    try {
      assert.equal(da.baseHeight, 7, "the base survives a restart");
      await assert.rejects(client.getAll(3, [ns]), DaHeightPrunedError);
      produce();
      assert.equal(da.baseHeight, 7, "keep-heights 0 deletes nothing more");
      assert.equal((await client.headerByHeight(11)).height, 11);
    } finally {
      await da.close();
    }
  });

  it("prunes in bounded batches, never the head, each batch in one transaction", async () => {
    const store = new DaStore(tempDir());
    try {
      for (let height = 1; height <= 30; height++) store.append({ height, time: "t", blobs: [] });
      assert.equal(store.prune(26, 10), 10);
      assert.equal(store.base, 11);
      assert.equal(store.block(10), undefined);
      assert.ok(store.block(11));
      assert.equal(store.prune(26, 10), 10);
      assert.equal(store.prune(26, 10), 5);
      assert.equal(store.base, 26);
      assert.equal(store.prune(1000, 1000), 4, "the head is never pruned");
      assert.equal(store.base, 30);
      assert.ok(store.block(30));
      assert.equal(store.prune(1000, 1000), 0);
    } finally {
      await store.close();
    }
  });
});
