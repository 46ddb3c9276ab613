/**
 * The EVM node's database (LMDB): the state trie's nodes, and the blocks, receipts and
 * commitment state around them. Every stored block's state stays readable, so a reorg to a
 * firm block is a change of root, not a replay. Retention is explicit: `pruneBlocks` deletes
 * the oldest blocks (everything about them), and `compactTrie` then keeps only the trie nodes
 * the remaining blocks' states reach. Each is one LMDB transaction, so a crash in either
 * leaves the store as it was before or after it, never in between.
 */
import { mkdirSync } from "node:fs";
import type { DB } from "@ethereumjs/util";
import { open, type RootDatabase } from "lmdb";
import { bytesEqual, toHex } from "../../core/bytes.js";
import type { RollupBlockInputs } from "../../core/evm/index.js";
import {
  type CommitmentState,
  CommitmentStateCodec,
  type ExecutedBlock,
  ExecutedBlockCodec,
  type GenesisInfo,
  GenesisInfoCodec,
} from "../execution/api.js";
import { decodeBlockInputs, encodeBlockInputs } from "./block-inputs.js";
import { type NodeDatabase, TrieDatabase } from "./trie-db.js";

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
const childKey = (parent: Uint8Array, sequencerBlockHash: Uint8Array) =>
  key("child", `${toHex(parent)}/${toHex(sequencerBlockHash)}`);
/** Every stored block by number, on any branch: `num/<number>/<hash>` → hash. */
const numberKey = (number: bigint, hash: Uint8Array) => `${key("num", number)}/${toHex(hash)}`;
const NUMBER_INDEX_END = "num0";

/** The two sub-databases trie nodes live in; the chain database names the active one. */
const TRIE_DBS = ["trie", "trie-b"] as const;
type TrieDbName = (typeof TRIE_DBS)[number];
const META = {
  activeTrie: "trie-db",
  /** Blocks numbered below this are deleted. */
  prunedBelow: "pruned-below",
  /** What prunedBelow was at the last compaction. */
  compactedBelow: "compacted-below",
  numberIndex: "number-index",
} as const;

export class EvmStore {
  private readonly env: RootDatabase;
  private readonly chain: NodeDatabase;
  private readonly trieDbs: Record<TrieDbName, NodeDatabase>;
  private readonly trieNodes: TrieDatabase;
  private activeTrie: TrieDbName;

  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
    this.env = open({ path: directory, compression: false, maxDbs: 4 });
    const options = { keyEncoding: "ordered-binary", encoding: "binary" } as const;
    this.chain = this.env.openDB({ name: "chain", ...options });
    this.trieDbs = {
      trie: this.env.openDB({ name: "trie", ...options }),
      "trie-b": this.env.openDB({ name: "trie-b", ...options }),
    };
    this.activeTrie = this.chain.get(META.activeTrie)?.toString("utf8") === "trie-b" ? "trie-b" : "trie";
    this.trieNodes = new TrieDatabase(this.trieDbs[this.activeTrie]);
    this.indexBlockNumbers();
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
    const hash = this.chain.get(childKey(parent, sequencerBlockHash));
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
      void this.chain.put(childKey(meta.parentHash, meta.sequencerBlockHash), Buffer.from(meta.hash));
      void this.chain.put(numberKey(meta.number, meta.hash), Buffer.from(meta.hash));
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

  /** Blocks numbered below this are deleted (0: none). */
  get prunedBelow(): bigint {
    return this.metaNumber(META.prunedBelow);
  }

  /** What `prunedBelow` was at the last trie compaction. */
  get compactedBelow(): bigint {
    return this.metaNumber(META.compactedBelow);
  }

  /** Trie nodes and codes on disk. */
  get trieNodeCount(): number {
    return this.trieNodes.storedCount;
  }

