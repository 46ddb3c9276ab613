/**
 * What the conductor checks before a Metro height reaches execution, as one pure step: the
 * slice is signed by more than 2/3 of a validator set the trust store expects, the rollup's
 * items are proven complete, and the prices are recomputed from the signed votes.
 */
import { toHex } from "../core/bytes.js";
import { headerHash } from "../core/comet/hashes.js";
import type { Validator } from "../core/comet/types.js";
import { type RollupSlice, verifyRollupSlice } from "../core/sequencer-block.js";
import type { Price } from "./execution/api.js";
import { verifiedPrices } from "./prices.js";
import type { TrustStore } from "./trust.js";

/** One verified view of a Metro height for this rollup. */
export interface VerifiedHeight {
  height: bigint;
  headerHash: Uint8Array;
  time: bigint;
  items: Uint8Array[];
  prices: Price[];
  slice: RollupSlice;
}

export interface HeightContext {
  chainId: string;
  rollupId: Uint8Array;
  trust: TrustStore;
  /** A height's validator set, when known: with the previous height's, price votes are checked too. */
  validatorsAt: (height: bigint) => readonly Validator[] | undefined;
  /**
   * Header hashes (hex) verified before with their commits and votes: a slice of one of them
   * (the firm copy of a height that ran softly) has only its proofs checked again. Its oracle
   * tx is proven under the same data hash, so it is the very tx whose votes were checked.
   */
  verifiedHeaders?: { has(headerHashHex: string): boolean };
}

/**
 * Throws (SequencerBlockError, CommitVerificationError, BlockPricesError, UntrustedBlockError)
 * unless the slice checks out; on success the trust store also expects the header's next set.
 */
export function verifyHeight(slice: RollupSlice, context: HeightContext): VerifiedHeight {
  const { chainId, rollupId, trust } = context;
  const trusted = knownHeaderHash(slice, context);
  const { block, items } = verifyRollupSlice(slice, rollupId, {
    chainId,
    ...(trusted ? { trustedHeaderHash: trusted } : {}),
  });
  const prices = verifiedPrices(
    slice,
    chainId,
    trusted ? undefined : context.validatorsAt(block.height - 1n),
  );
  trust.accept(block.header);
  const time = block.header.time.seconds;
  return { height: block.height, headerHash: block.headerHash, time, items, prices, slice };
}

function knownHeaderHash(slice: RollupSlice, context: HeightContext): Uint8Array | undefined {
  if (!context.verifiedHeaders || !slice.header) return undefined;
  const hash = headerHash(slice.header);
  return context.verifiedHeaders.has(toHex(hash)) ? hash : undefined;
}
