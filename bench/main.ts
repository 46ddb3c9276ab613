/**
 * `npm run bench`: Metro's sustained throughput and inclusion latency at 1 s blocks, with 1 and
 * 4 validators, against CometBFT's built-in kvstore driven with txs of the same size in the
 * same run; then the app's own cost per tx and signature verification. Ratios matter more than
 * absolute numbers on a shared 2-core machine.
 *
 * Every section runs by default; `node dist/bench/main.js rollup relayer` (or
 * `npm run bench -- rollup`) runs only the sections named, in the usual order.
 */

import { DEFAULT_LST_DENOM } from "../core/denom.js";
import { benchApp } from "./app.js";
import { type BlsBenchRow, benchBls, benchHeaderSubmissions, type HeaderBench } from "./bls.js";
import { type LatencyResult, measureLatency, type SaturateResult, saturate } from "./driver.js";
import { kvstoreLanes, LANES, type LaneBuilder, metroLanes as metroLanesFor } from "./lanes.js";
import { type BenchNetwork, startKvstore, startMetro } from "./networks.js";
import { benchOracle, benchOracleInterval, type OracleIntervalBench } from "./oracle.js";
import { benchRelayer } from "./relayer.js";
import { benchRollup, type RollupBench } from "./rollup.js";
import { benchSignatures } from "./signatures.js";
import { benchStaking, type StakingBenchRow } from "./staking.js";
import { sweepSection } from "./sweep.js";

const SATURATE_MS = Number(process.env.BENCH_SECONDS ?? 20) * 1000;
const LATENCY_MS = 8000;
const LATENCY_RATE = 200;
const PAYLOAD_BYTES = 256;
const SATURATE_TXS_PER_LANE = Number(process.env.BENCH_TXS_PER_LANE ?? 5000);
/** Txs awaiting inclusion at once: deep enough that kvstore is not held back by the driver. */
const MAX_OUTSTANDING = Number(process.env.BENCH_BACKLOG ?? 6000);
/** The kvstore baseline served over the ABCI socket, as Metro is (bench/networks.ts). */
const KVSTORE_SOCKET = "kvstore (socket)";
/** The throughput section's fixed tx (616 bytes signed), as in every session's table. */
const metroLanes = metroLanesFor({
  payloadBytes: PAYLOAD_BYTES,
  fee: 200n,
  gas: 100_000n,
  denom: DEFAULT_LST_DENOM,
});

interface Row {
  app: string;
  validators: number;
  txBytes: number;
  throughput: SaturateResult;
  latency: LatencyResult;
}

async function measure(
  app: string,
  validators: number,
  start: (n: number) => Promise<BenchNetwork>,
  lanes: LaneBuilder,
) {
  const network = await start(validators);
  try {
    const rpc = network.rpcUrl(0);
    const latencyLanes = await lanes(
      rpc,
      Math.ceil((LATENCY_RATE * LATENCY_MS) / 1000 / LANES) + 10,
      "latency",
    );
    const latency = await measureLatency(rpc, latencyLanes, LATENCY_RATE, LATENCY_MS);
    const saturateLanes = await lanes(rpc, SATURATE_TXS_PER_LANE, "saturate");
    const throughput = await saturate(rpc, saturateLanes, SATURATE_MS, MAX_OUTSTANDING);
    console.error(
      `  ${app} × ${validators}: ${throughput.txPerSecond.toFixed(0)} tx/s, p50 ${latency.p50Ms} ms`,
    );
    return { app, validators, txBytes: saturateLanes[0]!.txs[0]!.length, throughput, latency } satisfies Row;
  } finally {
    await network.stop();
  }
}

