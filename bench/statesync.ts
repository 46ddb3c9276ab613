/**
 * State sync against replay, in process (no CometBFT, no network): the time to restore the
 * snapshot of height H into an empty node, against executing blocks 1..H from genesis as a
 * node without state sync must. Each block holds one transfer from each of ten test accounts
 * to a new address, so the state grows with H.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MetroApp } from "../chain/app/app.js";
import { blockRequest, inProcessApp } from "../chain/app/in-process.js";
import { TEST_MNEMONIC } from "../chain/client/keys.js";
import { OfflineSigner } from "../chain/client/offline.js";
import { DEVNET_CHAIN_ID } from "../chain/node/home.js";
import { StateSync } from "../chain/statesync/index.js";
import { moduleAddress } from "../core/address.js";
import { toHex } from "../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../core/denom.js";
import { createLogger } from "../core/log.js";

const HEIGHT = Number(process.env.BENCH_STATESYNC_HEIGHT ?? 300);
const log = createLogger("bench-statesync", "silent");

export interface StateSyncBench {
  height: number;
  chunks: number;
  replayMs: number;
  restoreMs: number;
}

async function blocks(height: number): Promise<Uint8Array[][]> {
  const signers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => OfflineSigner.fromMnemonic(TEST_MNEMONIC, i)),
  );
  return Array.from({ length: height }, (_, h) =>
    signers.map((signer, i) =>
      signer.signTx({
        chainId: DEVNET_CHAIN_ID,
        accountNumber: BigInt(i),
        sequence: BigInt(h),
        fee: { amount: [{ denom: DEFAULT_LST_DENOM, amount: "200" }], gas: 100_000n },
        messages: [
          {
            typeUrl: "/cosmos.bank.v1beta1.MsgSend",
            value: {
              fromAddress: signer.address,
              toAddress: moduleAddress(`bench-${h}-${i}`),
              amount: [{ denom: DEFAULT_LST_DENOM, amount: "1" }],
            },
          },
        ],
      }),
    ),
  );
}

export async function benchStateSync(height = HEIGHT): Promise<StateSyncBench> {
  const txs = await blocks(height);
  const dir = mkdtempSync(join(tmpdir(), "metro-bench-statesync-"));
  const source = await inProcessApp();
  const options = { chainId: DEVNET_CHAIN_ID, interval: height, keepRecent: 1, chunkBytes: 1 << 20 };
  const serving = new StateSync(source.app.store, { ...options, directory: join(dir, "served") }, log);
  const target = new MetroApp(join(dir, "target"), log, {
    stateSync: { ...options, directory: join(dir, "target-snapshots") },
  });
  try {
    const replayStarted = performance.now();
    for (let h = 1; h <= height; h++) {
      source.app.finalizeBlock(blockRequest(BigInt(h), txs[h - 1]!));
      source.app.commit();
    }
    const replayMs = performance.now() - replayStarted;
    serving.afterCommit(BigInt(height), source.app.store.root);
    await serving.close();
    const snapshot = serving.listSnapshots().snapshots[0]!;
    const restoreStarted = performance.now();
    target.offerSnapshot({ snapshot, appHash: source.app.store.root });
    for (let chunk = 0; chunk < snapshot.chunks; chunk++) {
      const bytes = serving.loadSnapshotChunk({
        height: snapshot.height,
        format: snapshot.format,
        chunk,
      }).chunk;
      target.applySnapshotChunk({ index: chunk, chunk: bytes, sender: "bench" });
    }
    const restoreMs = performance.now() - restoreStarted;
    if (toHex(target.store.root) !== toHex(source.app.store.root)) throw new Error("restored another root");
    return { height, chunks: snapshot.chunks, replayMs, restoreMs };
  } finally {
    await target.close();
    await source.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printStateSync(result: StateSyncBench): void {
  const { height, chunks, replayMs, restoreMs } = result;
  console.log(`\nState sync vs replay, ${height} blocks of 10 transfers (in process)`);
  console.log(`  replay from genesis: ${replayMs.toFixed(0)} ms`);
  console.log(
    `  restore the snapshot at ${height} (${chunks} chunks): ${restoreMs.toFixed(0)} ms, ${((100 * restoreMs) / replayMs).toFixed(1)}% of replay`,
  );
}
