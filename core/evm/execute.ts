/**
 * The rollup block function: what one rollup block is, given its parent and what Metro
 * ordered for it. The EVM node runs it on its persistent state; Metro runs it statelessly over
 * a challenger's witness (stateless.ts). Both must reach the same block from the same inputs.
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { type Address, createAddressFromString, hexToBytes, setLengthLeft } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import { encodeOracleUpdate, ORACLE_ADDRESS, SYSTEM_ADDRESS } from "../../contracts/index.js";
import { type AssembledBlock, assembleBlock } from "./assemble.js";
import { OracleUpdateError } from "./errors.js";
import { AncestorHashes } from "./vm.js";

/** One price as Metro agreed on it: a fixed-point integer with `decimals` decimals. */
export interface Price {
  pair: string;
  decimals: number;
  price: bigint;
}

/** Everything a rollup block depends on besides its parent: Metro's, and the rollup's fee recipient. */
export interface RollupBlockInputs {
  /** The rollup's items at that Metro height, as sequenced; the ones that cannot run are skipped. */
  transactions: readonly Uint8Array[];
  /** Metro's block time, in Unix seconds (raised to the parent's if it were lower). */
  timestamp: bigint;
  /** Metro's prices at that height; written into MetroOracle before the txs. */
  prices: readonly Price[];
  sequencerHeight: bigint;
  /** Metro's block hash: the block's mixHash (prevrandao). */
  sequencerBlockHash: Uint8Array;
  /** The rollup genesis's fee recipient. */
  coinbase: Address;
}

/** Enough gas for MetroOracle to take a few dozen pairs; system calls do not use block gas. */
const ORACLE_UPDATE_GAS = 30_000_000n;

/**
 * A sequenced tx as the rollup runs it, or undefined when it is skipped: undecodable,
 * unsigned, a bad signature, or a blob tx (the rollup has no blobs). A wrong chain id fails
 * to decode against the rollup's Common.
 */
export function decodeRollupTx(raw: Uint8Array, common: Common): TypedTransaction | undefined {
  try {
    const tx = createTxFromRLP(raw, { common });
    if (!tx.isSigned() || !tx.verifySignature() || tx.type === 3) return undefined;
    return tx;
  } catch {
    return undefined;
  }
}

/**
 * The EIP-4788-style system call into MetroOracle: `update(sequencerHeight, timestamp, prices)`
 * from SYSTEM_ADDRESS, outside block gas. Nothing happens without prices or without an oracle.
 */
export async function writeOraclePrices(
  vm: VM,
  inputs: Pick<RollupBlockInputs, "prices" | "sequencerHeight">,
  timestamp: bigint,
): Promise<void> {
  if (inputs.prices.length === 0) return;
  const oracle = createAddressFromString(ORACLE_ADDRESS);
  if ((await vm.stateManager.getCode(oracle)).length === 0) return;
  const system = createAddressFromString(SYSTEM_ADDRESS);
  const systemAccount = await vm.stateManager.getAccount(system);
  const data = encodeOracleUpdate(
    inputs.sequencerHeight,
    timestamp,
    inputs.prices.map((p) => ({ pair: p.pair, decimals: p.decimals, answer: p.price })),
  );
  const result = await vm.evm.runCall({
    caller: system,
    to: oracle,
    data: hexToBytes(data),
    gasLimit: ORACLE_UPDATE_GAS,
    block: undefined,
  });
  if (result.execResult.exceptionError) {
    throw new OracleUpdateError(
      `MetroOracle update at Metro height ${inputs.sequencerHeight} failed: ${result.execResult.exceptionError.error}`,
    );
  }
  if (systemAccount === undefined) await vm.stateManager.deleteAccount(system);
}

/**
 * Executes the rollup block on `parent` from `inputs` on `vm` (from createRollupVM), whose
 * state it first resets to the parent's state root and whose BLOCKHASH it points at the
 * parent's ancestors. Header: number = parent + 1, the parent's gas limit, the next base fee and
 * excess blob gas, `coinbase`, mixHash = Metro's block hash, a zero parent beacon root.
 */
export async function executeRollupBlock(
  vm: VM,
  common: Common,
  parent: BlockHeader,
  inputs: RollupBlockInputs,
): Promise<AssembledBlock> {
  if (!(vm.blockchain instanceof AncestorHashes))
    throw new TypeError("the VM does not come from createRollupVM");
  vm.blockchain.from(parent);
  await vm.stateManager.setStateRoot(parent.stateRoot);
  // Ethereum tools expect time never to run backwards; Metro's BFT time does not, but be sure.
  const timestamp = inputs.timestamp > parent.timestamp ? inputs.timestamp : parent.timestamp;
  return assembleBlock(
    vm,
    common,
    parent,
    {
      timestamp,
      coinbase: inputs.coinbase,
      // Metro's block hash: unpredictable before Metro commits, the same for every node after.
      mixHash: setLengthLeft(inputs.sequencerBlockHash, 32),
    },
    inputs.transactions.map((raw) => decodeRollupTx(raw, common)),
    () => writeOraclePrices(vm, inputs, timestamp),
  );
}
