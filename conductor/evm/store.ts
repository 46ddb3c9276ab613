/**
 * The EVM node's database (LMDB): the state trie's nodes, and the blocks, receipts and
 * commitment state around them. Trie nodes are never pruned, so the state at any stored block
 * stays readable: a reorg to a firm block is a change of root, not a replay.
 */
import { mkdirSync } from "node:fs";
import { RLP } from "@ethereumjs/rlp";
import { Address, type BatchDBOp, bytesToBigInt, type DB, type EncodingOpts } from "@ethereumjs/util";
import { type Database, open, type RootDatabase } from "lmdb";
import { fromUtf8, toHex, utf8 } from "../../core/bytes.js";
import type { RollupBlockInputs } from "../../core/evm/index.js";
import {
  type CommitmentState,
  CommitmentStateCodec,
  type ExecutedBlock,
  ExecutedBlockCodec,
  type GenesisInfo,
  GenesisInfoCodec,
} from "../execution/api.js";

/** A log as a receipt carries it. */
export interface StoredLog {
  address: string;
  topics: string[];
  data: string;
}

/** One executed transaction's outcome; hex strings, so it stores as JSON. */
export interface StoredReceipt {
  transactionHash: string;
  from: string;
  to: string | null;
  contractAddress: string | null;
  type: number;
  status: 0 | 1;
  gasUsed: string;
  cumulativeGasUsed: string;
  effectiveGasPrice: string;
  logsBloom: string;
  logs: StoredLog[];
}

export interface TxLocation {
  blockHash: string;
  index: number;
}

const key = (kind: string, id: Uint8Array | string | bigint) =>
  `${kind}/${typeof id === "bigint" ? id.toString(16).padStart(16, "0") : typeof id === "string" ? id : toHex(id)}`;

/**
 * The trie's node store, in the shape ethereumjs' MPT expects (keys arrive as hex strings).
 * Writes wait in memory and reach LMDB with the block that made them, in one transaction:
 * ethereumjs commits the trie after every tx, and a durable LMDB commit each time was most of
 * a block's cost. A crash before the block is written loses only nodes no stored block uses.
 */
class TrieDatabase implements DB<string, string | Uint8Array> {
  private pending = new Map<string, Buffer>();

  constructor(private readonly db: Database<Buffer, string>) {}

  async get(id: string, opts?: EncodingOpts): Promise<string | Uint8Array | undefined> {
    const value = this.pending.get(id) ?? this.db.get(id);
    if (value === undefined) return undefined;
    return opts?.valueEncoding === "string" ? value.toString("utf8") : new Uint8Array(value);
  }

  async put(id: string, value: string | Uint8Array): Promise<void> {
    this.pending.set(id, toBuffer(value));
  }

  /** Nodes are content-addressed and shared between states, so none is ever deleted. */
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
}

function toBuffer(value: string | Uint8Array): Buffer {
  return typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
}

