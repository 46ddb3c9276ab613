/** Reads of Metro state by string key; values are raw bytes. */
export interface StateReader {
  get(key: string): Uint8Array | undefined;
  /** Every key starting with `prefix`, in key order (ASCII keys: byte order is string order). */
  scan?(prefix: string): Iterable<[string, Uint8Array]>;
}

export class ScanError extends Error {
  override name = "ScanError";
}

/**
 * Uncommitted writes over a parent state. A block runs in one overlay and each tx in a branch
 * of it, merged only when the tx succeeds, which makes every tx (and every bundle) atomic.
 */
export class StateOverlay implements StateReader {
  private readonly writes = new Map<string, Uint8Array | null>();
  /** When recording: what each key read from the parent held at its first read. */
  private readonly parentReads: Map<string, Uint8Array | undefined> | undefined;

  constructor(
    private readonly parent: StateReader,
    options: { recordReads?: boolean } = {},
  ) {
    if (options.recordReads) this.parentReads = new Map();
  }

  get(key: string): Uint8Array | undefined {
    const written = this.writes.get(key);
    if (written !== undefined) return written ?? undefined;
    const value = this.parent.get(key);
    if (this.parentReads && !this.parentReads.has(key)) this.parentReads.set(key, value);
    return value;
  }

  set(key: string, value: Uint8Array): void {
    this.writes.set(key, value);
  }

  delete(key: string): void {
    this.writes.set(key, null);
  }

  /**
   * The parent's entries under `prefix` with this overlay's writes applied, in key order. Txs
   * must not scan: replay checks a tx's reads key by key, and a scan reads a range.
   */
  *scan(prefix: string): Generator<[string, Uint8Array]> {
    if (this.parentReads) throw new ScanError("a tx's state branch cannot scan");
    if (!this.parent.scan) throw new ScanError("this state cannot be scanned");
    const local = [...this.writes]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => compareKeys(a, b));
    let next = 0;
    for (const [key, value] of this.parent.scan(prefix)) {
      while (next < local.length && compareKeys(local[next]![0], key) < 0) {
        const [localKey, localValue] = local[next++]!;
        if (localValue !== null) yield [localKey, localValue];
      }
      if (next < local.length && local[next]![0] === key) {
        const localValue = local[next++]![1];
        if (localValue !== null) yield [key, localValue];
        continue;
      }
      yield [key, value];
    }
    for (; next < local.length; next++) {
      const [localKey, localValue] = local[next]!;
      if (localValue !== null) yield [localKey, localValue];
    }
  }

  branch(options: { recordReads?: boolean } = {}): StateOverlay {
    return new StateOverlay(this, options);
  }

  /** The parent's values this overlay's result depends on (only when recording reads). */
  reads(): ReadonlyMap<string, Uint8Array | undefined> {
    return this.parentReads ?? new Map();
  }

  /** Moves this overlay's writes into `target` (normally the overlay it was branched from). */
  mergeInto(target: StateOverlay): void {
    for (const [key, value] of this.writes) {
      if (value === null) target.delete(key);
      else target.set(key, value);
    }
  }

  /** Every write, in first-write order. Null means deleted. */
  changes(): ReadonlyMap<string, Uint8Array | null> {
    return this.writes;
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
