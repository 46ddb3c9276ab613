/**
 * A Chainlink provider: reads AggregatorV3 feeds (`latestRoundData`, `decimals`) over an EVM
 * JSON-RPC endpoint with viem. A round older than `maxAgeSeconds`, or with a non-positive
 * answer, is not a price.
 */
import { type Address, createPublicClient, http, parseAbi } from "viem";
import { fromFixedPoint } from "./feed.js";
import { type PriceProvider, ProviderError, type Quote } from "./providers.js";

const AGGREGATOR_V3 = parseAbi([
  "function decimals() view returns (uint8)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
]);

/** Ethereum mainnet feeds (data.chain.link). */
export const MAINNET_FEEDS: Record<string, Address> = {
  "BTC/USD": "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c",
  "ETH/USD": "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419",
};

export function chainlink(
  feeds: Record<string, Address> = MAINNET_FEEDS,
  maxAgeSeconds = 3600,
): PriceProvider {
  return {
    name: "chainlink",
    defaultUrl: "https://ethereum-rpc.publicnode.com",
    async fetchQuotes(rpcUrl: string, pairs: readonly string[]): Promise<Quote[]> {
      const client = createPublicClient({ transport: http(rpcUrl, { timeout: 3_000, retryCount: 0 }) });
      const quotes: Quote[] = [];
      for (const pair of pairs) {
        const address = feeds[pair];
        if (!address) continue;
        let round: readonly [bigint, bigint, bigint, bigint, bigint];
        let decimals: number;
        try {
          [round, decimals] = await Promise.all([
            client.readContract({ address, abi: AGGREGATOR_V3, functionName: "latestRoundData" }),
            client.readContract({ address, abi: AGGREGATOR_V3, functionName: "decimals" }),
          ]);
        } catch (error) {
          throw new ProviderError(
            `chainlink ${pair} at ${address}: ${(error as Error).message.split("\n")[0]}`,
          );
        }
        const [, answer, , updatedAt] = round;
        if (answer <= 0n) throw new ProviderError(`chainlink ${pair}: answer ${answer} is not a price`);
        if (BigInt(Math.floor(Date.now() / 1000)) - updatedAt > BigInt(maxAgeSeconds)) {
          throw new ProviderError(`chainlink ${pair}: round updated at ${updatedAt} is stale`);
        }
        quotes.push({ pair, price: fromFixedPoint(answer, decimals) });
      }
      return quotes;
    },
  };
}
