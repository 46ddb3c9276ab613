/**
 * `npm run bench -- relayer-live`: whether the relayer keeps up with a live devnet under the
 * sweep's largest sustained load (issue 14, item 4). The local DA and the relayer run as their
 * own processes (`metro da`, `metro relayer`), as an operator runs them; a gossip peer in this
 * process subscribes as a conductor does and notes the highest block it has received. The
 * sweep's driver pushes 256 KiB txs as fast as Metro takes them; every ~200 ms a sampler reads
 * the chain's height, the peer's latest block and the relayer's gauges. Gossip lag is in Metro
 * blocks (chain height minus the peer's); posting lag in DA intervals (the relayer's batch
 * interval): how long the oldest block not yet posted has waited since the sampler saw it.
 *
 * BENCH_RELAYER_PROFILE=DIR runs the relayer under `node --cpu-prof`, its profile written to DIR
 * when the relayer stops; BENCH_LIVE_TRACE=DIR writes the samples there.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { startTemporaryDevnet, type TemporaryDevnet } from "../chain/node/devnet.js";
import { DEVNET_CHAIN_ID } from "../chain/node/home.js";
import { nodeStatus } from "../chain/node/rpc.js";
import { signedBlockAt, validatorsAt } from "../chain/node/signed-block.js";
import { SupervisedProcess } from "../chain/node/supervised.js";
import { validatorSetHash } from "../core/comet/hashes.js";
import { createLogger, type Logger } from "../core/log.js";
import { scrapeGauge, scrapeMetrics } from "../core/metrics.js";
import { waitForDa } from "../relayer/index.js";
import { saturate } from "./driver.js";
import type { GossipPeerData } from "./gossip-peer.js";
import { metroSizedLanes, prepareLoad, type SweepLoad } from "./sweep.js";

const list = (text: string): number[] => text.split(",").map(Number);
const VALIDATORS = list(process.env.BENCH_VALIDATORS ?? "1,4");
const LOAD_MS = Number(process.env.BENCH_LIVE_SECONDS ?? 60) * 1000;
/** The sweep's largest size: 256 KiB signed, nearly all of it rollup data. */
const TX_BYTES = Number(process.env.BENCH_LIVE_BYTES ?? 262_144);
/** The relayer's DA interval, and the local DA's block time (as the fault campaign runs them). */
const BATCH_MS = Number(process.env.BENCH_LIVE_BATCH_MS ?? 1000);
const DA_BLOCK_MS = 500;
const SAMPLE_MS = 200;
const PORT_BASE = 45_000;
const PROFILE_DIR = process.env.BENCH_RELAYER_PROFILE;
/** BENCH_LIVE_TRACE=DIR writes every sample there, one JSON file per network. */
const TRACE_DIR = process.env.BENCH_LIVE_TRACE;
/** Issue 14's targets. */
const GOSSIP_TARGET_BLOCKS = 2;
const POST_TARGET_INTERVALS = 1;

interface Sample {
  /** Ms since the load began. */
  at: number;
  height: number;
  /** The peer's highest received block, and the relayer's gauges. */
  received: number;
  gossiped: number;
  posted: number;
  /** The relayer's counters: raw bytes posted, heights read, seconds reading, building, publishing. */
  rawBytes: number;
  followed: number;
  readS: number;
  buildS: number;
  publishS: number;
  /** How long the oldest height not yet posted has waited since it was first seen (0: none). */
  waitingMs: number;
}

interface Spread {
  p50: number;
  p99: number;
  max: number;
}

