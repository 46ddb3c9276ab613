/**
 * The mark phase of the EVM node's trie compaction: every key of the state database that the
 * states at some roots reach. That is each account-trie node, and through each account's leaf
 * its storage trie's nodes and its code. Nodes are content-addressed and shared between
 * states, so each is visited once however many roots reach it.
 */
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, KECCAK256_NULL } from "@ethereumjs/util";
import { bytesEqual } from "../../core/bytes.js";
import { CODE_KEY_PREFIX, EMPTY_TRIE_KEY } from "../../core/evm/index.js";

export class TrieWalkError extends Error {
  override name = "TrieWalkError";
}

type Decoded = Uint8Array | Decoded[];
type Read = (key: string) => Uint8Array | undefined;
type Keep = (key: string, value: Uint8Array) => void;

const unprefixed = (bytes: Uint8Array) => bytesToHex(bytes).slice(2);

/** Calls `keep` once for every key the states at `roots` reach; a missing one is a TrieWalkError. */
export function markReachable(roots: Iterable<Uint8Array>, read: Read, keep: Keep): void {
  new Marker(read, keep).walk(roots);
}

class Marker {
  /** Trie nodes to visit: account-trie nodes first, storage-trie nodes as accounts name them. */
  private readonly accountNodes: string[] = [];
  private readonly storageNodes: string[] = [];
  private readonly seen = {
    accounts: new Set<string>(),
    storage: new Set<string>(),
    codes: new Set<string>(),
  };

  constructor(
    private readonly read: Read,
    private readonly keep: Keep,
  ) {}

  walk(roots: Iterable<Uint8Array>): void {
    for (const root of roots) this.accountNodes.push(unprefixed(root));
    for (;;) {
      const account = this.accountNodes.pop();
      if (account !== undefined) {
        this.visit(account, true);
        continue;
      }
      const storage = this.storageNodes.pop();
      if (storage === undefined) return;
      this.visit(storage, false);
    }
  }

  private visit(key: string, accounts: boolean): void {
    const seen = accounts ? this.seen.accounts : this.seen.storage;
    // The empty trie's root names no stored node.
    if (key === EMPTY_TRIE_KEY || seen.has(key)) return;
    seen.add(key);
    const node = this.stored(key, "state trie node");
    this.children(RLP.decode(node) as Decoded, accounts);
  }

  /** A branch has 16 child slots (its value slot is unused: keys are hashes of one length). */
  private children(node: Decoded, accounts: boolean): void {
    if (!Array.isArray(node)) throw new TrieWalkError("a trie node is not an RLP list");
    if (node.length === 17) {
      for (const child of node.slice(0, 16)) this.reference(child, accounts);
    } else if (node.length === 2) {
      const [path, next] = node as [Uint8Array, Decoded];
      const isLeaf = path.length > 0 && path[0]! >> 4 >= 2;
      if (!isLeaf) this.reference(next, accounts);
      else if (accounts) this.account(next as Uint8Array);
    } else {
      throw new TrieWalkError(`a trie node of ${node.length} items`);
    }
  }

  /** A child is a node's hash, a node embedded whole (under 32 bytes), or empty. */
  private reference(child: Decoded, accounts: boolean): void {
    if (Array.isArray(child)) this.children(child, accounts);
    else if (child.length === 32) (accounts ? this.accountNodes : this.storageNodes).push(unprefixed(child));
  }

  /** An account leaf's value: RLP [nonce, balance, storage root, code hash]. */
  private account(value: Uint8Array): void {
    const [, , storageRoot, codeHash] = RLP.decode(value) as Uint8Array[];
    if (!storageRoot || !codeHash) throw new TrieWalkError("an account leaf is not an account");
    this.storageNodes.push(unprefixed(storageRoot));
    if (bytesEqual(codeHash, KECCAK256_NULL)) return;
    const key = CODE_KEY_PREFIX + unprefixed(codeHash);
    if (this.seen.codes.has(key)) return;
    this.seen.codes.add(key);
    this.stored(key, "contract code");
  }

  private stored(key: string, what: string): Uint8Array {
    const value = this.read(key);
    if (value === undefined) throw new TrieWalkError(`${what} ${key} is missing from the store`);
    this.keep(key, value);
    return value;
  }
}