  /**
   * Deletes every stored block (any branch) numbered below `below`, at most `maxNumbers`
   * numbers of them from the oldest, with their receipts, inputs, tx index entries and
   * links, in one transaction. Their trie nodes stay until the next `compactTrie`.
   * Returns how far blocks are now deleted.
   */
  pruneBlocks(below: bigint, maxNumbers: bigint): bigint {
    const from = this.prunedBelow;
    const until = below < from + maxNumbers ? below : from + maxNumbers;
    if (until <= from) return from;
    this.env.transactionSync(() => {
      const doomed: { indexKey: string; hash: Uint8Array }[] = [];
      for (const { key: indexKey, value } of this.chain.getRange({
        start: key("num", from),
        end: key("num", until),
      })) {
        doomed.push({ indexKey, hash: new Uint8Array(value) });
      }
      for (const { indexKey, hash } of doomed) {
        this.deleteBlock(hash);
        void this.chain.remove(indexKey);
      }
      void this.chain.put(META.prunedBelow, Buffer.from(until.toString()));
    });
    return until;
  }

  /**
   * Mark and sweep: copies the trie nodes (and codes) that the state of every stored block
   * reaches into the other trie database, switches to it and empties the old one, all in one
   * transaction. A crash (or an error) before it commits leaves the store exactly as it was.
   * `onCopied` sees the count of entries copied so far. Returns the counts before and after.
   */
  compactTrie(onCopied?: (copied: number) => void): { before: number; after: number } {
    const before = this.trieNodes.storedCount;
    const next: TrieDbName = this.activeTrie === "trie" ? "trie-b" : "trie";
    const roots = this.storedStateRoots();
    let after = 0;
    this.env.transactionSync(() => {
      after = this.trieNodes.compactInto(this.trieDbs[next], roots, onCopied);
      void this.chain.put(META.activeTrie, Buffer.from(next));
      void this.chain.put(META.compactedBelow, Buffer.from(this.prunedBelow.toString()));
    });
    this.activeTrie = next;
    this.trieNodes.use(this.trieDbs[next]);
    return { before, after };
  }

  async close(): Promise<void> {
    await this.env.close();
  }

  /** Everything about one block; its canonical and tx index entries only where they name it. */
  private deleteBlock(hash: Uint8Array): void {
    const meta = this.block(hash)?.meta;
    for (const receipt of this.receipts(hash)) {
      if (this.txLocation(receipt.transactionHash)?.blockHash === toHex(hash)) {
        void this.chain.remove(key("tx", receipt.transactionHash));
      }
    }
    for (const kind of ["block", "meta", "receipts", "inputs"]) void this.chain.remove(key(kind, hash));
    if (!meta) return;
    void this.chain.remove(childKey(meta.parentHash, meta.sequencerBlockHash));
    const canonical = this.canonicalHash(meta.number);
    if (canonical && bytesEqual(canonical, hash)) void this.chain.remove(key("canon", meta.number));
  }

  /** The state roots of every stored block, on any branch: what compaction keeps. */
  private storedStateRoots(): Uint8Array[] {
    const roots: Uint8Array[] = [];
    for (const { value: hash } of this.chain.getRange({
      start: key("num", this.prunedBelow),
      end: NUMBER_INDEX_END,
    })) {
      const meta = this.block(new Uint8Array(hash))?.meta;
      if (meta) roots.push(meta.stateRoot);
    }
    return roots;
  }

  /** Stores written before the number index existed get it once, from their blocks' metadata. */
  private indexBlockNumbers(): void {
    if (this.chain.get(META.numberIndex)) return;
    this.env.transactionSync(() => {
      for (const { value } of this.chain.getRange({ start: "meta/", end: "meta0" })) {
        const meta = ExecutedBlockCodec.decode(new Uint8Array(value));
        void this.chain.put(numberKey(meta.number, meta.hash), Buffer.from(meta.hash));
      }
      void this.chain.put(META.numberIndex, Buffer.from("1"));
    });
  }

  private metaNumber(id: string): bigint {
    const stored = this.chain.get(id);
    return stored ? BigInt(stored.toString("utf8")) : 0n;
  }

  private decoded<T>(id: string, decode: (bytes: Uint8Array) => T): T | undefined {
    const stored = this.chain.get(id);
    return stored ? decode(new Uint8Array(stored)) : undefined;
  }
}
