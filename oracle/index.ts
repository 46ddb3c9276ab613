/** The oracle library's public surface: what the chain and a rollup's conductor share. */
export { type Aggregation, type AgreedPrice, aggregateVotes, type CommittedVote } from "./aggregate.js";
export {
  BlockPricesError,
  type BlockPricesOptions,
  blockPriceList,
  blockPrices,
  type PricedBlock,
} from "./block-prices.js";
export { stakeWeightedMedian, type WeightedReport } from "./median.js";
export { type OracleInputs, oracleInputs } from "./state.js";
export { type CurrencyPair, decodeOracleVote, encodeOracleVote, type PriceReport } from "./vote.js";
