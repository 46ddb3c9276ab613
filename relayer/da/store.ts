/**
 * The local DA's blocks on disk (LMDB): one record per height, written atomically with the
 * head. Old heights can be pruned: each prune deletes a batch of the oldest heights and moves
 * the base (the lowest height still stored) in one transaction, so a crash keeps either all of
 * a batch or none of it deleted, and every height from the base to the head is readable.
 */
import { mkdirSync } from "node:fs";
import { type Database, open, type RootDatabase } from "lmdb";
import { u64be } from "../../core/bytes.js";

export interface StoredBlob {
  namespace: Uint8Array;
  data: Uint8Array;
  commitment: Uint8Array;
  /** The blob's first share's index in the block's square. */
  index: number;
}

export interface StoredBlock {
  height: number;
  time: string;
  blobs: StoredBlob[];
}

const HEAD_KEY = Buffer.from("head");
const BASE_KEY = Buffer.from("base");

interface BlockRecord {
  time: string;
  blobs: { namespace: Buffer; data: Buffer; commitment: Buffer; index: number }[];
}

const heightKey = (height: number) => Buffer.from(u64be(height));

export class DaStore {
  private readonly env: RootDatabase;
  private readonly blocks: Database<BlockRecord, Buffer>;
  private readonly meta: Database<number, Buffer>;

  constructor(directory: string) {
    mkdirSync(directory, { recursive: true });
    this.env = open({ path: directory, maxDbs: 4 });
    this.blocks = this.env.openDB({ name: "blocks", keyEncoding: "binary", encoding: "msgpack" });
    this.meta = this.env.openDB({ name: "meta", keyEncoding: "binary", encoding: "msgpack" });
  }

  get head(): number {
    return this.meta.get(HEAD_KEY) ?? 0;
  }

  /** The lowest height still stored (1 until something is pruned). */
  get base(): number {
    return this.meta.get(BASE_KEY) ?? 1;
  }

  append(block: StoredBlock): void {
    if (block.height !== this.head + 1) throw new Error(`DA block ${block.height} after head ${this.head}`);
    const record: BlockRecord = {
      time: block.time,
      blobs: block.blobs.map((b) => ({
        namespace: Buffer.from(b.namespace),
        data: Buffer.from(b.data),
        commitment: Buffer.from(b.commitment),
        index: b.index,
      })),
    };
    this.env.transactionSync(() => {
      void this.blocks.put(heightKey(block.height), record);
      void this.meta.put(HEAD_KEY, block.height);
    });
  }

  /**
   * Deletes the heights below `below` (never the head), at most `maxHeights` of them, oldest
   * first, and moves the base past them, in one transaction. Returns how many were deleted.
   */
  prune(below: number, maxHeights: number): number {
    const base = this.base;
    const until = Math.min(below, this.head, base + maxHeights);
    if (until <= base) return 0;
    this.env.transactionSync(() => {
      for (let height = base; height < until; height++) void this.blocks.remove(heightKey(height));
      void this.meta.put(BASE_KEY, until);
    });
    return until - base;
  }

  block(height: number): StoredBlock | undefined {
    const record = this.blocks.get(heightKey(height));
    if (!record) return undefined;
    return {
      height,
      time: record.time,
      blobs: record.blobs.map((b) => ({
        namespace: new Uint8Array(b.namespace),
        data: new Uint8Array(b.data),
        commitment: new Uint8Array(b.commitment),
        index: b.index,
      })),
    };
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}
