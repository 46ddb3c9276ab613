/**
 * `npm run bench -- sweep`: throughput in bytes. Per tx size, Metro's txs are one MsgSequence
 * padded so the signed tx has that size, with the cheapest fee and gas the chain's own params
 * allow (queried from the running chain); CometBFT's kvstore, built in and over the ABCI socket,
 * gets `key=value` txs of the same size. Same CometBFT config, one network after the other.
 *
 * With BENCH_COMETBFT_ALT=<path to another cometbft binary>, Metro and the socket kvstore also
 * run on it at 1 validator (sizes BENCH_ALT_SIZES), side by side with the pinned release.
 */
import { execFileSync } from "node:child_process";
import { queryParams } from "../chain/client/queries.js";
import { COMETBFT_VERSION } from "../chain/node/cometbft.js";
import { blockMaxBytes } from "../chain/node/rpc.js";
import { type Lane, saturate } from "./driver.js";
import { kvstoreLanes, LANES, type LaneBuilder, metroLanes, payloadForTxBytes } from "./lanes.js";
import { type BenchNetwork, startKvstore, startMetro } from "./networks.js";

const list = (text: string): number[] => text.split(",").map(Number);
const SIZES = list(process.env.BENCH_SIZES ?? "616,4096,32768,262144");
const VALIDATORS = list(process.env.BENCH_VALIDATORS ?? "1,4");
const SATURATE_MS = Number(process.env.BENCH_SECONDS ?? 20) * 1000;
const MAX_TXS_PER_LANE = Number(process.env.BENCH_TXS_PER_LANE ?? 5000);
const MAX_OUTSTANDING = Number(process.env.BENCH_BACKLOG ?? 6000);
/**
 * Bytes awaiting inclusion at once: three full default blocks, so the mempool is never empty
 * at a proposal, and far under CometBFT's `mempool.max_txs_bytes` (1 GiB) and `mempool.size`.
 */
const BACKLOG_BYTES = Number(process.env.BENCH_BACKLOG_BYTES ?? 64 * 1024 * 1024);
const ALT_COMETBFT = process.env.BENCH_COMETBFT_ALT;
const ALT_SIZES = list(process.env.BENCH_ALT_SIZES ?? "616,32768");

const KVSTORE = "kvstore";
const KVSTORE_SOCKET = "kvstore (socket)";
const PINNED = `v${COMETBFT_VERSION}`;

interface SweepRow {
  app: string;
  comet: string;
  validators: number;
  txBytes: number;
  /** Rollup data per tx for Metro; the whole tx for kvstore, whose tx is all data. */
  payloadBytes: number;
  txPerSecond: number;
  resyncs: number;
  blocks: number;
  longestGapMs: number;
}

/** The CometBFT binary a network starts with: METRO_COMETBFT while `start` runs. */
async function withComet<T>(binary: string | undefined, start: () => Promise<T>): Promise<T> {
  const saved = process.env.METRO_COMETBFT;
  if (binary) process.env.METRO_COMETBFT = binary;
  try {
    return await start();
  } finally {
    if (saved === undefined) delete process.env.METRO_COMETBFT;
    else process.env.METRO_COMETBFT = saved;
  }
}

interface Run {
  app: string;
  comet?: { label: string; binary: string };
  validators: number;
  start: (n: number) => Promise<BenchNetwork>;
  /** The lanes for this network, and the tx and payload sizes they carry. */
  lanes: (rpcUrl: string) => Promise<{ build: LaneBuilder; txBytes: number; payloadBytes: number }>;
}

/** Enough pre-signed txs to fill every block of the run at the block's byte limit, and no more. */
function txsPerLane(maxBytes: number, txBytes: number, durationMs: number): number {
  const fill = Math.ceil((maxBytes * (durationMs / 1000) * 1.2) / txBytes / LANES);
  return Math.min(MAX_TXS_PER_LANE, fill);
}

/** The sweep's load for one network: lanes signed before the clock starts, and the backlog. */
export interface SweepLoad {
  lanes: Lane[];
  backlog: number;
}

/** Signs the lanes a run of `durationMs` needs at `txBytes` per tx, and picks the backlog. */
export async function prepareLoad(
  rpc: string,
  build: LaneBuilder,
  txBytes: number,
  durationMs: number,
): Promise<SweepLoad> {
  const perLane = txsPerLane(Number(await blockMaxBytes(rpc)), txBytes, durationMs);
  const lanes = await build(rpc, perLane, "sweep");
  return { lanes, backlog: Math.min(MAX_OUTSTANDING, Math.floor(BACKLOG_BYTES / txBytes)) };
}

/** Metro's lanes at `size` signed bytes per tx, with the cheapest fee and gas the chain allows. */
export async function metroSizedLanes(
  rpc: string,
  size: number,
): Promise<{ build: LaneBuilder; txBytes: number; payloadBytes: number }> {
  const shape = await payloadForTxBytes(await queryParams(rpc), size);
  const build = metroLanes(shape);
  const [probe] = await build(rpc, 1, "probe");
  return { build, txBytes: probe!.txs[0]!.length, payloadBytes: shape.payloadBytes };
}

/** One network's run; a network that fails to start or answer is reported and left out. */
async function measureOrSkip(run: Run): Promise<SweepRow | undefined> {
  try {
    return await measure(run);
  } catch (error) {
    console.error(`  ${run.app} × ${run.validators} failed, left out: ${(error as Error).message}`);
    return undefined;
  }
}

