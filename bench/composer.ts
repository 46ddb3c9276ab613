/**
 * `npm run bench -- composer`: rollup txs per second through the composer, end to end on a real
 * one-validator Metro (1 s blocks), in the same run:
 * (a) a `none`-kind rollup, sequencing only: the composer driven in process with a deep backlog,
 *     its rollup txs counted afterwards in Metro's rollup data, height by height, for the
 *     composer as it was (bench/composer-baseline.ts), the Composer one Metro tx at a time with
 *     at most 200 rollup txs each (window 1, count only), and the Composer's defaults;
 * (b) the EVM rollup: transfers from 200 senders to eth_sendRawTransaction, receipts counted,
 *     for the last two (bench/composer-evm.ts).
 * Every rollup tx carries its index, so the count also shows whether any landed out of order
 * and whether any the composer accepted never landed ("lost").
 */
import { TEST_MNEMONIC } from "../chain/client/keys.js";
import { queryRollupData } from "../chain/client/queries.js";
import { injectedTxCount } from "../chain/index.js";
import { blockAt, nodeStatus, waitForHeight } from "../chain/node/rpc.js";
import { Composer } from "../conductor/index.js";
import { createLogger } from "../core/log.js";
import { rollupIdFromName } from "../core/rollup.js";
import { startNetwork } from "../test/support/network.js";
import { BaselineComposer } from "./composer-baseline.js";
import {
  BASELINE,
  type ComposerBenchRow,
  type ComposerMode,
  MODES,
  ratePerSecond,
  SECONDS,
  SendTally,
  sleep,
} from "./composer-common.js";
import { benchEvmComposer } from "./composer-evm.js";

const SIZES = (process.env.BENCH_COMPOSER_SIZES ?? "128,1024").split(",").map(Number);
const ROLLUPS = (process.env.BENCH_COMPOSER_ROLLUPS ?? "none,evm").split(",");
/** Rollup txs awaiting the composer at once: a backlog deep enough to fill every block. */
const MAX_OUTSTANDING = 40_000;
const BACKLOG_BYTES = 32 * 1024 * 1024;

const log = createLogger("bench-composer", "error");

/** Rollup tx `index`: its index up front, so order can be read back from the chain. */
export function indexedPayload(index: number, bytes: number): Uint8Array {
  const data = new Uint8Array(bytes).fill(0x5a);
  new DataView(data.buffer).setUint32(0, index);
  return data;
}

/** Rollup txs (in order?) and the composer's Metro txs per height, read after the run. */
async function countNone(rpc: string, rollupName: string, from: number, to: number) {
  const rollupId = rollupIdFromName(rollupName);
  const blocks: { txs: number; seenAt: number }[] = [];
  let last = -1;
  let inOrder = true;
  let metroTxs = 0;
  for (let height = from - 1; height <= to; height++) {
    const [data, block] = await Promise.all([
      queryRollupData(rpc, BigInt(height), rollupId),
      blockAt(rpc, height),
    ]);
    for (const tx of data.txs) {
      const index = new DataView(tx.data.buffer, tx.data.byteOffset).getUint32(0);
      if (index <= last) inOrder = false;
      last = index;
    }
    if (data.txs.length > 0) metroTxs += block.txs.length - injectedTxCount(block.txs);
    blocks.push({ txs: height < from ? 0 : data.txs.length, seenAt: Date.parse(block.time) });
  }
  const landed = blocks.reduce((sum, block) => sum + block.txs, 0);
  return { landed, inOrder, metroTxs, txPerSecond: ratePerSecond(blocks) };
}

