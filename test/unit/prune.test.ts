import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { blockRequest, inProcessApp } from "../../chain/app/in-process.js";
import { blockRetainHeight } from "../../chain/app/retention.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { CommittedState } from "../../chain/store/committed.js";
import { SdkCode } from "../../chain/tx/errors.js";
import { fromUtf8, utf8 } from "../../core/bytes.js";
import {
  QueryPath,
  QueryRollupDataRequestCodec,
  QueryRollupDataResponseCodec,
} from "../../core/proto/sequencer.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { decodeSmtProof, verifySmtProof } from "../../core/smt.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";

describe("pruning old state versions", () => {
  it("keeps every kept height readable and provable, and deletes what only older ones used", async () => {
    const dir = mkdtempSync(join(tmpdir(), "metro-prune-"));
    const store = new CommittedState(dir);
    try {
      let seed = 7;
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const model = new Map<string, string>();
      const snapshots = new Map<bigint, Map<string, string>>();
      for (let height = 1n; height <= 60n; height++) {
        const changes: { key: Uint8Array; value: Uint8Array | undefined }[] = [];
        for (let i = 0; i < 15; i++) {
          const key = `key/${random(80)}`;
          // Few distinct values, so the same leaf is orphaned and made again across heights.
          if (random(5) === 0) {
            model.delete(key);
            changes.push({ key: utf8(key), value: undefined });
          } else {
            const value = `value-${random(3)}`;
            model.set(key, value);
            changes.push({ key: utf8(key), value: utf8(value) });
          }
        }
        const tree = store.tree();
        const root = tree.update(store.root, changes);
        store.commit({
          height,
          root,
          nodes: tree.pending,
          orphaned: tree.orphaned(),
          writes: new Map(),
          index: [],
        });
        snapshots.set(height, new Map(model));
      }
      const before = store.nodeCount();
      const deleted = store.prune(45n);
      assert.ok(deleted > 0, "something was prunable");
      assert.equal(store.nodeCount(), before - deleted);
      assert.equal(store.rootAt(44n), undefined, "pruned heights have no root");

      const tree = store.tree();
      for (let height = 45n; height <= 60n; height++) {
        const root = store.rootAt(height)!;
        const snapshot = snapshots.get(height)!;
        for (let k = 0; k < 80; k++) {
          const key = utf8(`key/${k}`);
          const { value, proof } = tree.prove(root, key);
          const expected = snapshot.get(`key/${k}`);
          assert.equal(
            value === undefined ? undefined : Buffer.from(value).toString(),
            expected,
            `height ${height} key ${k}`,
          );
          verifySmtProof(root, key, value, proof);
        }
      }
      // Pruning again at the same height finds nothing new; a later one goes on from there,
      // deleting what only heights 45 to 57 used (every height rewrote some keys) and no more.
      assert.equal(store.prune(45n), 0);
      const beforeLater = store.nodeCount();
      const later = store.prune(58n);
      assert.ok(later > 0, "heights 45 to 57 held nodes no later height uses");
      assert.equal(store.nodeCount(), beforeLater - later);
      assert.equal(store.rootAt(57n), undefined);
      for (let height = 58n; height <= 60n; height++) {
        const root = store.rootAt(height)!;
        for (let k = 0; k < 80; k++) {
          const key = utf8(`key/${k}`);
          const { value, proof } = tree.prove(root, key);
          assert.equal(
            value === undefined ? undefined : Buffer.from(value).toString(),
            snapshots.get(height)!.get(`key/${k}`),
            `height ${height} key ${k} after the second prune`,
          );
          verifySmtProof(root, key, value, proof);
        }
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs every pruning interval in the app and keeps the last keepRecent heights queryable", async () => {
    const opened = await inProcessApp({ pruning: { keepRecent: 10, interval: 100, minRetainBlocks: 0 } });
    try {
      const key = utf8("sequencer/params");
      for (let height = 1n; height <= 100n; height++) {
        opened.app.finalizeBlock(blockRequest(height, []));
        opened.app.commit();
      }
      const query = (height: bigint) =>
        opened.app.query({ path: "/store/metro/key", data: key, height, prove: true });
      assert.equal(query(90n).code, SdkCode.InvalidRequest);
      assert.match(
        query(90n).log,
        /state at height 90 is pruned: this node keeps heights from 91 \(latest 100\)/,
      );
      for (const height of [91n, 95n, 100n]) {
        const reply = query(height);
        assert.equal(reply.code, 0, reply.log);
        verifySmtProof(
          opened.app.store.rootAt(height)!,
          key,
          reply.value,
          decodeSmtProof(reply.proofOps!.ops[0]!.data),
        );
      }
    } finally {
      await opened.close();
    }
  });

  it("tells CometBFT a retain height and drops the rollup data of the blocks it prunes", async () => {
    const opened = await inProcessApp({
      pruning: { keepRecent: 5, interval: 10, minRetainBlocks: 8 },
      evidenceMaxAgeBlocks: 12n,
    });
    try {
      const signer = await testSigner(1);
      const rollupId = rollupIdFromName("gm");
      const retained: bigint[] = [];
      for (let height = 1n; height <= 30n; height++) {
        const tx = signer.signTx({
          chainId: CHAIN_ID,
          accountNumber: 1n,
          sequence: height - 1n,
          fee: feeFor(200_000n),
          messages: [sequenceMsg(signer.address, "gm", utf8(`data ${height}`))],
        });
        const { txResults } = opened.app.finalizeBlock(blockRequest(height, [tx]));
        assert.equal(txResults.at(-1)?.code, 0, txResults.at(-1)?.log);
        retained.push(opened.app.commit().retainHeight);
      }
      // 8 blocks kept, lowered to the 12 evidence may name: from height - 12; 0 until that is past 1.
      assert.deepEqual(retained.slice(0, 13), Array(13).fill(0n));
      assert.equal(retained[29], 18n);
      const rollupData = (height: bigint) =>
        opened.app.query({
          path: QueryPath.rollupData,
          data: QueryRollupDataRequestCodec.encode({ height, rollupId }),
          height: 0n,
          prove: false,
        });
      // Pruned at height 30 below its retain height, 18.
      assert.match(
        rollupData(17n).log,
        /rollup data at height 17 is pruned: this node keeps heights from 18/,
      );
      const kept = QueryRollupDataResponseCodec.decode(rollupData(18n).value);
      assert.deepEqual(
        kept.txs.map((tx) => fromUtf8(tx.data)),
        ["data 18"],
      );
    } finally {
      await opened.close();
    }
  });
});

describe("block retain height", () => {
  const base = { minRetainBlocks: 100, snapshotInterval: 0, snapshotKeepRecent: 0, evidenceMaxAgeBlocks: 0n };
  it("keeps every block with min_retain_blocks 0", () => {
    assert.equal(blockRetainHeight({ ...base, commitHeight: 10_000n, minRetainBlocks: 0 }), 0n);
  });
  it("keeps min_retain_blocks blocks, lowered for evidence and for the oldest snapshot", () => {
    assert.equal(blockRetainHeight({ ...base, commitHeight: 1000n }), 901n);
    assert.equal(blockRetainHeight({ ...base, commitHeight: 50n }), 0n);
    assert.equal(blockRetainHeight({ ...base, commitHeight: 1000n, evidenceMaxAgeBlocks: 500n }), 500n);
    const snapshots = { snapshotInterval: 200, snapshotKeepRecent: 2 };
    assert.equal(blockRetainHeight({ ...base, ...snapshots, commitHeight: 1000n }), 600n);
  });
});
