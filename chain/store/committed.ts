import { mkdirSync } from "node:fs";
import { type Database, open, type RootDatabase } from "lmdb";
import { readU64be, u64be, utf8 } from "../../core/bytes.js";
import { EMPTY_HASH } from "../../core/smt.js";
import type { StateReader } from "./overlay.js";
import { type NodeReader, StateTree, type TreeChange } from "./tree.js";

/** Everything one block changes, written in a single LMDB transaction. */
export interface CommitBatch {
  height: bigint;
  root: Uint8Array;
  nodes: ReadonlyMap<string, Uint8Array>;
  /** Nodes (hex hashes) this height made unreachable from its root. */
  orphaned: readonly string[];
  writes: ReadonlyMap<string, Uint8Array | null>;
  /** Derived, non-authenticated indexes (rollup data by height): key → value. */
  index: readonly { key: Uint8Array; value: Uint8Array }[];
  /** The first height the indexes cover, when it moves (a restore from a snapshot at height - 1). */
  indexKeptFrom?: bigint;
}

/**
 * A block's state that could not be written (a full disk, an I/O error). LMDB's commit is atomic,
 * so the store still holds the previous height, whole.
 */
export class StoreWriteError extends Error {
  override name = "StoreWriteError";
  constructor(
    readonly directory: string,
    readonly height: bigint,
    readonly keptHeight: bigint,
    cause: unknown,
  ) {
    super(
      `could not write height ${height} to ${directory}: ${(cause as Error).message ?? cause} ` +
        `(is the disk full?); the store is intact at height ${keptHeight}: free space and restart`,
      { cause },
    );
  }
}

/** A height this node no longer holds (pruned, or before the snapshot it was restored from). */
export class PrunedHeightError extends Error {
  override name = "PrunedHeightError";
  constructor(
    readonly what: string,
    readonly height: bigint,
    readonly keptFrom: bigint,
    readonly latest: bigint,
  ) {
    super(
      `${what} at height ${height} is pruned: this node keeps heights from ${keptFrom} (latest ${latest})`,
    );
  }
}

const LATEST_KEY = utf8("latest");
const INDEX_KEPT_FROM_KEY = utf8("index-kept-from");
/** Orphan records: "v" ‖ height ‖ node hash (to prune by height), "h" ‖ node hash → height. */
const orphanByHeight = (height: bigint, hash: Buffer): Buffer =>
  Buffer.concat([Buffer.from("v"), u64be(height), hash]);
const orphanByHash = (hash: Buffer): Buffer => Buffer.concat([Buffer.from("h"), hash]);
const rootKey = (height: bigint): Uint8Array => Buffer.concat([utf8("root/"), u64be(height)]);

/**
 * The committed state in LMDB: tree nodes by hash, a flat copy of the latest values for fast
 * reads, the root of every height, and derived indexes. LMDB commits are atomic and durable, so
 * a `kill -9` leaves either the previous height or the new one, never a mix.
 */
