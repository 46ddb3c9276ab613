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
  writes: ReadonlyMap<string, Uint8Array | null>;
  /** Derived, non-authenticated indexes (rollup data by height): key → value. */
  index: readonly { key: Uint8Array; value: Uint8Array }[];
}

const LATEST_KEY = utf8("latest");
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
  height: bigint;
  root: Uint8Array;

  constructor(directory: string) {
    mkdirSync(directory, { recursive: true });
    this.env = open({ path: directory, compression: false, maxDbs: 8 });
    const binary = { keyEncoding: "binary", encoding: "binary" } as const;
    this.nodes = this.env.openDB({ name: "nodes", ...binary });
    this.flat = this.env.openDB({ name: "flat", ...binary });
    this.meta = this.env.openDB({ name: "meta", ...binary });
    this.index = this.env.openDB({ name: "index", ...binary });
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

  /** A tree reader and writer over the committed nodes. */
  tree(): StateTree {
    return new StateTree(this);
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

  commit(batch: CommitBatch): void {
    this.env.transactionSync(() => {
      for (const [hash, bytes] of batch.nodes) this.nodes.put(Buffer.from(hash, "hex"), Buffer.from(bytes));
      for (const [key, value] of batch.writes) {
        const k = Buffer.from(key, "utf8");
        if (value === null) this.flat.remove(k);
        else this.flat.put(k, Buffer.from(value));
      }
      for (const { key, value } of batch.index) this.index.put(Buffer.from(key), Buffer.from(value));
      this.meta.put(Buffer.from(rootKey(batch.height)), Buffer.from(batch.root));
      this.meta.put(Buffer.from(LATEST_KEY), Buffer.concat([u64be(batch.height), batch.root]));
    });
    this.height = batch.height;
    this.root = batch.root;
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