function throughputTable(rows: Row[]): string {
  const lines = [
    "| app | validators | tx bytes | sustained tx/s | rollup KiB/s | vs kvstore | vs kvstore over socket | p50 ms | p99 ms | lane resyncs |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    const ratio = (app: string) => {
      const baseline = rows.find((r) => r.app === app && r.validators === row.validators);
      return baseline ? `${(row.throughput.txPerSecond / baseline.throughput.txPerSecond).toFixed(2)}×` : "";
    };
    const kib = row.app === "metro" ? ((row.throughput.txPerSecond * PAYLOAD_BYTES) / 1024).toFixed(0) : "–";
    lines.push(
      `| ${row.app} | ${row.validators} | ${row.txBytes} | ${row.throughput.txPerSecond.toFixed(0)} | ${kib} | ${ratio("kvstore")} | ${ratio(KVSTORE_SOCKET)} | ${row.latency.p50Ms} | ${row.latency.p99Ms} | ${row.throughput.resyncs} |`,
    );
  }
  return lines.join("\n");
}

const SECTIONS = [
  "throughput",
  "app",
  "signatures",
  "relayer",
  "oracle",
  "staking",
  "bls",
  "rollup",
  "composer",
  "sweep",
  "relayer-live",
  "statesync",
  "pruning",
] as const;
type Section = (typeof SECTIONS)[number];

/** The sections named on the command line; all of them when none is. */
function selectedSections(args: readonly string[]): Set<Section> {
  const unknown = args.filter((arg) => !(SECTIONS as readonly string[]).includes(arg));
  if (unknown.length > 0) {
    throw new Error(`unknown bench section ${unknown.join(", ")}; choose from ${SECTIONS.join(", ")}`);
  }
  return new Set(args.length > 0 ? (args as Section[]) : SECTIONS);
}

async function main(): Promise<void> {
  const sections = selectedSections(process.argv.slice(2));
  if (sections.has("throughput")) await throughputSection();
  if (sections.has("app")) await appSection();
  if (sections.has("signatures")) await signaturesSection();
  if (sections.has("relayer"))
    printRelayer(await benchRelayer(Number(process.env.BENCH_GOSSIP_SECONDS ?? 20)));
  if (sections.has("oracle")) printOracle(benchOracle(), await benchOracleInterval());
  if (sections.has("staking")) printStaking(await benchStaking());
  if (sections.has("bls")) printBls(benchBls(), benchHeaderSubmissions());
  if (sections.has("rollup")) printRollup(await benchRollup());
  if (sections.has("composer")) await import("./composer.js").then((m) => m.composerSection());
  if (sections.has("sweep")) await sweepSection();
  if (sections.has("relayer-live")) await import("./relayer-live.js").then((m) => m.relayerLiveSection());
  if (sections.has("statesync"))
    await import("./statesync.js").then(async (m) => m.printStateSync(await m.benchStateSync()));
  if (sections.has("pruning"))
    await import("./pruning.js").then(async (m) => m.printPruning(await m.benchPruning()));
}

async function throughputSection(): Promise<void> {
  console.error(
    `bench: ${SATURATE_MS / 1000} s of saturation per network, ${PAYLOAD_BYTES}-byte rollup payloads`,
  );
  const rows: Row[] = [];
  for (const validators of (process.env.BENCH_VALIDATORS ?? "1,4").split(",").map(Number)) {
    const metro = await measure("metro", validators, startMetro, metroLanes);
    rows.push(metro);
    const lanes = kvstoreLanes(metro.txBytes);
    rows.push(await measure("kvstore", validators, (n) => startKvstore(n, "in-process"), lanes));
    rows.push(await measure(KVSTORE_SOCKET, validators, (n) => startKvstore(n, "socket"), lanes));
  }
  console.log(
    `\nThroughput at 1 s blocks: broadcast_tx_async from ${LANES} accounts, at most ${MAX_OUTSTANDING} txs awaiting inclusion.`,
  );
  console.log(
    `Latency: broadcast_tx_sync at ${LATENCY_RATE} tx/s for ${LATENCY_MS / 1000} s, broadcast → block seen over RPC.\n`,
  );
  console.log(throughputTable(rows));
}

