/**
 * Load drivers for the benchmark. `saturate` measures sustained throughput: lanes (one per
 * signing account, so sequences stay in order) push pre-built txs with broadcast_tx_async while
 * at most `maxOutstanding` await inclusion. `measureLatency` offers a steady, moderate rate with
 * broadcast_tx_sync and times each tx from broadcast to the block that commits it.
 */
import { type BroadcastMode, blockAt, broadcastTxs, nodeStatus } from "../chain/node/rpc.js";
import { toHex } from "../core/bytes.js";
import { sha256 } from "../core/hash.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hashOf = (tx: Uint8Array): string => toHex(sha256(tx)).toUpperCase();

/**
 * Follows blocks from the current height and reports each tx hash when its block is seen;
 * `onTx` says whether the tx is one of the bench's (Metro's own lead txs are not counted).
 */
class BlockFollower {
  readonly blocks = new Map<number, { time: number; txs: number }>();
  private next = 0;
  private running = true;
  private startedAt = 0;
  private stoppedAt = 0;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly rpcUrl: string,
    private readonly onTx: (hash: string, seenAt: number) => boolean,
  ) {}

  async start(): Promise<void> {
    this.startedAt = Date.now();
    this.next = (await nodeStatus(this.rpcUrl)).height + 1;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const { height } = await nodeStatus(this.rpcUrl);
      for (; this.next <= height; this.next++) {
        const block = await blockAt(this.rpcUrl, this.next);
        const seenAt = Date.now();
        let ours = 0;
        for (const tx of block.txs) if (this.onTx(hashOf(tx), seenAt)) ours++;
        this.blocks.set(block.height, { time: Date.parse(block.time), txs: ours });
      }
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.stoppedAt = Date.now();
  }

  /**
   * The longest wait for a block, in ms, counting from when following began to when it ended:
   * a stalled chain shows here. Block times and the wall clock are the same machine's.
   */
  longestGapMs(): number {
    const blockTimes = [...this.blocks.values()].map((b) => b.time);
    const times = [this.startedAt, ...blockTimes, this.stoppedAt].sort((a, b) => a - b);
    let longest = 0;
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
    return longest;
  }

  /** Committed txs per second of block time, from the first to the last block holding txs. */
  throughput(): { committed: number; perSecond: number } {
    const heights = [...this.blocks.keys()].filter((h) => this.blocks.get(h)!.txs > 0).sort((a, b) => a - b);
    if (heights.length === 0) return { committed: 0, perSecond: 0 };
    const first = heights[0]!;
    const last = heights[heights.length - 1]!;
    let committed = 0;
    for (let h = first; h <= last; h++) committed += this.blocks.get(h)?.txs ?? 0;
    const start = this.blocks.get(first - 1)?.time ?? this.blocks.get(first)!.time - 1000;
    return { committed, perSecond: committed / ((this.blocks.get(last)!.time - start) / 1000) };
  }
}

export interface SaturateResult {
  committed: number;
  txPerSecond: number;
  /** Times a lane stalled (txs refused by a busy mempool) and resumed from the chain's sequence. */
  resyncs: number;
  /** Blocks seen during the run, and the longest gap between two of them. */
  blocks: number;
  longestGapMs: number;
}

/** A lane of txs that must land in order; `resume` says where to continue after a gap. */
export interface Lane {
  txs: Uint8Array[];
  /** The index of the next tx the chain will accept (for accounts: its sequence), if order matters. */
  resume?: () => Promise<number>;
}

const STALL_MS = 3000;
/** JSON-RPC batch size (CometBFT's `rpc.max_request_batch_size`). */
const BATCH_TXS = 10;
/**
 * Raw tx bytes per broadcast request: base64 adds a third, and CometBFT refuses request bodies
 * over `rpc.max_body_bytes` (1,000,000 by default), so a batch of 256 KiB txs is split.
 */
const BATCH_BYTES = 512 * 1024;

