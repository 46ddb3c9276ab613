/**
 * The rollup EVM's configuration, shared by the EVM node and by stateless re-execution: Cancun
 * rules with native sender recovery, a Merkle state over any node database, and the ancestor
 * hashes BLOCKHASH reads.
 */
import type { BlockHeader } from "@ethereumjs/block";
import { type Common, createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import type { EVMMockBlockchainInterface } from "@ethereumjs/evm";
import { createMPT, type MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import {
  type Account,
  type Address,
  bytesToBigInt,
  bytesToHex,
  type DB,
  equalsBytes,
} from "@ethereumjs/util";
import { createVM, type VM } from "@ethereumjs/vm";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { nativeEcrecover } from "./crypto.js";

export function rollupCommon(chainId: number): Common {
  return createCustomCommon({ chainId, name: `metro-rollup-${chainId}` }, Mainnet, {
    hardfork: Hardfork.Cancun,
    customCrypto: { ecrecover: nativeEcrecover },
  });
}

/**
 * ethereumjs' MerkleStateManager, except that a failing storage-trie write rejects the
 * operation instead of escaping as an unhandled rejection (the base class runs it in an
 * async Promise executor) and leaving the write pending forever. An honest node never sees the
 * difference; stateless re-execution over an incomplete witness must fail, not hang.
 */
class RollupStateManager extends MerkleStateManager {
  protected override async _modifyContractStorage(
    address: Address,
    account: Account,
    modifyTrie: (storageTrie: MerklePatriciaTrie, done: () => void) => void,
  ): Promise<void> {
    const storageTrie = this._getStorageTrie(address, account);
    await new Promise<void>((resolve, reject) => {
      const pending: unknown = modifyTrie(storageTrie, resolve);
      if (pending instanceof Promise) pending.catch(reject);
    });
    // The rest is the base class's, unchanged (including its cache key).
    this._storageTries[bytesToHex(address.bytes).slice(2)] = storageTrie;
    account.storageRoot = storageTrie.root();
    await this.putAccount(address, account);
  }
}

/** A node database in the shape ethereumjs' MPT expects (unprefixed hex keys). */
export type TrieNodeDatabase = DB<string, string | Uint8Array>;

/** A VM over the state trie in `db`, at `root` if given (else call setStateRoot before use). */
export async function createRollupVM(options: {
  common: Common;
  db: TrieNodeDatabase;
  ancestors: AncestorHashes;
  root?: Uint8Array;
}): Promise<VM> {
  const { common, db, ancestors, root } = options;
  const trie = await createMPT({
    db,
    useKeyHashing: true,
    valueEncoding: "view",
    ...(root ? { root } : {}),
  });
  const stateManager = new RollupStateManager({ trie, common });
  return createVM({ common, stateManager, blockchain: ancestors });
}

/** An ancestor's header (RLP) by its block hash, or undefined. May throw instead. */
export type HeaderLookup = (hash: Uint8Array) => Uint8Array | undefined;

interface Ancestor {
  number: bigint;
  hash: Uint8Array;
  parentHash: Uint8Array;
}

/**
 * What BLOCKHASH reads: the executing block's own ancestors (which are not always the
 * canonical chain), walked back from its parent through `lookup`, each header checked against
 * its child's parent hash. The EVM asks only for the 256 blocks below the executing one, so
 * the parent's hash comes from the parent header and older ones from their headers: the node
 * looks them up in its store, stateless re-execution in the witness (which records them).
 */
export class AncestorHashes implements EVMMockBlockchainInterface {
  /** The parent first, then each block's parent: the chain walked so far. */
  private walked: Ancestor[] = [];

  constructor(private readonly lookup: HeaderLookup) {}

  /** Points BLOCKHASH at the ancestors of a block built on `parent`. */
  from(parent: BlockHeader): this {
    this.walked = [{ number: parent.number, hash: parent.hash(), parentHash: parent.parentHash }];
    return this;
  }

  async getBlock(blockNumber: number): Promise<{ hash(): Uint8Array }> {
    const wanted = BigInt(blockNumber);
    const top = this.walked[0];
    if (!top) throw new Error("BLOCKHASH before the ancestors were set");
    if (wanted > top.number || wanted < 0n) return { hash: () => new Uint8Array(32) };
    let last = this.walked[this.walked.length - 1]!;
    while (last.number > wanted) {
      const header = this.lookup(last.parentHash);
      if (!header) {
        throw new Error(`no header ${bytesToHex(last.parentHash)} (block ${last.number - 1n}) for BLOCKHASH`);
      }
      if (!equalsBytes(keccak_256(header), last.parentHash)) {
        throw new Error(`the header given for ${bytesToHex(last.parentHash)} does not hash to it`);
      }
      const fields = RLP.decode(header) as Uint8Array[];
      const number = bytesToBigInt(fields[8] ?? new Uint8Array());
      if (number !== last.number - 1n || !(fields[0] instanceof Uint8Array)) {
        throw new Error(`the header of ${bytesToHex(last.parentHash)} is not block ${last.number - 1n}`);
      }
      last = { number, hash: last.parentHash, parentHash: fields[0] };
      this.walked.push(last);
    }
    const found = this.walked[Number(top.number - wanted)]!;
    return { hash: () => found.hash };
  }

  async putBlock(): Promise<void> {}

  shallowCopy(): this {
    return this;
  }
}