export class CommittedState implements StateReader, NodeReader {
  private readonly env: RootDatabase;
  private readonly nodes: Database<Buffer, Buffer>;
  private readonly flat: Database<Buffer, Buffer>;
  private readonly meta: Database<Buffer, Buffer>;
  private readonly index: Database<Buffer, Buffer>;
  private readonly orphans: Database<Buffer, Buffer>;
  height: bigint;
  root: Uint8Array;

  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
    this.env = open({ path: directory, compression: false, maxDbs: 8 });
    const binary = { keyEncoding: "binary", encoding: "binary" } as const;
    this.nodes = this.env.openDB({ name: "nodes", ...binary });
    this.flat = this.env.openDB({ name: "flat", ...binary });
    this.meta = this.env.openDB({ name: "meta", ...binary });
    this.index = this.env.openDB({ name: "index", ...binary });
    this.orphans = this.env.openDB({ name: "orphans", ...binary });
    const latest = this.meta.get(Buffer.from(LATEST_KEY));
    this.height = latest ? readU64be(latest) : 0n;
    this.root = latest ? new Uint8Array(latest.subarray(8, 40)) : EMPTY_HASH;
  }

  get(key: string): Uint8Array | undefined {
    return this.flat.get(Buffer.from(key, "utf8"));
  }

  getNode(hash: Uint8Array): Uint8Array | undefined {
    return this.nodes.get(Buffer.from(hash));
  }

  rootAt(height: bigint): Uint8Array | undefined {
    if (height === this.height) return this.root;
    const root = this.meta.get(Buffer.from(rootKey(height)));
    return root ? new Uint8Array(root) : undefined;
  }

  /** The lowest height whose state is still held (1 until pruned or restored from a snapshot). */
  earliestHeight(): bigint {
    for (const { key } of this.meta.getRange({ start: Buffer.from(rootKey(0n)), limit: 1 })) {
      if (key.subarray(0, 5).equals(Buffer.from("root/"))) return readU64be(key.subarray(5));
    }
    return this.height;
  }

  /** The lowest height the derived indexes cover. */
  indexKeptFrom(): bigint {
    const stored = this.meta.get(Buffer.from(INDEX_KEPT_FROM_KEY));
    return stored ? readU64be(stored) : 1n;
  }

  /** How many tree nodes are stored (all heights together). */
  nodeCount(): number {
    return this.nodes.getKeysCount();
  }

  /** A tree reader and writer over the committed nodes. */
  tree(): StateTree {
    return new StateTree(this);
  }

  /**
   * Writes a compacted copy of the database into `directory`, which a new
   * CommittedState can open: the same data without the free pages past rewrites left behind.
   */
  async compactTo(directory: string): Promise<void> {
    mkdirSync(directory, { recursive: true });
    await this.env.backup(directory, true);
  }

  /** Latest values of every key starting with `prefix`, in key order. */
  *scan(prefix: string): Generator<[string, Uint8Array]> {
    const start = Buffer.from(prefix, "utf8");
    const end = Buffer.concat([start, Buffer.from([0xff])]);
    for (const { key, value } of this.flat.getRange({ start, end })) {
      yield [key.toString("utf8"), value];
    }
  }

  /** Index entries whose key starts with `prefix`, in key order. */
  *scanIndex(prefix: Uint8Array): Generator<{ key: Uint8Array; value: Uint8Array }> {
    const start = Buffer.from(prefix);
    const end = Buffer.concat([start, Buffer.alloc(64, 0xff)]);
    for (const entry of this.index.getRange({ start, end })) yield entry;
  }

  /** Writes `batch` in one transaction; throws StoreWriteError, the store unchanged, if it cannot. */
  commit(batch: CommitBatch): void {
    try {
      this.write(batch);
    } catch (error) {
      throw new StoreWriteError(this.directory, batch.height, this.height, error);
    }
    this.height = batch.height;
    this.root = batch.root;
  }

  private write(batch: CommitBatch): void {
    this.env.transactionSync(() => {
      for (const [hex, bytes] of batch.nodes) {
        const hash = Buffer.from(hex, "hex");
        this.nodes.put(hash, Buffer.from(bytes));
        // A node orphaned earlier and made again (a value set back) is live again: not prunable.
        const orphanedAt = this.orphans.get(orphanByHash(hash));
        if (orphanedAt) {
          this.orphans.remove(orphanByHeight(readU64be(orphanedAt), hash));
          this.orphans.remove(orphanByHash(hash));
        }
      }
      for (const hex of batch.orphaned) {
        const hash = Buffer.from(hex, "hex");
        this.orphans.put(orphanByHeight(batch.height, hash), Buffer.alloc(0));
        this.orphans.put(orphanByHash(hash), Buffer.from(u64be(batch.height)));
      }
      for (const [key, value] of batch.writes) {
        const k = Buffer.from(key, "utf8");
        if (value === null) this.flat.remove(k);
        else this.flat.put(k, Buffer.from(value));
      }
      for (const { key, value } of batch.index) this.index.put(Buffer.from(key), Buffer.from(value));
      if (batch.indexKeptFrom !== undefined)
        this.meta.put(Buffer.from(INDEX_KEPT_FROM_KEY), Buffer.from(u64be(batch.indexKeptFrom)));
      this.meta.put(Buffer.from(rootKey(batch.height)), Buffer.from(batch.root));
      this.meta.put(Buffer.from(LATEST_KEY), Buffer.concat([u64be(batch.height), batch.root]));
    });
  }

  /**
   * Deletes what only heights below `keepFrom` need: tree nodes orphaned at or before it (no root
   * from `keepFrom` on reaches them) and the roots of those heights. One atomic transaction.
   * Returns how many nodes were deleted.
   */
  prune(keepFrom: bigint): number {
    if (keepFrom <= 1n || keepFrom > this.height) return 0;
    let deleted = 0;
    this.env.transactionSync(() => {
      // Keys are collected first: the ranges are not walked while they are being changed.
      const end = Buffer.concat([Buffer.from("v"), u64be(keepFrom + 1n)]);
      const orphans = Array.from(this.orphans.getRange({ start: Buffer.from("v"), end }), ({ key }) =>
        Buffer.from(key),
      );
      for (const key of orphans) {
        const hash = key.subarray(9);
        this.nodes.remove(hash);
        this.orphans.remove(key);
        this.orphans.remove(orphanByHash(hash));
        deleted++;
      }
      const roots = { start: Buffer.from(rootKey(0n)), end: Buffer.from(rootKey(keepFrom)) };
      for (const key of Array.from(this.meta.getRange(roots), ({ key }) => Buffer.from(key)))
        this.meta.remove(key);
    });
    return deleted;
  }

  /**
   * Deletes the index entries in [start, end), the heights below `keptFrom`, and records
   * `keptFrom`, in one transaction. Returns how many entries were deleted.
   */
  pruneIndex(start: Uint8Array, end: Uint8Array, keptFrom: bigint): number {
    if (keptFrom <= this.indexKeptFrom()) return 0;
    let deleted = 0;
    this.env.transactionSync(() => {
      const range = { start: Buffer.from(start), end: Buffer.from(end) };
      for (const key of Array.from(this.index.getKeys(range), (key) => Buffer.from(key))) {
        this.index.remove(key);
        deleted++;
      }
      this.meta.put(Buffer.from(INDEX_KEPT_FROM_KEY), Buffer.from(u64be(keptFrom)));
    });
    return deleted;
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}

/** Turns overlay changes into tree changes. */
export function toTreeChanges(writes: ReadonlyMap<string, Uint8Array | null>): TreeChange[] {
  const changes: TreeChange[] = [];
  for (const [key, value] of writes) changes.push({ key: utf8(key), value: value ?? undefined });
  return changes;
}