/** One run: `seconds` of a deep backlog of `payloadBytes` rollup txs, then the drain. */
async function runNone(
  rpc: string,
  mode: ComposerMode,
  payloadBytes: number,
  accountIndex: number,
): Promise<ComposerBenchRow> {
  const rollupName = `bench-none-${accountIndex}`;
  const composer = mode.baseline
    ? await BaselineComposer.start(rpc, rollupName, accountIndex)
    : await Composer.start({
        metroRpc: rpc,
        rollupName,
        mnemonic: TEST_MNEMONIC,
        accountIndex,
        tuning: mode.tuning,
        log,
      });
  const from = (await nodeStatus(rpc)).height + 1;
  const tally = new SendTally();
  const maxOutstanding = Math.min(MAX_OUTSTANDING, Math.floor(BACKLOG_BYTES / payloadBytes));
  const deadline = Date.now() + SECONDS * 1000;
  while (Date.now() < deadline) {
    while (tally.outstanding < maxOutstanding) {
      tally.track(composer.submit(indexedPayload(tally.sent, payloadBytes)));
    }
    await sleep(5);
  }
  await tally.drain();
  composer.stop();
  // What CheckTx accepted lands in the next block or two.
  const to = (await nodeStatus(rpc)).height + 2;
  await waitForHeight(rpc, to + 1);
  const counted = await countNone(rpc, rollupName, from, to);
  return {
    rollup: "none",
    mode,
    payloadBytes,
    sent: tally.sent,
    refused: tally.refused,
    lost: tally.accepted - counted.landed,
    ...counted,
    ...(tally.firstRefusal ? { firstRefusal: tally.firstRefusal } : {}),
  };
}

async function benchNoneComposer(): Promise<ComposerBenchRow[]> {
  const net = await startNetwork(1);
  const rows: ComposerBenchRow[] = [];
  let account = 1;
  try {
    await waitForHeight(net.rpc(0), 2);
    for (const size of SIZES) {
      for (const mode of [BASELINE, ...MODES]) {
        const row = await runNone(net.rpc(0), mode, size, account++);
        console.error(`  none, ${size} B, ${mode.name}: ${row.txPerSecond.toFixed(0)} rollup tx/s`);
        rows.push(row);
      }
    }
  } finally {
    await net.stop();
  }
  return rows;
}

function composerTable(rows: readonly ComposerBenchRow[]): string {
  const lines = [
    "| rollup | composer | rollup tx bytes | sent | refused | landed | lost | in order | rollup txs/s | rollup MB/s | rollup txs per Metro tx | vs first row |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    const base = rows.find((r) => r.rollup === row.rollup && r.payloadBytes === row.payloadBytes);
    const ratio = base && base.txPerSecond > 0 ? `${(row.txPerSecond / base.txPerSecond).toFixed(2)}×` : "–";
    const perMetroTx = row.metroTxs ? (row.landed / row.metroTxs).toFixed(0) : "–";
    const mb = ((row.txPerSecond * row.payloadBytes) / 1e6).toFixed(2);
    lines.push(
      `| ${row.rollup} | ${row.mode.name} | ${row.payloadBytes} | ${row.sent} | ${row.refused} | ${row.landed} | ${row.lost} | ${row.inOrder === undefined ? "–" : row.inOrder ? "yes" : "no"} | ${row.txPerSecond.toFixed(0)} | ${mb} | ${perMetroTx} | ${ratio} |`,
    );
  }
  return lines.join("\n");
}

export async function composerSection(): Promise<void> {
  console.error(`bench composer: ${SECONDS} s per run, none-kind payloads ${SIZES.join(", ")} B, then EVM`);
  const rows = [
    ...(ROLLUPS.includes("none") ? await benchNoneComposer() : []),
    ...(ROLLUPS.includes("evm") ? await benchEvmComposer() : []),
  ];
  console.log(
    `\nRollup txs through the composer, end to end, 1 validator, 1 s blocks, ${SECONDS} s per run. none: the Composer in process, at most ${MAX_OUTSTANDING} rollup txs (and ${BACKLOG_BYTES / 1024 / 1024} MiB) awaiting it, counted in Metro's rollup data per height against block times. evm: signed transfers sent to eth_sendRawTransaction, each sender one at a time, counted in the EVM node's blocks against when each was first seen. MB = 10^6 bytes.\n`,
  );
  console.log(composerTable(rows));
  for (const row of rows.filter((r) => r.firstRefusal)) {
    console.log(`\n${row.rollup}, ${row.mode.name}: first refusal: ${row.firstRefusal}`);
  }
}
