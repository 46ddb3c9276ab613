/**
 * The deterministic rollup block function of Metro's reference EVM rollup, shared by the EVM
 * node (conductor/evm) and by Metro's stateless re-execution of disputed blocks.
 *
 * A block is executeRollupBlock(parent header, inputs) on the parent's state: Cancun rules,
 * MetroOracle's system call with the prices first, then the txs that can run.
 *
 * BLOCKHASH keeps Ethereum's rule (the hashes of the 256 blocks below, zero beyond) over the
 * block's own ancestors. The parent's hash is the parent header's; older ones come from their
 * headers, walked back by parent hash: the node reads them from its store, and the witness
 * carries the ones the block read, checked by hash against the parent header's chain. A
 * block that reads no older ancestor has no headers in its witness.
 */

export type { AssembledBlock, ExecutedTx } from "./assemble.js";
export { EcrecoverError, nativeEcrecover } from "./crypto.js";
export { IncompleteWitnessError, OracleUpdateError } from "./errors.js";
export {
  decodeRollupTx,
  executeRollupBlock,
  type Price,
  type RollupBlockInputs,
  writeOraclePrices,
} from "./execute.js";
export { reexecuteStateless, type StatelessResult } from "./stateless.js";
export {
  AncestorHashes,
  createRollupVM,
  type HeaderLookup,
  rollupCommon,
  type TrieNodeDatabase,
} from "./vm.js";
export {
  CODE_KEY_PREFIX,
  decodeStateWitness,
  EMPTY_TRIE_KEY,
  encodeStateWitness,
  type RecordedBlock,
  recordWitness,
  type StateWitness,
  witnessSize,
} from "./witness.js";
