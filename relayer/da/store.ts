/** The local DA's blocks on disk (LMDB): one record per height, written atomically with the head. */
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

interface BlockRecord {
  time: string;
  blobs: { namespace: Buffer; data: Buffer; commitment: Buffer; index: number }[];
}

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
      void this.blocks.put(Buffer.from(u64be(block.height)), record);
      void this.meta.put(HEAD_KEY, block.height);
    });
  }

  block(height: number): StoredBlock | undefined {
    const record = this.blocks.get(Buffer.from(u64be(height)));
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