export interface LiveRow {
  validators: number;
  txBytes: number;
  payloadBytes: number;
  txPerSecond: number;
  /** Rollup data committed per second (the driver's count) and posted by the relayer (raw bytes). */
  chainMBps: number;
  postedMBps: number;
  blocks: number;
  samples: number;
  missedSamples: number;
  /** Chain height minus the peer's latest block; minus the relayer's last published block. */
  gossipLag: Spread;
  publishLag: Spread;
  /** Chain height minus posted-through, and the oldest unposted block's wait in DA intervals. */
  postLagBlocks: Spread;
  postWaitIntervals: Spread;
  /** Blocks committed while sampling, those the peer never received, and commit → receipt ms. */
  sampledBlocks: number;
  unreceived: number;
  receiptMs: Spread;
  /** The relayer's time per block read: fetching over RPC, building, publishing (mean ms). */
  perBlock: { blocks: number; readMs: number; buildMs: number; publishMs: number };
  /** MB of blocks read per second of fetching, under load and again once the load is over. */
  readMBps: number;
  idleRead: { blocks: number; mb: number; ms: number };
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** The devnet's DA and relayer as their own processes, and a gossip peer the relayer dials. */
interface LiveStack {
  rpc: string;
  metricsUrl: string;
  /** The highest height the peer has received, and when it received each. */
  received: () => number;
  receivedAt: ReadonlyMap<number, number>;
  stop: () => Promise<void>;
}

/** The gossip peer on its own thread; resolves with its address once it listens. */
async function startPeer(rpc: string, receivedAt: Map<number, number>) {
  const workerData: GossipPeerData = {
    chainId: DEVNET_CHAIN_ID,
    trustHeight: 1n,
    validatorsHash: validatorSetHash(await validatorsAt(rpc, 1)),
  };
  const worker = new Worker(new URL("./gossip-peer.js", import.meta.url), { workerData });
  const address = await new Promise<string>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (message: { address?: string; height?: number; at?: number }) => {
      if (message.address) resolve(message.address);
      else if (message.height !== undefined) receivedAt.set(message.height, message.at!);
    });
  });
  const stop = async () => {
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    worker.postMessage("stop");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    await worker.terminate();
  };
  return { address, stop };
}