async function measure(run: Run): Promise<SweepRow> {
  const network = await withComet(run.comet?.binary, () => run.start(run.validators));
  try {
    const rpc = network.rpcUrl(0);
    const { build, txBytes, payloadBytes } = await run.lanes(rpc);
    const { lanes, backlog } = await prepareLoad(rpc, build, txBytes, SATURATE_MS);
    const result = await saturate(rpc, lanes, SATURATE_MS, backlog);
    const row: SweepRow = {
      app: run.app,
      comet: run.comet?.label ?? PINNED,
      validators: run.validators,
      txBytes: lanes[0]!.txs[0]!.length,
      payloadBytes,
      txPerSecond: result.txPerSecond,
      resyncs: result.resyncs,
      blocks: result.blocks,
      longestGapMs: result.longestGapMs,
    };
    console.error(
      `  ${row.app} (${row.comet}) × ${row.validators}, ${row.txBytes} B: ${row.txPerSecond.toFixed(0)} tx/s`,
    );
    return row;
  } finally {
    await network.stop();
  }
}

/** Metro, kvstore and kvstore over the socket at one size; Metro's tx size sets the others'. */
async function measureSize(
  validators: number,
  size: number,
  comet?: Run["comet"],
  apps = [KVSTORE, KVSTORE_SOCKET],
): Promise<SweepRow[]> {
  const metro = await measureOrSkip({
    app: "metro",
    comet,
    validators,
    start: startMetro,
    lanes: (rpc) => metroSizedLanes(rpc, size),
  });
  const rows = metro ? [metro] : [];
  // Metro's exact tx size; the target size if Metro's run failed (the payload search hits it).
  const txBytes = metro?.txBytes ?? size;
  const kvstore = async () => ({ build: kvstoreLanes(txBytes), txBytes, payloadBytes: txBytes });
  for (const app of apps) {
    const transport = app === KVSTORE ? "in-process" : "socket";
    const row = await measureOrSkip({
      app,
      comet,
      validators,
      start: (n) => startKvstore(n, transport),
      lanes: kvstore,
    });
    if (row) rows.push(row);
  }
  return rows;
}

const mbPerSecond = (row: SweepRow): number => (row.txPerSecond * row.payloadBytes) / 1e6;

function sweepTable(rows: readonly SweepRow[]): string {
  const lines = [
    "| app | validators | tx bytes | rollup bytes per tx | tx/s | rollup MB/s | vs kvstore | vs kvstore over socket | lane resyncs | blocks | longest block gap s |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    // Same tx size, so the tx/s ratio is also the ratio of tx bytes per second.
    const ratio = (app: string) => {
      const base = rows.find(
        (r) => r.app === app && r.validators === row.validators && r.txBytes === row.txBytes,
      );
      return base ? `${(row.txPerSecond / base.txPerSecond).toFixed(2)}×` : "";
    };
    lines.push(
      `| ${row.app} | ${row.validators} | ${row.txBytes} | ${row.payloadBytes} | ${row.txPerSecond.toFixed(0)} | ${mbPerSecond(row).toFixed(2)} | ${ratio(KVSTORE)} | ${ratio(KVSTORE_SOCKET)} | ${row.resyncs} | ${row.blocks} | ${(row.longestGapMs / 1000).toFixed(1)} |`,
    );
  }
  return lines.join("\n");
}

function cometLabel(binary: string): string {
  return `v${execFileSync(binary, ["version"], { encoding: "utf8" }).trim()}`;
}

export async function sweepSection(): Promise<void> {
  console.error(
    `bench sweep: ${SATURATE_MS / 1000} s of saturation per network, tx sizes ${SIZES.join(", ")}`,
  );
  const rows: SweepRow[] = [];
  for (const validators of VALIDATORS) {
    for (const size of SIZES) rows.push(...(await measureSize(validators, size)));
  }
  const pairs: [SweepRow, SweepRow][] = [];
  if (ALT_COMETBFT) {
    const comet = { label: cometLabel(ALT_COMETBFT), binary: ALT_COMETBFT };
    for (const size of ALT_SIZES) {
      // Pinned then alternative, back to back, so both see the same machine load.
      const pinned = await measureSize(1, size, undefined, [KVSTORE_SOCKET]);
      const alt = await measureSize(1, size, comet, [KVSTORE_SOCKET]);
      for (const row of pinned) {
        const other = alt.find((r) => r.app === row.app);
        if (other) pairs.push([row, other]);
      }
    }
  }
  console.log(
    `\nThroughput by tx size at 1 s blocks: broadcast_tx_async from ${LANES} accounts, at most ${MAX_OUTSTANDING} txs and ${BACKLOG_BYTES / 1024 / 1024} MiB awaiting inclusion, ${SATURATE_MS / 1000} s each. Metro's fee and gas: the chain's minimum for the payload. MB = 10^6 bytes; kvstore's rollup bytes are its whole tx.\n`,
  );
  console.log(sweepTable(rows));
  if (pairs.length > 0) console.log(`\n${cometTable(pairs)}`);
}

function cometTable(pairs: readonly [SweepRow, SweepRow][]): string {
  const lines = [
    `CometBFT ${PINNED} against ${pairs[0]![1].comet}, 1 validator, measured back to back\n`,
    `| app | tx bytes | ${PINNED} tx/s | ${pairs[0]![1].comet} tx/s | ratio |`,
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const [pinned, alt] of pairs) {
    lines.push(
      `| ${pinned.app} | ${pinned.txBytes} | ${pinned.txPerSecond.toFixed(0)} | ${alt.txPerSecond.toFixed(0)} | ${(alt.txPerSecond / pinned.txPerSecond).toFixed(2)}× |`,
    );
  }
  return lines.join("\n");
}
