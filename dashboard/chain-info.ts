/**
 * Keplr's chain-info JSON for `window.keplr.experimentalSuggestChain`: the chain id, the public
 * RPC and REST URLs, Metro's bech32 prefixes, and stTIA (its IBC denom) as the fee and stake
 * currency with gas price steps from the chain's minimum gas price.
 */
import { ADDRESS_PREFIX, CONSENSUS_PREFIX, OPERATOR_PREFIX } from "../core/address.js";
import { DEFAULT_LST_DECIMALS, DEFAULT_LST_DENOM, DEFAULT_LST_DISPLAY } from "../core/denom.js";
import type { KeplrChainInfo, KeplrCurrency } from "./snapshot.js";

/** The Cosmos coin type; the devnet's keys use m/44'/118'/0'/0/i. */
const COSMOS_COIN_TYPE = 118;

export interface ChainInfoInput {
  chainId: string;
  rpc: string;
  rest: string;
  /** The chain's min_gas_price in the LST (decimal text, e.g. "0.002"). */
  minGasPrice: string;
}

export function keplrChainInfo({ chainId, rpc, rest, minGasPrice }: ChainInfoInput): KeplrChainInfo {
  const lst: KeplrCurrency = {
    coinDenom: DEFAULT_LST_DISPLAY,
    coinMinimalDenom: DEFAULT_LST_DENOM,
    coinDecimals: DEFAULT_LST_DECIMALS,
  };
  const low = Number(minGasPrice);
  return {
    chainId,
    chainName: `Metro (${chainId})`,
    rpc,
    rest,
    bip44: { coinType: COSMOS_COIN_TYPE },
    bech32Config: {
      bech32PrefixAccAddr: ADDRESS_PREFIX,
      bech32PrefixAccPub: `${ADDRESS_PREFIX}pub`,
      bech32PrefixValAddr: OPERATOR_PREFIX,
      bech32PrefixValPub: `${OPERATOR_PREFIX}pub`,
      bech32PrefixConsAddr: CONSENSUS_PREFIX,
      bech32PrefixConsPub: `${CONSENSUS_PREFIX}pub`,
    },
    currencies: [lst],
    // Below min_gas_price CheckTx refuses the tx, so "low" is the minimum itself.
    feeCurrencies: [{ ...lst, gasPriceStep: { low, average: low * 1.25, high: low * 2 } }],
    stakeCurrency: lst,
    features: [],
  };
}
