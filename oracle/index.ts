/** The oracle library's public surface: what the chain and a rollup's conductor share, and its commands. */
export { type Aggregation, type AgreedPrice, aggregateVotes, type CommittedVote } from "./aggregate.js";
export {
  BlockPricesError,
  type BlockPricesOptions,
  blockAggregation,
  blockPriceList,
  blockPrices,
  type PricedBlock,
  writtenPriceList,
} from "./block-prices.js";
export { devnetSidecar, marketCommand, oracleCommand } from "./cli.js";
export { type DecimalPrices, fromFixedPoint, SidecarPriceFeed, toFixedPoint } from "./feed.js";
export {
  decodeInjectedCommit,
  encodeInjectedCommit,
  InjectionError,
  isInjectedCommitTx,
  verifyInjectedCommit,
} from "./injection.js";
export { stakeWeightedMedian, type WeightedReport } from "./median.js";
export { registerSidecarMetrics } from "./metrics.js";
export { DEFAULT_PAIRS } from "./pairs.js";
export { OracleSidecar } from "./sidecar.js";
export { SimulatedMarket } from "./simulated-market.js";
export {
  decodePairList,
  decodePriceRecord,
  encodePairList,
  encodePriceRecord,
  encodePriceSnapshot,
  type OracleInputs,
  oracleInputs,
  type PriceRecord,
  pairsFrom,
  voteBaseFrom,
  votePairsFrom,
} from "./state.js";
export {
  type CurrencyPair,
  decodeOracleVote,
  encodeOracleVote,
  MAX_VOTE_BYTES,
  type PriceReport,
} from "./vote.js";