/** The next batch of a lane from `next`: up to BATCH_TXS txs within BATCH_BYTES, at least one. */
function nextBatch(txs: readonly Uint8Array[], next: number): Uint8Array[] {
  const batch: Uint8Array[] = [];
  let bytes = 0;
  for (let i = next; i < txs.length && batch.length < BATCH_TXS; i++) {
    bytes += txs[i]!.length;
    if (batch.length > 0 && bytes > BATCH_BYTES) break;
    batch.push(txs[i]!);
  }
  return batch;
}

export async function saturate(
  rpcUrl: string,
  lanes: Lane[],
  durationMs: number,
  maxOutstanding: number,
): Promise<SaturateResult> {
  const laneOf = new Map<string, number>();
  lanes.forEach((lane, index) => {
    for (const tx of lane.txs) laneOf.set(hashOf(tx), index);
  });
  const outstanding = lanes.map(() => 0);
  const progressAt = lanes.map(() => Date.now());
  let resyncs = 0;
  const follower = new BlockFollower(rpcUrl, (hash) => {
    const lane = laneOf.get(hash);
    if (lane === undefined) return false;
    outstanding[lane] = Math.max(0, outstanding[lane]! - 1);
    progressAt[lane] = Date.now();
    return true;
  });
  await follower.start();
  const deadline = Date.now() + durationMs;
  const perLane = Math.max(10, Math.floor(maxOutstanding / lanes.length));
  await Promise.all(
    lanes.map(async (lane, index) => {
      for (let next = 0; next < lane.txs.length && Date.now() < deadline; ) {
        if (outstanding[index]! >= perLane) {
          if (lane.resume && Date.now() - progressAt[index]! > STALL_MS) {
            next = await lane.resume();
            outstanding[index] = 0;
            progressAt[index] = Date.now();
            resyncs++;
          } else {
            await sleep(10);
          }
          continue;
        }
        const batch = nextBatch(lane.txs, next);
        next += batch.length;
        outstanding[index]! += batch.length;
        await broadcastTxs(rpcUrl, batch, "async");
      }
    }),
  );
  const drainUntil = Date.now() + 10_000;
  while (outstanding.some((n) => n > 0) && Date.now() < drainUntil) await sleep(100);
  await follower.stop();
  const { committed, perSecond } = follower.throughput();
  return {
    committed,
    txPerSecond: perSecond,
    resyncs,
    blocks: follower.blocks.size,
    longestGapMs: follower.longestGapMs(),
  };
}

export interface LatencyResult {
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Sends `ratePerSecond` txs each second (round-robin over lanes) and times each to its block. */
export async function measureLatency(
  rpcUrl: string,
  lanes: Lane[],
  ratePerSecond: number,
  durationMs: number,
  mode: BroadcastMode = "sync",
): Promise<LatencyResult> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const follower = new BlockFollower(rpcUrl, (hash, seenAt) => {
    const sent = sentAt.get(hash);
    if (sent === undefined) return false;
    latencies.push(seenAt - sent);
    sentAt.delete(hash);
    return true;
  });
  await follower.start();
  const perTick = Math.max(1, Math.round(ratePerSecond / 10 / lanes.length));
  const cursors = lanes.map(() => 0);
  const ticks = Math.floor(durationMs / 100);
  for (let tick = 0; tick < ticks; tick++) {
    const started = Date.now();
    await Promise.all(
      lanes.map(async ({ txs }, lane) => {
        const batch = txs.slice(cursors[lane], cursors[lane]! + perTick);
        cursors[lane]! += batch.length;
        for (const tx of batch) sentAt.set(hashOf(tx), Date.now());
        await broadcastTxs(rpcUrl, batch, mode);
      }),
    );
    await sleep(Math.max(0, 100 - (Date.now() - started)));
  }
  const drainUntil = Date.now() + 15_000;
  while (sentAt.size > 0 && Date.now() < drainUntil) await sleep(100);
  await follower.stop();
  const sorted = latencies.sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), samples: sorted.length };
}
