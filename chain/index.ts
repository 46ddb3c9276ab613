/**
 * The chain's public surface: node RPC and signed blocks, the client and its tx sender, tx
 * decoding, block layout, and supervised `metro` child processes.
 */
export { injectedTxCount } from "./app/block-layout.js";
export { keyringDir, readKey } from "./client/keyring.js";
export { operatorAccountIndex, TEST_MNEMONIC, walletFromMnemonic } from "./client/keys.js";
export { fetchAccount, type LoadAccount } from "./client/load.js";
export { OfflineSigner } from "./client/offline.js";
export {
  largestTxBytes,
  QueryFailedError,
  queryBlockRollups,
  queryChallenges,
  queryOracleFaults,
  queryOracleInputs,
  queryOracleParams,
  queryPairs,
  queryParams,
  queryPrice,
  queryRollup,
  queryRollupHeader,
  queryValidatorRecord,
} from "./client/queries.js";
export {
  type ChainTerms,
  expectedSequence,
  MetroTxRefusedError,
  MetroTxSender,
  readChainTerms,
  signAtMinimumFee,
} from "./client/sender.js";
export { connectSigner, sequenceMsg } from "./client/signing.js";
export { FAULT_UNITS_PER_BLOCK } from "./modules/oracle-penalties.js";
export { blsKeyPath, DEVNET_CHAIN_ID, loadOrCreateBlsKey } from "./node/home.js";
export {
  abciQuery,
  appCommittedHeight,
  type BroadcastOutcome,
  blockMaxBytes,
  broadcastTxs,
  describeFetchError,
  HeightPrunedError,
  nodeStatus,
  RpcError,
  rpcGet,
} from "./node/rpc.js";
export { type SignedBlockData, signedBlockAt, validatorsAt } from "./node/signed-block.js";
export { SupervisedProcess } from "./node/supervised.js";
export { decodeTx, MSG_SEQUENCE_TYPE_URL } from "./tx/decode.js";
