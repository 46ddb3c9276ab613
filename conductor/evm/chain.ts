/**
 * The reference execution engine: an EVM (ethereumjs, Cancun rules) that executes Metro's
 * ordered rollup data lazily. A sequenced tx that cannot run (undecodable, bad signature,
 * wrong chain, bad nonce, no funds) is skipped, the same way on every node, and never halts
 * the rollup. Before user txs, each block writes the verified Metro prices into MetroOracle.
 */
import { type Block, createBlock, createBlockFromRLP } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import type { TypedTransaction } from "@ethereumjs/tx";
import {
  Account,
  type Address,
  bytesToHex,
  createAddressFromString,
  hexToBytes,
  MapDB,
  setLengthLeft,
} from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import { bytesEqual, toHex } from "../../core/bytes.js";
import { minAmount } from "../../core/decimal.js";
import {
  AncestorHashes,
  type AssembledBlock,
  createRollupVM,
  type ExecutedTx,
  executeRollupBlock,
  OracleUpdateError,
  type RollupBlockInputs,
  recordWitness,
  rollupCommon,
  type StateWitness,
} from "../../core/evm/index.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { rollupDataRoot } from "../../core/rollup-header.js";
import {
  type CommitmentState,
  type ExecuteBlockRequest,
  type ExecuteBlockResponse,
  type ExecutedBlock,
  type ExecutionEngine,
  ExecutionError,
  type GenesisInfo,
  type GetBlockRequest,
} from "../execution/api.js";
import type { RollupGenesis } from "./genesis.js";
import { Retention, type RetentionOptions } from "./retention.js";
import type { EvmStore, StoredReceipt } from "./store.js";

export { rollupCommon };

/** An ancestor's header from the store, for BLOCKHASH (core/evm AncestorHashes). */
function storedHeader(store: EvmStore): (hash: Uint8Array) => Uint8Array | undefined {
  return (hash) => {
    const found = store.block(hash);
    return found ? RLP.encode((RLP.decode(found.rlp) as Uint8Array[])[0]) : undefined;
  };
}

/** Blocks this process executed (not those of earlier runs), for metrics. */
export interface EvmChainStats {
  blocks: number;
  txs: number;
  /** Txs a block left out (invalid nonce, not enough funds...). */
  skippedTxs: number;
  gasUsed: number;
}

export class EvmChain implements ExecutionEngine {
  readonly stats: EvmChainStats = { blocks: 0, txs: 0, skippedTxs: 0, gasUsed: 0 };
  private queue: Promise<unknown> = Promise.resolve();
  readonly retention: Retention;

  private constructor(
    readonly store: EvmStore,
    readonly common: Common,
    readonly info: GenesisInfo,
    private readonly vm: VM,
    readonly feeRecipient: Address,
    retention: RetentionOptions,
  ) {
    this.retention = new Retention(store, retention);
  }

  /**
   * Opens the chain in `store`, writing `genesis` first if the store is new. `retention` bounds
   * what the store keeps (every block by default).
   */
  static async open(
    store: EvmStore,
    genesis: RollupGenesis,
    retention: RetentionOptions = { keepBlocks: 0 },
  ): Promise<EvmChain> {
    const common = rollupCommon(genesis.chainId);
    const ancestors = new AncestorHashes(storedHeader(store));
    const vm = await createRollupVM({ common, db: store.trie, ancestors });
    const existing = store.genesis();
    const feeRecipient = createAddressFromString(genesis.feeRecipient);
    if (existing) {
      if (
        existing.chainId !== BigInt(genesis.chainId) ||
        !bytesEqual(existing.rollupId, rollupIdFromName(genesis.name))
      ) {
        throw new ExecutionError(
          "invalid_request",
          `the data directory holds chain ${existing.chainId}, not ${genesis.name} (${genesis.chainId})`,
        );
      }
      return new EvmChain(store, common, existing, vm, feeRecipient, retention);
    }
    const block = await writeGenesisState(vm, common, genesis);
    const meta = blockMeta(block, 0n, new Uint8Array(32), rollupDataRoot([]));
    const info: GenesisInfo = {
      rollupId: rollupIdFromName(genesis.name),
      sequencerStartHeight: BigInt(genesis.sequencerStartHeight),
      chainId: BigInt(genesis.chainId),
      genesisHash: block.hash(),
    };
    await store.putGenesis(info, block.serialize(), meta);
    return new EvmChain(store, common, info, vm, feeRecipient, retention);
  }

  async getGenesisInfo(): Promise<GenesisInfo> {
    return this.info;
  }

  async getCommitmentState(): Promise<CommitmentState> {
    const state = this.store.commitment();
    if (!state) throw new ExecutionError("internal", "no commitment state: the store has no genesis");
    return state;
  }

  async getBlock(request: GetBlockRequest): Promise<ExecutedBlock | undefined> {
    const hash = request.hash.length > 0 ? request.hash : this.store.canonicalHash(request.number);
    return hash ? this.store.block(hash)?.meta : undefined;
  }

