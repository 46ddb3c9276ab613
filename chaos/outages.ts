/**
 * Outages longer than a crash, under the same load: one validator of four down (blocks keep
 * coming), two down (the chain halts, then resumes when one returns; the final checks find no
 * fork), and the DA down for a while (the relayer catches up; the final checks find no gap or
 * duplicate on the DA).
 */
import { blockAt, nodeStatus, waitForHeight } from "../chain/node/rpc.js";
import type { ChaosStack } from "./stack.js";

export interface OutageOptions {
  /** How long the DA stays down. */
  daOutageSeconds: number;
  /** Blocks to measure with one validator down (default 12). */
  oneDownBlocks?: number;
  /** How long to watch the chain stand still with two down (default 15 s). */
  haltWaitMs?: number;
}

export interface OutageReport {
  /**
   * One of four validators down: the intervals between the blocks made meanwhile. A height whose
   * proposer is the one down waits out timeout_propose (3 s) first, so the median is the measure.
   */
  oneDown: { blocks: number; medianIntervalMs: number; maxIntervalMs: number };
  /** Two of four down: whether the chain stood still, and whether it moved again with three. */
  twoDown: { haltedAt: number; heightAfterWait: number; waitedMs: number; resumed: boolean };
  /** The DA down: how long, and how far Metro got meanwhile (the relayer must post it all later). */
  da: { seconds: number; metroBlocksMeanwhile: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ONE_DOWN_BLOCKS = 12;
/** Long enough for several CometBFT rounds to time out: a chain below 2/3 makes no block. */
const HALT_WAIT_MS = 15_000;
/** A height in flight when the second validator went may still commit: measure from after it. */
const IN_FLIGHT_MS = 3000;

async function blockIntervalsMs(rpcUrl: string, from: number, blocks: number): Promise<number[]> {
  const times: number[] = [];
  for (let height = from; height <= from + blocks; height++) {
    times.push(Date.parse((await blockAt(rpcUrl, height)).time));
  }
  return times.slice(1).map((time, i) => time - times[i]!);
}

export async function runOutages(stack: ChaosStack, options: OutageOptions): Promise<OutageReport> {
  const [, , v2, v3] = stack.devnet.validators;
  const rpc = (i: number) => stack.devnet.rpcUrl(i);

  const oneDownBlocks = options.oneDownBlocks ?? ONE_DOWN_BLOCKS;
  await v3!.stop();
  const { height: from } = await nodeStatus(rpc(0));
  await waitForHeight(rpc(0), from + oneDownBlocks, 120_000);
  const intervals = (await blockIntervalsMs(rpc(0), from, oneDownBlocks)).sort((a, b) => a - b);
  const oneDown = {
    blocks: oneDownBlocks,
    medianIntervalMs: intervals[Math.floor(intervals.length / 2)]!,
    maxIntervalMs: intervals.at(-1)!,
  };

  await v2!.stop();
  await sleep(IN_FLIGHT_MS);
  const { height: haltedAt } = await nodeStatus(rpc(0));
  const waitedMs = options.haltWaitMs ?? HALT_WAIT_MS;
  await sleep(waitedMs);
  const { height: heightAfterWait } = await nodeStatus(rpc(0));
  await v2!.start();
  await waitForHeight(rpc(0), heightAfterWait + 2, 120_000);
  await v3!.start();
  await Promise.all([0, 1, 2, 3].map(async (i) => waitForHeight(rpc(i), heightAfterWait + 3, 120_000)));
  const twoDown = { haltedAt, heightAfterWait, waitedMs, resumed: true };

  await stack.da.stop();
  const { height: daDownAt } = await nodeStatus(rpc(0));
  await sleep(options.daOutageSeconds * 1000);
  const { height: daUpAt } = await nodeStatus(rpc(0));
  stack.da.start();
  return {
    oneDown,
    twoDown,
    da: { seconds: options.daOutageSeconds, metroBlocksMeanwhile: daUpAt - daDownAt },
  };
}

/** What the outages got wrong: blocks well past ~1 s with one down, progress with two down. */
export function outageFailures(report: OutageReport): string[] {
  const failures: string[] = [];
  // timeout_commit is 1 s: a median near it means the three carried on at full pace.
  if (report.oneDown.medianIntervalMs > 2000)
    failures.push(`one validator down: a median block interval of ${report.oneDown.medianIntervalMs} ms`);
  if (report.twoDown.heightAfterWait !== report.twoDown.haltedAt)
    failures.push(
      `two validators down: the chain moved from ${report.twoDown.haltedAt} to ${report.twoDown.heightAfterWait}`,
    );
  return failures;
}
