/**
 * A closed-loop load driver: lanes send pre-built txs in order (one lane per signing account)
 * while at most `maxOutstanding` txs wait for inclusion; an observer follows blocks and times
 * each tx from broadcast to commit.
 */
import { blockAt, broadcastTxs, nodeStatus } from "../chain/node/rpc.js";
import { toHex } from "../core/bytes.js";
import { sha256 } from "../core/hash.js";

export interface DriveOptions {
  rpcUrl: string;
  lanes: Uint8Array[][];
  durationMs: number;
  maxOutstanding: number;
  /** Rollup payload bytes per tx, for the bytes/s column. */
  payloadBytes: number;
}

export interface DriveResult {
  committed: number;
  rejected: number;
  txPerSecond: number;
  payloadBytesPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function drive(options: DriveOptions): Promise<DriveResult> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const blockTimes = new Map<number, { time: number; txs: number }>();
  let outstanding = 0;
  let rejected = 0;
  let sending = true;
  const start = Date.now();
  const perLane = Math.max(10, Math.floor(options.maxOutstanding / options.lanes.length));
  const laneOutstanding = options.lanes.map(() => 0);

  const lane = async (index: number): Promise<void> => {
    const txs = options.lanes[index]!;
    for (let next = 0; next < txs.length && sending; ) {
      if (laneOutstanding[index]! >= perLane) {
        await sleep(10);
        continue;
      }
      const batch = txs.slice(next, next + 10);
      next += batch.length;
      const now = Date.now();
      const hashes = batch.map((tx) => toHex(sha256(tx)).toUpperCase());
      for (const hash of hashes) sentAt.set(hash, now);
      const outcomes = await broadcastTxs(options.rpcUrl, batch);
      outcomes.forEach((outcome, i) => {
        if (outcome.kind === "checked" && outcome.code === 0) {
          outstanding++;
          laneOutstanding[index]!++;
        } else {
          rejected++;
          sentAt.delete(hashes[i]!);
        }
      });
    }
  };

  const laneOf = new Map<string, number>();
  options.lanes.forEach((txs, index) => {
    for (const tx of txs) laneOf.set(toHex(sha256(tx)).toUpperCase(), index);
  });

  let observed = (await nodeStatus(options.rpcUrl)).height;
  const observe = async (): Promise<void> => {
    while (sending || outstanding > 0) {
      const { height } = await nodeStatus(options.rpcUrl);
      for (; observed < height; observed++) {
        const block = await blockAt(options.rpcUrl, observed + 1);
        const now = Date.now();
        blockTimes.set(block.height, { time: Date.parse(block.time), txs: block.txs.length });
        for (const tx of block.txs) {
          const hash = toHex(sha256(tx)).toUpperCase();
          const sent = sentAt.get(hash);
          if (sent === undefined) continue;
          latencies.push(now - sent);
          sentAt.delete(hash);
          outstanding--;
          laneOutstanding[laneOf.get(hash)!]!--;
        }
      }
      if (!sending && Date.now() - start > options.durationMs + 30_000) break;
      await sleep(50);
    }
  };

  const observer = observe();
  const lanes = options.lanes.map((_, index) => lane(index));
  await sleep(options.durationMs);
  sending = false;
  await Promise.all(lanes);
  await observer;

  const heights = [...blockTimes.keys()].filter((h) => blockTimes.get(h)!.txs > 0).sort((a, b) => a - b);
  const first = heights[0]!;
  const last = heights[heights.length - 1]!;
  let committed = 0;
  for (let h = first; h <= last; h++) committed += blockTimes.get(h)?.txs ?? 0;
  const previous = blockTimes.get(first - 1)?.time ?? blockTimes.get(first)!.time - 1000;
  const seconds = (blockTimes.get(last)!.time - previous) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    committed,
    rejected,
    txPerSecond: committed / seconds,
    payloadBytesPerSecond: (committed * options.payloadBytes) / seconds,
    latencyP50Ms: percentile(sorted, 50),
    latencyP99Ms: percentile(sorted, 99),
  };
}
