/**
 * Progress of long work (an export, a catch-up): how much is done, the rate, and an ETA, shown
 * at a bounded rate. In a terminal one line is rewritten in place; elsewhere (a log file, CI)
 * a line is printed at most every `everyMs`, so logs stay readable.
 */

/** "850 ms", "12 s", "3 min 05 s", "2 h 10 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** Rate and ETA of work measured in units done, from its start. */
export class Progress {
  private readonly startedAt: number;

  constructor(
    private total: number,
    now: number = Date.now(),
  ) {
    this.startedAt = now;
  }

  /** The work grew or shrank (a chain head that moves on). */
  setTotal(total: number): void {
    this.total = total;
  }

  elapsedMs(now: number = Date.now()): number {
    return now - this.startedAt;
  }

  /** Units per second so far (0 before any time has passed). */
  rate(done: number, now: number = Date.now()): number {
    const seconds = this.elapsedMs(now) / 1000;
    return seconds > 0 ? done / seconds : 0;
  }

  /** Milliseconds left at the rate so far; undefined while nothing is done. */
  etaMs(done: number, now: number = Date.now()): number | undefined {
    const rate = this.rate(done, now);
    if (rate <= 0) return undefined;
    return (Math.max(0, this.total - done) / rate) * 1000;
  }

  /** "1200/5000 (24%), 310/s, ETA 12 s". */
  describe(done: number, unit: string, now: number = Date.now()): string {
    const percent = this.total > 0 ? Math.floor((done / this.total) * 100) : 100;
    const eta = this.etaMs(done, now);
    const rate = this.rate(done, now);
    return `${done}/${this.total} ${unit} (${percent}%), ${rate.toFixed(rate < 10 ? 1 : 0)}/s, ETA ${eta === undefined ? "?" : formatDuration(eta)}`;
  }
}

/** True at most once every `everyMs`: for progress that must not flood a log. */
export class Throttle {
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly everyMs: number) {}

  ready(now: number = Date.now()): boolean {
    if (now - this.last < this.everyMs) return false;
    this.last = now;
    return true;
  }
}

/** A progress line on a stream: rewritten in place on a terminal, else printed every `everyMs`. */
export class ProgressLine {
  private readonly throttle: Throttle;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    everyMs = 2000,
  ) {
    this.throttle = new Throttle(stream.isTTY ? 100 : everyMs);
  }

  update(text: string): void {
    if (!this.throttle.ready()) return;
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${text}`);
      this.shown = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** The last word, always shown (and the terminal line ended). */
  done(text: string): void {
    if (this.stream.isTTY && this.shown) this.stream.write(`\r\x1b[2K${text}\n`);
    else this.stream.write(`${text}\n`);
    this.shown = false;
  }
}

/** Numbered steps of a start-up, each printed as it completes: "[3/7] relayer up (4.1 s)". */
export class StepCounter {
  private done = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly total: number,
    private readonly print: (line: string) => void = (line) => console.log(line),
  ) {}

  step(what: string): void {
    this.done++;
    this.print(`[${this.done}/${this.total}] ${what} (${formatDuration(Date.now() - this.startedAt)})`);
  }
}
