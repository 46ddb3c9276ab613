/**
 * A full disk while a block's state is written: the app reports a clear StoreWriteError, the
 * store keeps the previous height whole, and once there is room the same block commits. The disk
 * is a small tmpfs, mounted for the test (skipped where mounting is not allowed).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MetroApp } from "../../chain/app/app.js";
import { blockRequest, inProcessApp } from "../../chain/app/in-process.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { StoreWriteError } from "../../chain/store/committed.js";
import { createLogger } from "../../core/log.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";

const mountPoint = mkdtempSync(join(tmpdir(), "metro-full-disk-"));

function mountTmpfs(size: string, remount = false): boolean {
  try {
    const options = remount ? `remount,size=${size}` : `size=${size}`;
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", mountPoint], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("a full disk while committing a block", () => {
  let mounted = false;

  before(() => {
    mounted = mountTmpfs("3m");
  });

  after(() => {
    if (mounted) execFileSync("umount", [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it("stops with StoreWriteError, keeps the last height whole, and commits the block once there is room", async (t) => {
    if (!mounted) return t.skip("mounting a tmpfs is not allowed here");
    const dataDir = join(mountPoint, "app");
    const failures: StoreWriteError[] = [];
    const opened = await inProcessApp({ dataDir, onStoreFailure: (error) => failures.push(error) });
    const signer = await testSigner(1);
    const txAt = (height: bigint) =>
      signer.signTx({
        chainId: CHAIN_ID,
        accountNumber: 1n,
        sequence: height - 1n,
        fee: feeFor(3_000_000n),
        messages: [
          sequenceMsg(signer.address, "big", new Uint8Array(200 * 1024).fill(Number(height % 250n))),
        ],
      });
    let height = 0n;
    let thrown: unknown;
    while (thrown === undefined && height < 100n) {
      height++;
      const { txResults } = opened.app.finalizeBlock(blockRequest(height, [txAt(height)]));
      assert.equal(txResults.at(-1)?.code, 0, txResults.at(-1)?.log);
      try {
        opened.app.commit();
      } catch (error) {
        thrown = error;
      }
    }
    assert.ok(thrown instanceof StoreWriteError, `a full disk within 100 blocks: ${thrown}`);
    assert.equal(failures.length, 1);
    assert.match(
      thrown.message,
      new RegExp(
        `could not write height ${height} to .* \\(is the disk full\\?\\); the store is intact at height ${height - 1n}`,
      ),
    );
    await opened.app.close();

    assert.ok(mountTmpfs("64m", true), "remounted with room");
    const reopened = new MetroApp(dataDir, createLogger("store-full", "silent"));
    try {
      assert.equal(reopened.store.height, height - 1n);
      const { txResults } = reopened.finalizeBlock(blockRequest(height, [txAt(height)]));
      assert.equal(txResults.at(-1)?.code, 0, txResults.at(-1)?.log);
      reopened.commit();
      assert.equal(reopened.store.height, height);
    } finally {
      await reopened.close();
    }
  });
});
