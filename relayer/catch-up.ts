/**
 * The relayer catching up after an outage (Metro ran on while it was down, or the DA held it
 * back): heights behind, the rate, and an ETA, logged at most every few seconds, and a last
 * line once it is back at the head. Close to the head nothing is logged.
 */
import type { Logger } from "../core/log.js";
import { formatDuration, Progress, Throttle } from "../core/progress.js";

/** Fewer heights behind than this is ordinary following, not a catch-up. */
const BEHIND_THRESHOLD = 20;
const LOG_EVERY_MS = 5_000;

export class CatchUpLog {
  private progress: Progress | undefined;
  private startedAt = 0;
  private readonly throttle = new Throttle(LOG_EVERY_MS);

  constructor(private readonly log: Logger) {}

  /** After each height read: `done` is the last height read, `head` Metro's latest. */
  update(done: number, head: number, now: number = Date.now()): void {
    const behind = head - done;
    if (!this.progress) {
      if (behind < BEHIND_THRESHOLD) return;
      this.progress = new Progress(behind, now);
      this.startedAt = done;
      this.throttle.ready(now);
      this.log.info({ behind, head }, `catching up: ${behind} heights behind Metro`);
      return;
    }
    const caughtUp = done - this.startedAt;
    this.progress.setTotal(head - this.startedAt);
    if (behind <= 1) {
      this.log.info(
        { caughtUp, head, took: formatDuration(this.progress.elapsedMs(now)) },
        "caught up with Metro",
      );
      this.progress = undefined;
      return;
    }
    if (!this.throttle.ready(now)) return;
    const etaMs = this.progress.etaMs(caughtUp, now);
    this.log.info(
      {
        behind,
        head,
        perSecond: Math.round(this.progress.rate(caughtUp, now) * 10) / 10,
        eta: etaMs === undefined ? "unknown" : formatDuration(etaMs),
      },
      `catching up: ${behind} heights behind Metro`,
    );
  }
}