export class EvmStore {
  private readonly env: RootDatabase;
  private readonly chain: Database<Buffer, string>;
  private readonly trieNodes: TrieDatabase;

  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
    this.env = open({ path: directory, compression: false, maxDbs: 4 });
    const options = { keyEncoding: "ordered-binary", encoding: "binary" } as const;
    this.trieNodes = new TrieDatabase(this.env.openDB({ name: "trie", ...options }));
    this.chain = this.env.openDB({ name: "chain", ...options });
  }

  /** The state trie's node database, for ethereumjs' MPT. */
  get trie(): DB<string, string | Uint8Array> {
    return this.trieNodes;
  }

  genesis(): GenesisInfo | undefined {
    return this.decoded("genesis", GenesisInfoCodec.decode);
  }

  commitment(): CommitmentState | undefined {
    return this.decoded("commitment", CommitmentStateCodec.decode);
  }

  block(hash: Uint8Array): { rlp: Uint8Array; meta: ExecutedBlock } | undefined {
    const rlp = this.chain.get(key("block", hash));
    const meta = this.chain.get(key("meta", hash));
    if (!rlp || !meta) return undefined;
    return { rlp: new Uint8Array(rlp), meta: ExecutedBlockCodec.decode(meta) };
  }

  receipts(hash: Uint8Array): StoredReceipt[] {
    const stored = this.chain.get(key("receipts", hash));
    return stored ? (JSON.parse(stored.toString("utf8")) as StoredReceipt[]) : [];
  }

  canonicalHash(number: bigint): Uint8Array | undefined {
    const hash = this.chain.get(key("canon", number));
    return hash ? new Uint8Array(hash) : undefined;
  }

  /** The block already executed on `parent` for this Metro block, if any (execution is deterministic). */
  executedChild(parent: Uint8Array, sequencerBlockHash: Uint8Array): Uint8Array | undefined {
    const hash = this.chain.get(key("child", `${toHex(parent)}/${toHex(sequencerBlockHash)}`));
    return hash ? new Uint8Array(hash) : undefined;
  }

  txLocation(hash: string): TxLocation | undefined {
    const stored = this.chain.get(key("tx", hash.toLowerCase()));
    return stored ? (JSON.parse(stored.toString("utf8")) as TxLocation) : undefined;
  }

  /** What block `hash` was executed from (its skipped txs included), for re-execution. */
  blockInputs(hash: Uint8Array): RollupBlockInputs | undefined {
    const stored = this.chain.get(key("inputs", hash));
    return stored ? decodeBlockInputs(new Uint8Array(stored)) : undefined;
  }

  /** Writes a block with everything about it in one transaction: all of it or none survives a crash. */
  async putBlock(
    rlp: Uint8Array,
    meta: ExecutedBlock,
    receipts: StoredReceipt[],
    inputs?: RollupBlockInputs,
  ): Promise<void> {
    await this.chain.transaction(() => {
      this.trieNodes.flush();
      void this.chain.put(key("block", meta.hash), Buffer.from(rlp));
      if (inputs) void this.chain.put(key("inputs", meta.hash), Buffer.from(encodeBlockInputs(inputs)));
      void this.chain.put(key("meta", meta.hash), Buffer.from(ExecutedBlockCodec.encode(meta)));
      void this.chain.put(key("receipts", meta.hash), Buffer.from(JSON.stringify(receipts)));
      void this.chain.put(
        key("child", `${toHex(meta.parentHash)}/${toHex(meta.sequencerBlockHash)}`),
        Buffer.from(meta.hash),
      );
    });
  }

  async putGenesis(info: GenesisInfo, rlp: Uint8Array, meta: ExecutedBlock): Promise<void> {
    await this.putBlock(rlp, meta, []);
    await this.chain.transaction(() => {
      void this.chain.put("genesis", Buffer.from(GenesisInfoCodec.encode(info)));
      void this.chain.put(key("canon", 0n), Buffer.from(meta.hash));
      void this.chain.put(
        "commitment",
        Buffer.from(CommitmentStateCodec.encode({ soft: meta, firm: meta, firmDaHeight: 0n })),
      );
    });
  }

  /**
   * Makes `chain` (oldest first, ending at the new soft head) canonical and stores the new
   * commitment state, in one transaction. Heights above the new head are forgotten.
   */
  async commit(state: CommitmentState, chain: readonly ExecutedBlock[], previousSoft: bigint): Promise<void> {
    await this.chain.transaction(() => {
      for (const block of chain) {
        void this.chain.put(key("canon", block.number), Buffer.from(block.hash));
        this.receipts(block.hash).forEach((receipt, index) => {
          const location: TxLocation = { blockHash: toHex(block.hash), index };
          void this.chain.put(key("tx", receipt.transactionHash), Buffer.from(JSON.stringify(location)));
        });
      }
      for (let number = state.soft.number + 1n; number <= previousSoft; number++) {
        void this.chain.remove(key("canon", number));
      }
      void this.chain.put("commitment", Buffer.from(CommitmentStateCodec.encode(state)));
    });
  }

  async close(): Promise<void> {
    await this.env.close();
  }

  private decoded<T>(id: string, decode: (bytes: Uint8Array) => T): T | undefined {
    const stored = this.chain.get(id);
    return stored ? decode(new Uint8Array(stored)) : undefined;
  }
}

/** RLP [txs, timestamp, [[pair, decimals, negative, |price|]], Metro height, Metro block hash, coinbase]. */
function encodeBlockInputs(inputs: RollupBlockInputs): Uint8Array {
  return RLP.encode([
    [...inputs.transactions],
    inputs.timestamp,
    inputs.prices.map((p) => [
      utf8(p.pair),
      p.decimals,
      p.price < 0n ? 1 : 0,
      p.price < 0n ? -p.price : p.price,
    ]),
    inputs.sequencerHeight,
    inputs.sequencerBlockHash,
    inputs.coinbase.bytes,
  ]);
}

function decodeBlockInputs(bytes: Uint8Array): RollupBlockInputs {
  const [transactions, timestamp, prices, height, blockHash, coinbase] = RLP.decode(bytes) as unknown as [
    Uint8Array[],
    Uint8Array,
    Uint8Array[][],
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  return {
    transactions,
    timestamp: bytesToBigInt(timestamp),
    prices: prices.map(([pair, decimals, negative, price]) => ({
      pair: fromUtf8(pair!),
      decimals: Number(bytesToBigInt(decimals!)),
      price: bytesToBigInt(negative!) === 1n ? -bytesToBigInt(price!) : bytesToBigInt(price!),
    })),
    sequencerHeight: bytesToBigInt(height),
    sequencerBlockHash: blockHash,
    coinbase: new Address(coinbase),
  };
}
