/**
 * The fault campaign: the whole stack under load, one process `kill -9`ed at a time on a seeded
 * schedule and restarted by its supervisor, then the checks of checks.ts. Any loss, split, gap
 * or mismatch fails the campaign.
 */

import { DEVNET_CHAIN_ID } from "../chain/node/home.js";
import { nodeStatus, waitForHeight } from "../chain/node/rpc.js";
import type { Logger } from "../core/log.js";
import {
  type AdversaryOptions,
  type AdversaryReport,
  adversaryFailures,
  runAdversaries,
} from "./adversaries/index.js";
import {
  type CommittedCheck,
  type ConsensusCheck,
  checkCommitted,
  checkConsensus,
  checkDa,
  checkRollup,
  type DaCheck,
  RogueBlobs,
  type RollupCheck,
} from "./checks.js";
import { EvmLoad, MetroLoad } from "./load.js";
import { type OutageOptions, type OutageReport, outageFailures, runOutages } from "./outages.js";
import { type ChaosStack, type FaultTarget, startChaosStack } from "./stack.js";

export interface CampaignOptions {
  faults: number;
  seed: number;
  portBase: number;
  log: Logger;
  /** Outages after the crashes (none: skipped). */
  outages?: OutageOptions;
  /** Adversary phases after the outages (none: skipped). */
  adversaries?: AdversaryOptions;
  /** Told of each fault as it is injected, and of each phase. */
  onFault?: (index: number, target: string) => void;
  onPhase?: (phase: string) => void;
}

export interface CampaignReport {
  seed: number;
  faults: { injected: number; byTarget: Record<string, number>; unrecovered: string[] };
  metroTxs: { accepted: number } & CommittedCheck;
  evmTransfers: { receipts: number; refused: number };
  consensus: ConsensusCheck;
  da: DaCheck;
  rollups: RollupCheck[];
  outages?: OutageReport;
  adversaries?: AdversaryReport[];
  seconds: number;
}

/** mulberry32: a small seeded PRNG, so a seed replays the same schedule. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(250);
  }
}

/** Kills `target`, then waits until its supervisor restarted it and it is serving again. */
async function injectFault(stack: ChaosStack, target: FaultTarget): Promise<void> {
  const before = target.restarts();
  if (!target.kill()) throw new Error(`${target.name} was not running`);
  await until(`${target.name} restarted`, async () => target.restarts() > before, 60_000);
  await until(`${target.name} serving again`, target.healthy, 90_000);
  // The chain must still be live after each restart.
  const { height } = await nodeStatus(stack.devnet.rpcUrl(0)).catch(() => nodeStatus(stack.devnet.rpcUrl(1)));
  await waitForHeight(stack.devnet.rpcUrl(2), height + 1, 60_000);
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const started = performance.now();
  const random = prng(options.seed);
  const stack = await startChaosStack(options.portBase, options.log);
  const rpcUrls = stack.devnet.specs.map((_, i) => stack.devnet.rpcUrl(i));
  const metroLoad = new MetroLoad(rpcUrls);
  const evmLoads = stack.rollups.map((rollup, i) => new EvmLoad(rollup, 1 + i));
  const byTarget: Record<string, number> = {};
  const unrecovered: string[] = [];
  let failed = true;
  try {
    await metroLoad.start();
    for (const load of evmLoads) load.start();
    for (let index = 1; index <= options.faults; index++) {
      await sleep(1000 + random() * 3000);
      const target = stack.targets[Math.floor(random() * stack.targets.length)]!;
      options.onFault?.(index, target.name);
      byTarget[target.name] = (byTarget[target.name] ?? 0) + 1;
      try {
        await injectFault(stack, target);
      } catch (error) {
        unrecovered.push(`fault ${index} (${target.name}): ${(error as Error).message}`);
        options.onPhase?.(`not recovered: ${unrecovered.at(-1)}`);
        break;
      }
    }
    let outages: OutageReport | undefined;
    if (options.outages && unrecovered.length === 0) {
      options.onPhase?.("outages: one validator down, two down, the DA down");
      outages = await runOutages(stack, options.outages);
    }
    let adversaries: AdversaryReport[] | undefined;
    const rogue = new RogueBlobs();
    if (options.adversaries && unrecovered.length === 0) {
      adversaries = await runAdversaries(stack, options.adversaries, rogue, options.onPhase);
    }
    await Promise.all([metroLoad.stop(), ...evmLoads.map((load) => load.stop())]);
    options.onPhase?.("final checks");
    const report = await finalChecks(stack, rpcUrls, metroLoad, evmLoads, {
      seed: options.seed,
      faults: { injected: Object.values(byTarget).reduce((a, b) => a + b, 0), byTarget, unrecovered },
      started,
      rogue,
    });
    const full = { ...report, ...(outages ? { outages } : {}), ...(adversaries ? { adversaries } : {}) };
    failed = campaignFailures(full).length > 0;
    return full;
  } finally {
    // A failed campaign keeps every process's folder and log, for the one who looks into it.
    const kept = await stack.stop({ keepHomes: failed });
    if (kept.length > 0) options.onPhase?.(`kept the stack's folders and logs: ${kept.join(" ")}`);
  }
}

