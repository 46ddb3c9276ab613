/** Reads of Metro state by string key; values are raw bytes. */
export interface StateReader {
  get(key: string): Uint8Array | undefined;
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
