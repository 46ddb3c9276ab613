/**
 * The EVM node's trie node store, as ethereumjs' MPT reads and writes it, and its compaction.
 * Nodes are content-addressed and shared between states, so no write ever deletes one; old
 * states are dropped by mark and sweep instead: the nodes the kept states reach are copied
 * into the other of two sub-databases and the old one is emptied, in one LMDB transaction.
 */
import type { BatchDBOp, DB, EncodingOpts } from "@ethereumjs/util";
import type { Database } from "lmdb";
import { markReachable } from "./trie-walk.js";

export type NodeDatabase = Database<Buffer, string>;

/**
 * Writes wait in memory and reach LMDB with the block that made them, in one transaction:
 * ethereumjs commits the trie after every tx, and a durable LMDB commit each time was most of
 * a block's cost. A crash before the block is written loses only nodes no stored block uses.
 */
export class TrieDatabase implements DB<string, string | Uint8Array> {
  private pending = new Map<string, Buffer>();

  constructor(private db: NodeDatabase) {}

  async get(id: string, opts?: EncodingOpts): Promise<string | Uint8Array | undefined> {
    const value = this.pending.get(id) ?? this.db.get(id);
    if (value === undefined) return undefined;
    return opts?.valueEncoding === "string" ? value.toString("utf8") : new Uint8Array(value);
  }

  async put(id: string, value: string | Uint8Array): Promise<void> {
    this.pending.set(id, toBuffer(value));
  }

  /** Nodes are shared between states: a write never deletes one (compaction does). */
  async del(): Promise<void> {}

  async batch(ops: BatchDBOp<string, string | Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === "put") this.pending.set(op.key, toBuffer(op.value));
  }

  shallowCopy(): DB<string, string | Uint8Array> {
    return this;
  }

  async open(): Promise<void> {}

  /** Writes the waiting nodes; call inside the LMDB transaction that stores their block. */
  flush(): void {
    for (const [id, value] of this.pending) void this.db.put(id, value);
    this.pending = new Map();
  }

  /** Entries on disk (nodes and codes), from LMDB's own count: no scan. */
  get storedCount(): number {
    return (this.db.getStats() as { entryCount: number }).entryCount;
  }

  /**
   * Copies what the states at `roots` reach into `target` (emptied first), then empties the
   * current database, and returns how many entries were copied. Call it inside the LMDB
   * transaction that records `target` as the active one, and `use(target)` once that commits.
   */
  compactInto(
    target: NodeDatabase,
    roots: Iterable<Uint8Array>,
    onCopied?: (copied: number) => void,
  ): number {
    target.clearSync();
    let copied = 0;
    markReachable(
      roots,
      (key) => this.db.get(key),
      (key, value) => {
        void target.put(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        copied++;
        onCopied?.(copied);
      },
    );
    this.db.clearSync();
    return copied;
  }

  use(db: NodeDatabase): void {
    this.db = db;
  }
}

function toBuffer(value: string | Uint8Array): Buffer {
  return typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
}
