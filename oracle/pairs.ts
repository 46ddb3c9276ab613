/**
 * The currency pairs a chain starts with when its genesis names none, which are also the pairs
 * the price sidecar quotes by default.
 */
import type { CurrencyPair } from "./vote.js";

export const DEFAULT_PAIRS: CurrencyPair[] = [
  { id: "BTC/USD", decimals: 5 },
  { id: "ETH/USD", decimals: 6 },
  { id: "STTIA/TIA", decimals: 8 },
  { id: "TIA/USD", decimals: 8 },
];