async function appSection(): Promise<void> {
  console.log("\nThe app's own cost per tx (in process, no CometBFT)\n");
  console.log("| step | µs per tx |");
  console.log("| --- | ---: |");
  for (const cost of await benchApp()) console.log(`| ${cost.step} | ${cost.microsPerTx.toFixed(1)} |`);
}

async function signaturesSection(): Promise<void> {
  console.log("\nsecp256k1 signature verification (one core)\n");
  console.log("| verifier | verifications/s | µs each |");
  console.log("| --- | ---: | ---: |");
  for (const s of await benchSignatures()) {
    console.log(`| ${s.name} | ${s.perSecond.toFixed(0)} | ${s.microsPerOp.toFixed(1)} |`);
  }
}

/** Targets from the rollup milestone, printed next to what was measured. */
const SOFT_P50_TARGET_MS = 1200;
const VERIFY_100_TARGET_MS = 5;

function printRollup(r: RollupBench): void {
  const { latency, verify, execution } = r;
  console.log(
    `\nRollup latency: 1 validator, 1 s blocks, ${latency.txs} pre-signed EVM transfers, one every ${latency.sendIntervalMs} ms, eth_sendRawTransaction → receipt (soft) and → \`finalized\` covers its block (firm; relayer batches every ${latency.batchIntervalMs / 1000} s); receipts polled every 20 ms\n`,
  );
  console.log("| measure | txs | p50 ms | p99 ms | target |");
  console.log("| --- | ---: | ---: | ---: | --- |");
  const softMet = latency.soft.p50Ms <= SOFT_P50_TARGET_MS ? "met" : "missed";
  console.log(
    `| soft: send → receipt | ${latency.received}/${latency.txs} | ${latency.soft.p50Ms} | ${latency.soft.p99Ms} | p50 ≤ ${SOFT_P50_TARGET_MS} ms (${softMet}) |`,
  );
  console.log(
    `| firm: send → finalized | ${latency.finalized}/${latency.txs} | ${latency.firm.p50Ms} | ${latency.firm.p99Ms} | – |`,
  );
  console.log(
    "\nConductor verification per Metro block (conductor/verify.ts: commit, data proofs, trust; with price votes: every extension signature and the medians; every validator signing; large signature batches split across two threads)\n",
  );
  console.log("| validators | price votes | copy | blocks | ms per block | target |");
  console.log("| ---: | --- | --- | ---: | ---: | --- |");
  for (const row of verify) {
    const target =
      row.validators === 100 && !row.recheck
        ? `≤ ${VERIFY_100_TARGET_MS} ms (${row.ms <= VERIFY_100_TARGET_MS ? "met" : "missed"})`
        : "–";
    const votes = row.priced ? (row.proof ? "yes, proven by the next block" : "yes") : "no";
    const copy = row.recheck ? "firm, seen softly" : "first";
    console.log(
      `| ${row.validators} | ${votes} | ${copy} | ${row.blocks} | ${row.ms.toFixed(2)} | ${target} |`,
    );
  }
  console.log(
    `\nEVM execution: ${execution.blocks} blocks of ${execution.txsPerBlock} signed EIP-1559 transfers from ${execution.senders} senders (after a warm-up block; one core)\n`,
  );
  const msPerBlock = (txPerSecond: number) => ((execution.txsPerBlock * 1000) / txPerSecond).toFixed(0);
  console.log("| engine | tx/s | ms per block | vs in-memory |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| EvmChain on LMDB (executeBlock + updateCommitmentState) | ${execution.engineTxPerSecond.toFixed(0)} | ${msPerBlock(execution.engineTxPerSecond)} | ${(execution.engineTxPerSecond / execution.inMemoryTxPerSecond).toFixed(2)}× |`,
  );
  console.log(
    `| ethereumjs runTx loop, in-memory MapDB (state root per block) | ${execution.inMemoryTxPerSecond.toFixed(0)} | ${msPerBlock(execution.inMemoryTxPerSecond)} | 1.00× |`,
  );
}

