/**
 * The prices a rollup block gets: Metro's stake-weighted medians, recomputed from the signed
 * votes carried in the Metro block (and the oracle state proven against its app hash), never
 * taken on the word of whoever delivered the block.
 */
import type { Validator } from "../core/comet/types.js";
import type { RollupSlice } from "../core/sequencer-block.js";
import { blockPriceList } from "../oracle/index.js";
import type { Price } from "./execution/api.js";

/**
 * Throws BlockPricesError when the votes or the oracle state do not check out. With the
 * previous height's validator set, each vote's signature and power is checked too.
 */
export function verifiedPrices(
  slice: RollupSlice,
  chainId: string,
  previousValidators: readonly Validator[] | undefined,
): Price[] {
  return blockPriceList(slice, { chainId, ...(previousValidators ? { previousValidators } : {}) });
}