  /** A stored block by hash, decoded. */
  ethBlock(hash: Uint8Array): { block: Block; meta: ExecutedBlock } | undefined {
    const found = this.store.block(hash);
    if (!found) return undefined;
    return { block: createBlockFromRLP(found.rlp, { common: this.common }), meta: found.meta };
  }

  executeBlock(request: ExecuteBlockRequest): Promise<ExecuteBlockResponse> {
    return this.serialized(() => this.execute(request));
  }

  updateCommitmentState(state: CommitmentState): Promise<CommitmentState> {
    return this.serialized(() => this.commit(state));
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async execute(request: ExecuteBlockRequest): Promise<ExecuteBlockResponse> {
    const parent = this.ethBlock(request.parentHash);
    if (!parent) {
      throw new ExecutionError("unknown_parent", `no block ${toHex(request.parentHash)} to build on`);
    }
    const already = this.store.executedChild(request.parentHash, request.sequencerBlockHash);
    const known = already ? this.store.block(already)?.meta : undefined;
    if (known) return { block: known, skipped: [] };
    // Metro heights usually follow the parent's by one, but not across a fork to another
    // Metro network: the conductor, which knows the forks, owns that rule.
    if (request.sequencerHeight === 0n) {
      throw new ExecutionError("invalid_request", "a rollup block needs the Metro height it executes");
    }
    const inputs: RollupBlockInputs = {
      transactions: request.transactions,
      timestamp: request.timestamp,
      prices: request.prices,
      sequencerHeight: request.sequencerHeight,
      sequencerBlockHash: request.sequencerBlockHash,
      coinbase: this.feeRecipient,
    };
    let assembled: AssembledBlock;
    try {
      assembled = await executeRollupBlock(this.vm, this.common, parent.block.header, inputs);
    } catch (error) {
      if (error instanceof OracleUpdateError) throw new ExecutionError("internal", error.message);
      throw error;
    }
    const { block, executed, skipped } = assembled;
    const meta = blockMeta(
      block,
      request.sequencerHeight,
      request.sequencerBlockHash,
      rollupDataRoot(request.transactions),
    );
    await this.store.putBlock(block.serialize(), meta, receiptsOf(block, executed), inputs);
    this.stats.blocks++;
    this.stats.txs += executed.length;
    this.stats.skippedTxs += skipped.length;
    this.stats.gasUsed += Number(block.header.gasUsed);
    return { block: meta, skipped };
  }

  /**
   * What a challenger of block `hash` sends Metro (MsgChallengeHeader): the parent's header
   * (RLP), which the previous rollup header's block hash binds, and the block's pre-state witness.
   */
  async fraudProof(hash: Uint8Array): Promise<{ parentHeader: Uint8Array; witness: StateWitness }> {
    const witness = await this.witnessFor(hash);
    const parentHash = this.ethBlock(hash)!.meta.parentHash;
    return { parentHeader: this.ethBlock(parentHash)!.block.header.serialize(), witness };
  }

  /**
   * The pre-state witness of stored block `hash`: what its execution reads from its parent's
   * state (and the ancestor headers BLOCKHASH reads), recorded by executing it again from its
   * stored inputs over the parent's state. Nothing stored changes.
   */
  async witnessFor(hash: Uint8Array): Promise<StateWitness> {
    const found = this.ethBlock(hash);
    if (!found) throw new ExecutionError("not_found", `no block ${toHex(hash)}`);
    const parent = this.ethBlock(found.meta.parentHash);
    if (!parent) throw new ExecutionError("invalid_request", `block ${toHex(hash)} has no parent: genesis`);
    const inputs = this.store.blockInputs(hash);
    if (!inputs) throw new ExecutionError("not_found", `the inputs of block ${toHex(hash)} are not stored`);
    const { assembled, witness } = await recordWitness({
      common: this.common,
      store: this.store.trie,
      headers: storedHeader(this.store),
      parent: parent.block.header,
      inputs,
    });
    if (!bytesEqual(assembled.block.hash(), hash)) {
      throw new ExecutionError(
        "internal",
        `executing block ${toHex(hash)} again gave ${toHex(assembled.block.hash())}: execution is not deterministic`,
      );
    }
    return witness;
  }

  private async commit(state: CommitmentState): Promise<CommitmentState> {
    const soft = this.store.block(state.soft.hash)?.meta;
    const firm = this.store.block(state.firm.hash)?.meta;
    if (!soft || !firm) throw new ExecutionError("invalid_commitment", "soft or firm block is unknown");
    if (firm.number > soft.number) {
      throw new ExecutionError("invalid_commitment", `firm ${firm.number} is above soft ${soft.number}`);
    }
    const previous = await this.getCommitmentState();
    if (firm.number < previous.firm.number) {
      throw new ExecutionError("invalid_commitment", `firm cannot move back from ${previous.firm.number}`);
    }
    const newlyCanonical: ExecutedBlock[] = [];
    for (
      let block: ExecutedBlock | undefined = soft;
      block;
      block = this.store.block(block.parentHash)?.meta
    ) {
      const canonical = this.store.canonicalHash(block.number);
      if (canonical && bytesEqual(canonical, block.hash)) break;
      newlyCanonical.unshift(block);
    }
    if (!this.isAncestor(firm, soft)) {
      throw new ExecutionError("invalid_commitment", "the firm block is not an ancestor of the soft block");
    }
    const next: CommitmentState = { soft, firm, firmDaHeight: state.firmDaHeight };
    await this.store.commit(next, newlyCanonical, previous.soft.number);
    this.retention.apply(next.firm.number);
    return next;
  }

  private isAncestor(ancestor: ExecutedBlock, block: ExecutedBlock): boolean {
    let current: ExecutedBlock | undefined = block;
    while (current && current.number > ancestor.number) current = this.store.block(current.parentHash)?.meta;
    return current !== undefined && bytesEqual(current.hash, ancestor.hash);
  }

  /** A VM over the state after block `hash`, for calls and estimates: never the executing one. */
  async vmAt(hash: Uint8Array): Promise<VM> {
    const found = this.ethBlock(hash);
    if (!found) throw new ExecutionError("not_found", `no block ${toHex(hash)}`);
    const ancestors = new AncestorHashes(storedHeader(this.store)).from(found.block.header);
    return createRollupVM({
      common: this.common,
      db: this.store.trie,
      ancestors,
      root: found.block.header.stateRoot,
    });
  }
}

/** The hash of `genesis`'s block 0: what Metro's registration of the rollup binds. */
export async function genesisBlockHash(genesis: RollupGenesis): Promise<Uint8Array> {
  const common = rollupCommon(genesis.chainId);
  const ancestors = new AncestorHashes(() => undefined);
  const vm = await createRollupVM({ common, db: new MapDB<string, string | Uint8Array>(), ancestors });
  return (await writeGenesisState(vm, common, genesis)).hash();
}

async function writeGenesisState(vm: VM, common: Common, genesis: RollupGenesis): Promise<Block> {
  const state = vm.stateManager;
  for (const [address, entry] of Object.entries(genesis.alloc)) {
    const at = createAddressFromString(address);
    await state.putAccount(at, new Account(BigInt(entry.nonce), BigInt(entry.balance)));
    if (entry.code) await state.putCode(at, hexToBytes(entry.code as `0x${string}`));
    for (const [slot, value] of Object.entries(entry.storage ?? {})) {
      await state.putStorage(
        at,
        setLengthLeft(hexToBytes(slot as `0x${string}`), 32),
        hexToBytes(value as `0x${string}`),
      );
    }
  }
  const stateRoot = await state.getStateRoot();
  return createBlock(
    {
      header: {
        number: 0n,
        timestamp: BigInt(genesis.timestamp),
        gasLimit: BigInt(genesis.gasLimit),
        baseFeePerGas: common.param("initialBaseFee"),
        // Every block names the fee recipient, the genesis too: a re-execution of block 1 takes
        // it from its parent's header, which the rollup's registration binds by hash.
        coinbase: createAddressFromString(genesis.feeRecipient),
        stateRoot,
        parentBeaconBlockRoot: new Uint8Array(32),
      },
    },
    { common },
  );
}

function blockMeta(
  block: Block,
  sequencerHeight: bigint,
  sequencerBlockHash: Uint8Array,
  dataHash: Uint8Array,
): ExecutedBlock {
  return {
    number: block.header.number,
    hash: block.hash(),
    parentHash: block.header.parentHash,
    timestamp: block.header.timestamp,
    sequencerHeight,
    sequencerBlockHash,
    dataHash,
    stateRoot: block.header.stateRoot,
  };
}

function receiptsOf(block: Block, executed: readonly ExecutedTx[]): StoredReceipt[] {
  const baseFee = block.header.baseFeePerGas ?? 0n;
  return executed.map(({ tx, result }) => ({
    transactionHash: bytesToHex(tx.hash()),
    from: tx.getSenderAddress().toString(),
    to: tx.to?.toString() ?? null,
    contractAddress: result.createdAddress?.toString() ?? null,
    type: tx.type,
    status: result.execResult.exceptionError ? 0 : 1,
    gasUsed: result.totalGasSpent.toString(),
    cumulativeGasUsed: result.receipt.cumulativeBlockGasUsed.toString(),
    effectiveGasPrice: effectiveGasPrice(tx, baseFee).toString(),
    logsBloom: bytesToHex(result.receipt.bitvector),
    logs: result.receipt.logs.map(([address, topics, data]) => ({
      address: bytesToHex(address),
      topics: topics.map((topic) => bytesToHex(topic)),
      data: bytesToHex(data),
    })),
  }));
}

export function effectiveGasPrice(tx: TypedTransaction, baseFee: bigint): bigint {
  if ("maxFeePerGas" in tx) {
    const tip = minAmount(tx.maxPriorityFeePerGas, tx.maxFeePerGas - baseFee);
    return baseFee + tip;
  }
  return (tx as { gasPrice: bigint }).gasPrice;
}