/** Starts the DA, the gossip peer and the relayer (which dials the peer) on a running devnet. */
async function startServices(devnet: TemporaryDevnet, log: Logger): Promise<LiveStack> {
  const rpc = devnet.devnet.rpcUrl(0);
  const processes: SupervisedProcess[] = [];
  const receivedAt = new Map<number, number>();
  const peer = await startPeer(rpc, receivedAt);
  const stop = async () => {
    // The relayer first, so its profile (when asked for) covers the load and nothing after.
    for (const child of processes.reverse()) await child.stop();
    await peer.stop();
  };
  try {
    const daUrl = `http://127.0.0.1:${PORT_BASE + 90}`;
    const metricsUrl = `http://127.0.0.1:${PORT_BASE + 92}/metrics`;
    const supervise = (name: string, args: string[], nodeArgs: string[] = []) => {
      const child = new SupervisedProcess(name, args, join(devnet.home, `${name}.log`), log, nodeArgs);
      processes.push(child);
      child.start();
    };
    supervise("da", [
      ...["da", "--home", join(devnet.home, "da"), "--port", String(PORT_BASE + 90)],
      ...["--block-time", String(DA_BLOCK_MS)],
    ]);
    await waitForDa(daUrl);
    supervise(
      "relayer",
      [
        ...["relayer", "--node", rpc, "--home", join(devnet.home, "relayer"), "--da-url", daUrl],
        ...["--batch-ms", String(BATCH_MS), "--gossip-port", String(PORT_BASE + 91)],
        ...["--metrics-port", String(PORT_BASE + 92), "--peer", peer.address],
      ],
      PROFILE_DIR ? ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR] : [],
    );
    await waitForMetrics(metricsUrl);
    const received = () => Math.max(0, ...receivedAt.keys());
    return { rpc, metricsUrl, received, receivedAt, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The relayer starts from height 1: the load starts once it has posted up to the head. */
async function waitForCatchUp(stack: LiveStack): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { height } = await nodeStatus(stack.rpc);
    if ((await scrapeGauge(stack.metricsUrl, "metro_relayer_posted_through")) >= height - 1) return;
    if (Date.now() > deadline) throw new Error(`the relayer did not catch up with height ${height}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function waitForMetrics(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await scrapeGauge(url, "metro_relayer_gossiped_through");
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the relayer's metrics at ${url} did not answer: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Samples the stack every SAMPLE_MS until stopped; a sample whose reads fail is counted, not kept. */
class LagSampler {
  readonly samples: Sample[] = [];
  missed = 0;
  readonly seenAt = new Map<number, number>();
  private lastHeight = 0;
  private running = true;
  private loop: Promise<void> | undefined;

  private readonly startedAt = Date.now();

  constructor(private readonly stack: LiveStack) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      try {
        this.samples.push(await this.sample());
      } catch {
        this.missed++;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, SAMPLE_MS - (Date.now() - started))));
    }
  }

  private async sample(): Promise<Sample> {
    const [{ height }, metrics] = await Promise.all([
      nodeStatus(this.stack.rpc),
      scrapeMetrics(this.stack.metricsUrl),
    ]);
    const now = Date.now();
    if (this.lastHeight === 0) this.lastHeight = height - 1;
    for (let h = this.lastHeight + 1; h <= height; h++) this.seenAt.set(h, now);
    this.lastHeight = Math.max(this.lastHeight, height);
    const metric = (name: string) => metrics.get(name) ?? Number.NaN;
    const posted = metric("metro_relayer_posted_through");
    const oldest = this.seenAt.get(posted + 1);
    return {
      at: now - this.startedAt,
      height,
      received: this.stack.received(),
      gossiped: metric("metro_relayer_gossiped_through"),
      posted,
      rawBytes: metric("metro_relayer_raw_bytes_total"),
      followed: metric("metro_relayer_metro_height") - metric("metro_relayer_gossip_lag_blocks"),
      readS: metric("metro_relayer_read_seconds_total"),
      buildS: metric("metro_relayer_build_seconds_total"),
      publishS: metric("metro_relayer_publish_seconds_total"),
      waitingMs: oldest === undefined || posted + 1 > height ? 0 : now - oldest,
    };
  }
}

/** Raw bytes the relayer posted per second between the first and the last sample, in MB. */
function postedMBps(samples: readonly Sample[]): number {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last.at === first.at) return Number.NaN;
  return (last.rawBytes - first.rawBytes) / ((last.at - first.at) / 1000) / 1e6;
}

/** The relayer's cost per block it read between the first and the last sample. */
function perBlock(samples: readonly Sample[]): LiveRow["perBlock"] & { readMBps: number } {
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const blocks = last.followed - first.followed;
  const ms = (seconds: number) => (blocks > 0 ? (seconds * 1000) / blocks : Number.NaN);
  return {
    blocks,
    readMs: ms(last.readS - first.readS),
    buildMs: ms(last.buildS - first.buildS),
    publishMs: ms(last.publishS - first.publishS),
    readMBps: (last.rawBytes - first.rawBytes) / 1e6 / (last.readS - first.readS),
  };
}

/** Reads blocks `from`..`to` again (at most 10) once the load is over: CometBFT's RPC at rest. */
async function idleRead(rpc: string, from: number, to: number): Promise<LiveRow["idleRead"]> {
  let bytes = 0;
  let blocks = 0;
  const started = performance.now();
  for (let height = Math.max(from, to - 9); height <= to; height++, blocks++) {
    for (const tx of (await signedBlockAt(rpc, height)).txs) bytes += tx.length;
  }
  return { blocks, mb: bytes / 1e6, ms: performance.now() - started };
}

async function measureLive(validators: number): Promise<LiveRow> {
  const log = createLogger("bench", "error");
  const devnet = await startTemporaryDevnet(validators, PORT_BASE, log);
  try {
    const rpc = devnet.devnet.rpcUrl(0);
    // Signed before the relayer starts: signing holds this thread for tens of seconds.
    const { build, txBytes, payloadBytes } = await metroSizedLanes(rpc, TX_BYTES);
    const { lanes, backlog } = await prepareLoad(rpc, build, txBytes, LOAD_MS);
    const stack = await startServices(devnet, log);
    try {
      return await measureUnderLoad(stack, validators, { lanes, backlog, txBytes, payloadBytes });
    } finally {
      await stack.stop();
    }
  } finally {
    await devnet.stop({ keepHome: Boolean(process.env.BENCH_KEEP_HOME) });
  }
}

async function measureUnderLoad(
  stack: LiveStack,
  validators: number,
  load: SweepLoad & { txBytes: number; payloadBytes: number },
): Promise<LiveRow> {
  const { txBytes, payloadBytes } = load;
  await waitForCatchUp(stack);
  const sampler = new LagSampler(stack);
  sampler.start();
  const result = await saturate(stack.rpc, load.lanes, LOAD_MS, load.backlog);
  await sampler.stop();
  const { samples } = sampler;
  if (TRACE_DIR) writeFileSync(join(TRACE_DIR, `relayer-live-${validators}.json`), JSON.stringify(samples));
  const heights = [...sampler.seenAt.keys()];
  const seen = [...sampler.seenAt].filter(([height]) => height > heights[0]!);
  const costs = perBlock(samples);
  const row: LiveRow = {
    validators,
    txBytes,
    payloadBytes,
    txPerSecond: result.txPerSecond,
    chainMBps: (result.txPerSecond * payloadBytes) / 1e6,
    postedMBps: postedMBps(samples),
    blocks: result.blocks,
    samples: samples.length,
    missedSamples: sampler.missed,
    gossipLag: spread(samples.map((s) => s.height - s.received)),
    publishLag: spread(samples.map((s) => s.height - s.gossiped)),
    postLagBlocks: spread(samples.map((s) => s.height - s.posted)),
    postWaitIntervals: spread(samples.map((s) => s.waitingMs / BATCH_MS)),
    sampledBlocks: seen.length,
    unreceived: seen.filter(([height]) => !stack.receivedAt.has(height)).length,
    receiptMs: spread(
      seen.filter(([h]) => stack.receivedAt.has(h)).map(([h, at]) => stack.receivedAt.get(h)! - at),
    ),
    perBlock: costs,
    readMBps: costs.readMBps,
    idleRead: await idleRead(stack.rpc, heights[1] ?? heights[0]!, heights[heights.length - 1]!),
  };
  console.error(
    `  relayer live × ${validators}: ${row.chainMBps.toFixed(2)} MB/s, gossip lag max ${row.gossipLag.max}, post wait max ${row.postWaitIntervals.max.toFixed(2)} intervals`,
  );
  return row;
}

const fmt = (s: Spread, digits = 0) =>
  `${s.p50.toFixed(digits)} / ${s.p99.toFixed(digits)} / ${s.max.toFixed(digits)}`;
const verdict = (met: boolean) => (met ? "met" : "missed");

function liveTable(rows: readonly LiveRow[]): string {
  const lines = [
    "| validators | tx bytes | tx/s | rollup MB/s committed | MB/s posted (raw) | blocks | samples (missed) | gossip lag, blocks p50 / p99 / max | relayer published, blocks behind | posting lag, blocks | oldest unposted block's wait, DA intervals p50 / p99 / max | gossip ≤ 2 blocks | posting ≤ 1 interval |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.validators} | ${r.txBytes} | ${r.txPerSecond.toFixed(1)} | ${r.chainMBps.toFixed(2)} | ${r.postedMBps.toFixed(2)} | ${r.blocks} | ${r.samples} (${r.missedSamples}) | ${fmt(r.gossipLag)} | ${fmt(r.publishLag)} | ${fmt(r.postLagBlocks)} | ${fmt(r.postWaitIntervals, 2)} | ${verdict(r.gossipLag.max <= GOSSIP_TARGET_BLOCKS)} | ${verdict(r.postWaitIntervals.max <= POST_TARGET_INTERVALS)} |`,
    );
  }
  return lines.join("\n");
}

