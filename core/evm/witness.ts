/**
 * Pre-state witnesses: while a node executes a rollup block, every trie node and contract
 * code the execution reads from the parent's state, and every ancestor header BLOCKHASH reads.
 * That is exactly what stateless re-execution of the same block needs (stateless.ts).
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import {
  type BatchDBOp,
  bytesToBigInt,
  bytesToHex,
  KECCAK256_RLP,
  KeyEncoding,
  unprefixedHexToBytes,
  ValueEncoding,
} from "@ethereumjs/util";
import type { AssembledBlock } from "./assemble.js";
import { executeRollupBlock, type RollupBlockInputs } from "./execute.js";
import { AncestorHashes, createRollupVM, type HeaderLookup, type TrieNodeDatabase } from "./vm.js";

/** What a block reads from its pre-state. Each list is deduplicated and in a fixed order. */
export interface StateWitness {
  /** RLP trie nodes of the account and storage tries, ordered by their keccak hash. */
  nodes: Uint8Array[];
  /** Contract codes, ordered by code hash. */
  codes: Uint8Array[];
  /** RLP headers of the ancestors below the parent that BLOCKHASH reads, newest first. */
  headers: Uint8Array[];
}

/** The empty trie's root: the one node no database holds, read as "empty" in both modes. */
export const EMPTY_TRIE_KEY = bytesToHex(KECCAK256_RLP).slice(2);
/** ethereumjs keys contract code by "c" ‖ code hash, next to the trie nodes. */
export const CODE_KEY_PREFIX = "63";

const asBytes = (value: string | Uint8Array): Uint8Array =>
  typeof value === "string" ? unprefixedHexToBytes(value) : value;

/**
 * Reads through to the node's store and remembers every value read there; writes stay in an
 * overlay (the store is never changed), and a key written during the block is not pre-state.
 */
class RecordingDatabase implements TrieNodeDatabase {
  private readonly written = new Map<string, Uint8Array>();
  readonly read = new Map<string, Uint8Array>();
  readonly missing = new Set<string>();

  constructor(private readonly store: TrieNodeDatabase) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const known = this.written.get(key) ?? this.read.get(key);
    if (known !== undefined) return known;
    const stored = await this.store.get(key, {
      keyEncoding: KeyEncoding.String,
      valueEncoding: ValueEncoding.Bytes,
    });
    if (stored === undefined) {
      if (key !== EMPTY_TRIE_KEY) this.missing.add(key);
      return undefined;
    }
    const value = asBytes(stored);
    this.read.set(key, value);
    return value;
  }

  async put(key: string, value: string | Uint8Array): Promise<void> {
    this.written.set(key, asBytes(value));
  }

  /** Nodes are content-addressed; like the node's store, never delete one. */
  async del(): Promise<void> {}

  async batch(ops: BatchDBOp<string, string | Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === "put") this.written.set(op.key, asBytes(op.value));
  }

  shallowCopy(): TrieNodeDatabase {
    return this;
  }

  async open(): Promise<void> {}
}

export interface RecordedBlock {
  assembled: AssembledBlock;
  witness: StateWitness;
}

/**
 * Executes the block on `parent` from `inputs` over `store` (a node's trie database, left
 * unchanged) with a fresh VM, recording its witness. `headers` finds ancestor headers by hash.
 */
export async function recordWitness(options: {
  common: Common;
  store: TrieNodeDatabase;
  headers: HeaderLookup;
  parent: BlockHeader;
  inputs: RollupBlockInputs;
}): Promise<RecordedBlock> {
  const { common, parent, inputs } = options;
  const recording = new RecordingDatabase(options.store);
  const headers = new Map<string, Uint8Array>();
  const ancestors = new AncestorHashes((hash) => {
    const header = options.headers(hash);
    if (header) headers.set(bytesToHex(hash), header);
    return header;
  });
  const vm = await createRollupVM({ common, db: recording, ancestors });
  const assembled = await executeRollupBlock(vm, common, parent, inputs);
  if (recording.missing.size > 0) {
    const [first] = recording.missing;
    throw new Error(
      `the state lacks ${recording.missing.size} entries the block reads (the first: ${first})`,
    );
  }
  const nodes: Uint8Array[] = [];
  const codes: Uint8Array[] = [];
  for (const key of [...recording.read.keys()].sort()) {
    const value = recording.read.get(key)!;
    if (key.length === 64) nodes.push(value);
    else if (key.length === 66 && key.startsWith(CODE_KEY_PREFIX)) codes.push(value);
    else throw new Error(`unexpected key ${key} in the state database`);
  }
  const byNumber = [...headers.values()].map((header) => ({ header, number: headerNumber(header) }));
  byNumber.sort((a, b) => (a.number > b.number ? -1 : a.number < b.number ? 1 : 0));
  return { assembled, witness: { nodes, codes, headers: byNumber.map(({ header }) => header) } };
}

function headerNumber(header: Uint8Array): bigint {
  const fields = RLP.decode(header) as Uint8Array[];
  return bytesToBigInt(fields[8] ?? new Uint8Array());
}

/** The witness as one RLP list [nodes, codes, headers], for a transaction to carry. */
export function encodeStateWitness(witness: StateWitness): Uint8Array {
  return RLP.encode([witness.nodes, witness.codes, witness.headers]);
}

/** Throws TypeError unless `bytes` is exactly an encoded witness. */
export function decodeStateWitness(bytes: Uint8Array): StateWitness {
  let decoded: unknown;
  try {
    decoded = RLP.decode(bytes);
  } catch (error) {
    throw new TypeError(`a state witness is RLP: ${(error as Error).message}`);
  }
  const isList = (value: unknown): value is Uint8Array[] =>
    Array.isArray(value) && value.every((item) => item instanceof Uint8Array);
  if (!Array.isArray(decoded) || decoded.length !== 3 || !decoded.every(isList)) {
    throw new TypeError("a state witness is a list of three lists of byte strings");
  }
  const [nodes, codes, headers] = decoded as Uint8Array[][];
  return { nodes: nodes!, codes: codes!, headers: headers! };
}

/** Bytes of the witness's contents (nodes, codes and headers), without encoding overhead. */
export function witnessSize(witness: StateWitness): number {
  let size = 0;
  for (const list of [witness.nodes, witness.codes, witness.headers])
    for (const item of list) size += item.length;
  return size;
}
