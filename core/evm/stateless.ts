/**
 * Stateless re-execution: a rollup block run over nothing but a pre-state witness, as Metro
 * does to judge a fraud challenge. Every lookup is by hash, so a witness cannot lie about the
 * state, only leave something out, and anything left out fails the run with
 * IncompleteWitnessError: never read as an empty account, empty storage or empty code.
 */
import { createBlockHeaderFromRLP } from "@ethereumjs/block";
import { type BatchDBOp, bytesToHex, unprefixedHexToBytes } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { IncompleteWitnessError } from "./errors.js";
import { executeRollupBlock, type RollupBlockInputs } from "./execute.js";
import { AncestorHashes, createRollupVM, rollupCommon, type TrieNodeDatabase } from "./vm.js";
import { CODE_KEY_PREFIX, EMPTY_TRIE_KEY, type StateWitness } from "./witness.js";

export interface StatelessResult {
  blockHash: Uint8Array;
  stateRoot: Uint8Array;
}

const unprefixed = (bytes: Uint8Array) => bytesToHex(bytes).slice(2);

/**
 * The witness's nodes keyed by their keccak hash and its codes by code hash, as the trie
 * expects them, plus what the execution writes. The first key asked for that it does not hold
 * fails the run, and every read after that fails too.
 */
class WitnessDatabase implements TrieNodeDatabase {
  private readonly values = new Map<string, Uint8Array>();
  private failure: IncompleteWitnessError | undefined;

  constructor(
    witness: StateWitness,
    private readonly onMissing: (error: IncompleteWitnessError) => void,
  ) {
    for (const node of witness.nodes) {
      const key = unprefixed(keccak_256(node));
      // The empty trie's "node" (0x80) is never stored: a trie reads it as absent.
      if (key !== EMPTY_TRIE_KEY) this.values.set(key, node);
    }
    for (const code of witness.codes) this.values.set(CODE_KEY_PREFIX + unprefixed(keccak_256(code)), code);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.failure) throw this.failure;
    const value = this.values.get(key);
    if (value !== undefined) return value;
    // The empty trie has no node: the trie reads its absence as "empty", rightly.
    if (key === EMPTY_TRIE_KEY) return undefined;
    this.failure =
      key.length === 64
        ? new IncompleteWitnessError("node", `0x${key}`)
        : new IncompleteWitnessError("code", `0x${key.slice(CODE_KEY_PREFIX.length)}`);
    this.onMissing(this.failure);
    throw this.failure;
  }

  async put(key: string, value: string | Uint8Array): Promise<void> {
    this.values.set(key, typeof value === "string" ? unprefixedHexToBytes(value) : value);
  }

  async del(): Promise<void> {}

  async batch(ops: BatchDBOp<string, string | Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === "put") await this.put(op.key, op.value);
  }

  shallowCopy(): TrieNodeDatabase {
    return this;
  }

  async open(): Promise<void> {}
}

/**
 * Re-executes the rollup block on `parentHeader` (RLP of the parent EVM block header) from
 * `inputs`, over the state in `witness` only. Gives exactly the block the EVM node builds from
 * the same inputs; throws IncompleteWitnessError when the witness lacks a node, a code or an
 * ancestor header the execution reads.
 */
export async function reexecuteStateless(
  parentHeader: Uint8Array,
  inputs: RollupBlockInputs,
  witness: StateWitness,
  chainId: number | bigint,
): Promise<StatelessResult> {
  if (BigInt(chainId) <= 0n || BigInt(chainId) > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`chain id ${chainId} is out of range`);
  }
  const common = rollupCommon(Number(chainId));
  const parent = createBlockHeaderFromRLP(parentHeader, { common });
  // ethereumjs swallows some errors (a failed balance update becomes an EVM error) and can hang
  // on others (a trie lock held by the failed write): the first gap ends the run, whatever
  // the execution then does.
  let abort: (error: IncompleteWitnessError) => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    abort = reject;
  });
  const db = new WitnessDatabase(witness, (error) => abort(error));
  const headers = new Map(witness.headers.map((header) => [bytesToHex(keccak_256(header)), header]));
  const ancestors = new AncestorHashes((hash) => {
    const header = headers.get(bytesToHex(hash));
    if (header) return header;
    const error = new IncompleteWitnessError("header", bytesToHex(hash));
    abort(error);
    throw error;
  });
  const vm = await createRollupVM({ common, db, ancestors });
  const { block } = await Promise.race([executeRollupBlock(vm, common, parent, inputs), aborted]);
  return { blockHash: block.hash(), stateRoot: block.header.stateRoot };
}