function printBls(rows: BlsBenchRow[], headers: HeaderBench): void {
  console.log("\nBLS aggregate verification (FastAggregateVerify, one core)\n");
  console.log("| signers | blst, keys known ms | blst, first call ms | @noble/curves ms | noble ÷ blst |");
  console.log("| ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    const ratio = row.referenceMs / row.nativeMs;
    console.log(
      `| ${row.signers} | ${row.nativeMs.toFixed(2)} | ${row.nativeFirstMs.toFixed(2)} | ${row.referenceMs.toFixed(1)} | ${ratio.toFixed(0)}× |`,
    );
  }
  const perBlock = Math.floor(1000 / headers.msPerHeader);
  console.log(
    `\nRollup header submission (committee ${headers.committee}, ${headers.signers} signers, in process): ${headers.msPerHeader.toFixed(2)} ms each, ~${perBlock} per second of one core\n`,
  );
}

function printStaking(rows: StakingBenchRow[]): void {
  console.log("\nStaking: FinalizeBlock + Commit, 100 validators (in process)\n");
  console.log("| delegators | mean ms | max ms | blocks |");
  console.log("| ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    console.log(`| ${row.delegators} | ${row.meanMs.toFixed(1)} | ${row.maxMs.toFixed(1)} | ${row.blocks} |`);
  }
}

function printOracle(o: ReturnType<typeof benchOracle>, interval: OracleIntervalBench): void {
  console.log("\nOracle\n");
  console.log("| measure | value |");
  console.log("| --- | ---: |");
  for (const size of o.sizes) {
    console.log(
      `| vote extension, ${size.pairs} pairs (±0.5% moves) | ${size.bytes} B (${size.bytesPerPair.toFixed(2)} B/pair) |`,
    );
  }
  const { validators, pairs, ms } = o.aggregation;
  console.log(
    `| FinalizeBlock aggregation, ${validators} validators × ${pairs} pairs | ${ms.toFixed(0)} ms |`,
  );
  const ratio = (interval.onMs / interval.offMs).toFixed(3);
  console.log(
    `| block interval, ${interval.validators} validators, ${interval.pairs} pairs, oracle on vs off (${interval.blocks} blocks) | ${interval.onMs.toFixed(0)} vs ${interval.offMs.toFixed(0)} ms (${ratio}×) |`,
  );
}

function printRelayer(r: Awaited<ReturnType<typeof benchRelayer>>): void {
  console.log("\nRelayer\n");
  console.log("| measure | value |");
  console.log("| --- | ---: |");
  for (const v of r.verify) {
    console.log(`| SequencerBlock verification, ${v.validators} validators | ${v.ms.toFixed(2)} ms |`);
  }
  const { txs, rawBytes, compressedBytes } = r.compression;
  console.log(
    `| DA submission of ${txs} signed EVM txs in 10 blocks: raw → posted | ${rawBytes} → ${compressedBytes} B (${(rawBytes / compressedBytes).toFixed(2)}×) |`,
  );
  const mib = (r.fullBlock.txBytes / 1024 / 1024).toFixed(1);
  console.log(
    `| ${mib} MiB block: build SequencerBlock (decode, group, proofs) | ${r.fullBlock.buildMs.toFixed(0)} ms |`,
  );
  console.log(
    `| ${mib} MiB block: plan DA blobs (encode, Brotli, commitments) | ${r.fullBlock.planMs.toFixed(0)} ms |`,
  );
  console.log(
    `| gossip, commit (seen over RPC) → peer receipt, ${r.gossip.blocks} blocks | p50 ${r.gossip.p50Ms} ms, p99 ${r.gossip.p99Ms} ms |`,
  );
}

await main();