function costTable(rows: readonly LiveRow[]): string {
  const lines = [
    "| validators | blocks committed while sampled | never received by the peer | commit → peer receipt ms p50 / p99 / max | relayer per block: RPC read / build / publish ms | RPC read MB/s under load | same blocks read again at rest |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    const { readMs, buildMs, publishMs, blocks } = r.perBlock;
    const idle = r.idleRead;
    lines.push(
      `| ${r.validators} | ${r.sampledBlocks} | ${r.unreceived} | ${fmt(r.receiptMs)} | ${readMs.toFixed(0)} / ${buildMs.toFixed(0)} / ${publishMs.toFixed(0)} (${blocks} blocks) | ${r.readMBps.toFixed(1)} | ${idle.blocks} blocks, ${idle.mb.toFixed(1)} MB in ${idle.ms.toFixed(0)} ms (${(idle.mb / (idle.ms / 1000)).toFixed(1)} MB/s) |`,
    );
  }
  return lines.join("\n");
}

export async function relayerLiveSection(): Promise<void> {
  console.error(
    `bench relayer-live: ${LOAD_MS / 1000} s of ${TX_BYTES}-byte txs per network, relayer batching every ${BATCH_MS} ms`,
  );
  const rows: LiveRow[] = [];
  for (const validators of VALIDATORS) {
    // As in the sweep: a network that fails under the load (its RPC drops a broadcast, say) is
    // reported and left out, and the other still runs.
    await measureLive(validators).then(
      (row) => rows.push(row),
      (error: Error) => console.error(`  relayer live × ${validators} failed, left out: ${error.message}`),
    );
  }
  console.log(
    `\nRelayer against a live devnet: \`metro da\` (${DA_BLOCK_MS} ms blocks) and \`metro relayer\` (--batch-ms ${BATCH_MS}) as their own processes, a gossip peer subscribed as a conductor is; the sweep's driver at ${TX_BYTES} B per tx for ${LOAD_MS / 1000} s; sampled every ${SAMPLE_MS} ms. Lags p50 / p99 / max over the samples.\n`,
  );
  console.log(liveTable(rows));
  console.log(`\nWhere the relayer's time goes, and what gossip delivered\n`);
  console.log(costTable(rows));
}
