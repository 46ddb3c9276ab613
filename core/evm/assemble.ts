/**
 * Builds one rollup block: runs each tx against a header-only context block, skips the ones
 * that cannot run, then seals the block once with its roots. ethereumjs' BlockBuilder would
 * rebuild the whole block on every added tx, which makes a block's cost grow with the square
 * of its tx count.
 */
import {
  type Block,
  type BlockHeader,
  createBlock,
  genTransactionsTrieRoot,
  type HeaderData,
} from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import type { TypedTransaction } from "@ethereumjs/tx";
import { KECCAK256_RLP } from "@ethereumjs/util";
import { Bloom, encodeReceipt, type RunTxResult, runTx, type VM } from "@ethereumjs/vm";
import { IncompleteWitnessError } from "./errors.js";

export interface ExecutedTx {
  tx: TypedTransaction;
  result: RunTxResult;
}

export interface AssembledBlock {
  block: Block;
  executed: ExecutedTx[];
  /** Indexes of the inputs that were not executed. */
  skipped: number[];
}

/** What a block header takes beyond what its parent decides. */
export interface BlockContext {
  timestamp: bigint;
  coinbase: HeaderData["coinbase"];
  mixHash: Uint8Array;
}

export async function assembleBlock(
  vm: VM,
  common: Common,
  parent: BlockHeader,
  context: BlockContext,
  txs: readonly (TypedTransaction | undefined)[],
  beforeTxs: () => Promise<void>,
): Promise<AssembledBlock> {
  const header: HeaderData = {
    number: parent.number + 1n,
    parentHash: parent.hash(),
    timestamp: context.timestamp,
    coinbase: context.coinbase,
    mixHash: context.mixHash,
    gasLimit: parent.gasLimit,
    baseFeePerGas: parent.calcNextBaseFee(),
    excessBlobGas: parent.calcNextExcessBlobGas(common),
    blobGasUsed: 0n,
    parentBeaconBlockRoot: new Uint8Array(32),
  };
  const executionContext = createBlock({ header }, { common });
  await beforeTxs();
  const executed: ExecutedTx[] = [];
  const skipped: number[] = [];
  const bloom = new Bloom(undefined, common);
  let gasUsed = 0n;
  for (const [index, tx] of txs.entries()) {
    if (!tx || tx.gasLimit > executionContext.header.gasLimit - gasUsed) {
      skipped.push(index);
      continue;
    }
    try {
      const result = await runTx(vm, { tx, block: executionContext, blockGasUsed: gasUsed });
      gasUsed += result.blockGasSpent;
      bloom.or(result.bloom);
      executed.push({ tx, result });
    } catch (error) {
      // A witness gap says nothing about the tx: it must fail the re-execution, not skip.
      if (error instanceof IncompleteWitnessError) throw error;
      skipped.push(index); // bad nonce, no funds, intrinsic gas: it never touched the state
    }
  }
  const transactions = executed.map(({ tx }) => tx);
  const block = createBlock(
    {
      header: {
        ...header,
        stateRoot: await vm.stateManager.getStateRoot(),
        transactionsTrie: await genTransactionsTrieRoot(transactions, new MerklePatriciaTrie({ common })),
        receiptTrie: await receiptRoot(common, executed),
        logsBloom: bloom.bitvector,
        gasUsed,
      },
      transactions,
    },
    { common },
  );
  return { block, executed, skipped };
}

async function receiptRoot(common: Common, executed: readonly ExecutedTx[]): Promise<Uint8Array> {
  if (executed.length === 0) return KECCAK256_RLP;
  const trie = new MerklePatriciaTrie({ common });
  for (const [i, { tx, result }] of executed.entries()) {
    await trie.put(RLP.encode(i), encodeReceipt(result.receipt, tx.type));
  }
  return trie.root();
}
