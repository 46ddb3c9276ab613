/**
 * The LST→TIA rate from Stride: the stakeibc host zone's redemption rate, queried through
 * @cosmjs/stargate's QueryClient (ABCI query `/stride.stakeibc.Query/HostZone`). It prices
 * STTIA/TIA, which the staking work turns into voting power.
 */
import { QueryClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { protoCodec } from "../core/proto/codec.js";
import { fromFixedPoint } from "./feed.js";
import { type PriceProvider, ProviderError, type Quote } from "./providers.js";

const RequestCodec = protoCodec<{ chainId: string }>("metro.oracle.v1.StrideHostZoneRequest");
const ResponseCodec = protoCodec<{
  hostZone: { chainId: string; hostDenom: string; redemptionRate: string; halted: boolean } | null;
}>("metro.oracle.v1.StrideHostZoneResponse");

export const HOST_ZONE_QUERY = "/stride.stakeibc.Query/HostZone";
/** cosmos.Dec travels as an integer string with 18 implied decimals. */
const DEC_PLACES = 18;

export function stride(hostChainId = "celestia", pair = "STTIA/TIA"): PriceProvider {
  return {
    name: "stride",
    defaultUrl: "https://stride-rpc.polkachu.com",
    async fetchQuotes(rpcUrl: string, pairs: readonly string[]): Promise<Quote[]> {
      if (!pairs.includes(pair)) return [];
      let comet: Comet38Client | undefined;
      try {
        comet = await Comet38Client.connect(rpcUrl);
        const { value } = await new QueryClient(comet).queryAbci(
          HOST_ZONE_QUERY,
          RequestCodec.encode({ chainId: hostChainId }),
        );
        const zone = ResponseCodec.decode(value).hostZone;
        if (!zone || zone.chainId !== hostChainId)
          throw new ProviderError(`stride: no host zone ${hostChainId}`);
        if (zone.halted) throw new ProviderError(`stride: host zone ${hostChainId} is halted`);
        if (!/^\d+$/.test(zone.redemptionRate) || BigInt(zone.redemptionRate) === 0n) {
          throw new ProviderError(`stride: redemption rate "${zone.redemptionRate}" is not a rate`);
        }
        return [{ pair, price: fromFixedPoint(BigInt(zone.redemptionRate), DEC_PLACES) }];
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        throw new ProviderError(`stride at ${rpcUrl}: ${failureReason(error as Error)}`, { cause: error });
      } finally {
        comet?.disconnect();
      }
    },
  };
}

/**
 * What went wrong, in words: cosmjs reads the node's JSON-RPC reply without checking its shape,
 * so a malformed reply surfaces as a TypeError from inside it, and a refused connection as
 * fetch's "fetch failed" with the reason as its cause.
 */
function failureReason(error: Error): string {
  const cause = (error as Error & { cause?: { message?: string } }).cause?.message;
  if (error.message === "fetch failed") return cause ?? error.message;
  if (error instanceof TypeError) return "malformed ABCI query reply from the node";
  return error.message;
}
