/** What both halves of `npm run bench -- composer` share: the modes, the row, the counting. */
import type { ComposerTuning } from "../conductor/index.js";

export const SECONDS = Number(process.env.BENCH_COMPOSER_SECONDS ?? 20);

/** A composer to measure: the Composer with `tuning`, or the pre-issue-14 one (`baseline`). */
export interface ComposerMode {
  name: string;
  tuning: ComposerTuning;
  baseline?: true;
}

/** The composer before this change; only in process (the EVM node runs the Composer). */
export const BASELINE: ComposerMode = {
  name: "before: a 100 ms tick, one Metro tx at a time, ≤ 200 rollup txs each",
  tuning: {},
  baseline: true,
};
export const MODES: readonly ComposerMode[] = [
  { name: "window 1, ≤ 200 rollup txs per Metro tx, count only", tuning: { window: 1, maxBatch: 200 } },
  { name: "by bytes, window 4 (defaults)", tuning: {} },
];

export interface ComposerBenchRow {
  rollup: string;
  mode: ComposerMode;
  payloadBytes: number;
  sent: number;
  /** Sends answered with an error (a refusal reached the caller). */
  refused: number;
  landed: number;
  /** Accepted by the composer but never seen on chain. */
  lost: number;
  /** Whether the rollup txs landed in submission order (none-kind runs; nonces see to it for EVM). */
  inOrder?: boolean;
  txPerSecond: number;
  /** The composer's Metro txs, when counted (none-kind runs). */
  metroTxs?: number;
  firstRefusal?: string;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The rate over the blocks holding rollup txs: from the block before the first to the last. */
export function ratePerSecond(blocks: readonly { txs: number; seenAt: number }[]): number {
  const first = blocks.findIndex((block) => block.txs > 0);
  const last = blocks.findLastIndex((block) => block.txs > 0);
  if (first < 0) return 0;
  const txs = blocks.slice(first, last + 1).reduce((sum, block) => sum + block.txs, 0);
  const start = blocks[first - 1]?.seenAt ?? blocks[first]!.seenAt - 1000;
  return (txs * 1000) / (blocks[last]!.seenAt - start);
}

/** Outcome counts of the sends of one run. */
export class SendTally {
  sent = 0;
  accepted = 0;
  refused = 0;
  outstanding = 0;
  firstRefusal: string | undefined;

  track(send: Promise<unknown>): void {
    this.sent++;
    this.outstanding++;
    send.then(
      () => this.accepted++,
      (error: Error) => {
        this.refused++;
        this.firstRefusal ??= error.message;
      },
    );
    void send.catch(() => undefined).finally(() => this.outstanding--);
  }

  async drain(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.outstanding > 0 && Date.now() < until) await sleep(50);
  }
}