/** Lets the relayer and the rollups settle on what was committed, then checks everything. */
async function finalChecks(
  stack: ChaosStack,
  rpcUrls: string[],
  metroLoad: MetroLoad,
  evmLoads: EvmLoad[],
  header: { seed: number; faults: CampaignReport["faults"]; started: number; rogue: RogueBlobs },
): Promise<CampaignReport> {
  const { height } = await nodeStatus(rpcUrls[0]!);
  await Promise.all(rpcUrls.map((url) => waitForHeight(url, height, 60_000)));
  await until(
    "the relayer posted every height",
    async () => (await stack.relayerPostedThrough()) >= height,
    120_000,
  );
  for (const rollup of stack.rollups) {
    const { soft } = await rollupHeads(rollup.primary.rpcUrl);
    await until(
      `${rollup.name}'s finalized head caught up on both nodes`,
      async () =>
        (await rollupHeads(rollup.primary.rpcUrl)).finalized >= soft &&
        (await rollupHeads(rollup.follower.rpcUrl)).finalized >= soft,
      180_000,
    );
  }
  return {
    seed: header.seed,
    faults: header.faults,
    metroTxs: {
      accepted: metroLoad.accepted,
      ...(await checkCommitted(rpcUrls[0]!, metroLoad.committed.values())),
    },
    evmTransfers: {
      receipts: evmLoads.reduce((sum, load) => sum + load.receipts.length, 0),
      refused: evmLoads.reduce((sum, load) => sum + load.refused, 0),
    },
    consensus: await checkConsensus(rpcUrls, height),
    da: await checkDa(stack.daUrl, DEVNET_CHAIN_ID, header.rogue),
    rollups: await Promise.all(stack.rollups.map((rollup, i) => checkRollup(rollup, evmLoads[i]!.receipts))),
    seconds: (performance.now() - header.started) / 1000,
  };
}

async function rollupHeads(rpcUrl: string): Promise<{ soft: bigint; finalized: bigint }> {
  const call = async (tag: string) => {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber", params: [tag, false] }),
    });
    const body = (await response.json()) as { result?: { number?: string } };
    return BigInt(body.result?.number ?? "0x0");
  };
  return { soft: await call("latest"), finalized: await call("finalized") };
}

/** Whether the campaign found anything wrong: a loss, a split, a DA gap or duplicate, a mismatch. */
export function campaignFailures(report: CampaignReport): string[] {
  const failures = [
    ...report.faults.unrecovered,
    ...(report.outages ? outageFailures(report.outages) : []),
    ...adversaryFailures(report.adversaries ?? []),
  ];
  if (report.metroTxs.lost.length > 0)
    failures.push(`${report.metroTxs.lost.length} committed Metro txs lost`);
  if (report.consensus.splits.length > 0)
    failures.push(`app-hash splits at ${report.consensus.splits.join(", ")}`);
  if (report.da.gaps.length > 0) failures.push(`DA gaps at Metro heights ${report.da.gaps.join(", ")}`);
  if (report.da.duplicates.length > 0) failures.push(`DA duplicates at ${report.da.duplicates.join(", ")}`);
  for (const rollup of report.rollups) {
    if (!rollup.stateRootsMatch) failures.push(`${rollup.rollup}: state differs from the follower's`);
    if (rollup.lostReceipts.length > 0)
      failures.push(`${rollup.rollup}: ${rollup.lostReceipts.length} receipts lost`);
  }
  return failures;
}
