/**
 * The prices a rollup block gets: Metro's stake-weighted medians, recomputed from the signed
 * votes carried in the Metro block, never taken on the word of whoever delivered the block.
 */
import type { RollupSlice } from "../core/sequencer-block.js";
import type { Price } from "./execution/api.js";

export function verifiedPrices(_slice: RollupSlice): Price[] {
  return [];
}
