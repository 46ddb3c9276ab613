/**
 * What the conductor checks before a Metro height reaches execution, as one pure step: the
 * slice is signed by more than 2/3 of a validator set the trust store expects, the rollup's
 * items are proven complete, and the prices are exactly what Metro's FinalizeBlock wrote:
 * proven by the next height's signed app_hash when that block is at hand, else recomputed from
 * the signed votes.
 */
import { toHex } from "../core/bytes.js";
import { headerHash } from "../core/comet/hashes.js";
import type { Validator } from "../core/comet/types.js";
import { type RollupSlice, type VerifiedBlock, verifyRollupSlice } from "../core/sequencer-block.js";
import type { Price } from "./execution/api.js";
import { NextBlockError, pricesByNextBlock, verifiedPrices } from "./prices.js";
import type { TrustStore } from "./trust.js";

/** How a height's prices were verified. */
export type PricesBy =
  /** Read from the state the next height's verified header commits to. */
  | "proof"
  /** Recomputed from the votes, each signature checked when the voters' set is known. */
  | "votes"
  /** A header verified in full before: recomputed from the votes proven under it again. */
  | "recheck";

/** One verified view of a Metro height for this rollup. */
export interface VerifiedHeight {
  height: bigint;
  headerHash: Uint8Array;
  time: bigint;
  items: Uint8Array[];
  prices: Price[];
  slice: RollupSlice;
  pricesBy: PricesBy;
  /** With prices by proof: the next height's header hash, whose commit is now checked. */
  signedNext?: Uint8Array;
  /** Why a next block at hand could not prove the prices (the votes were checked instead). */
  proofRefused?: string;
}

/** Header hashes (hex) the conductor knows. */
export interface HeaderSet {
  has(headerHashHex: string): boolean;
}

export interface HeightContext {
  chainId: string;
  rollupId: Uint8Array;
  trust: TrustStore;
  /** A height's validator set, when known: with the previous height's, price votes are checked too. */
  validatorsAt: (height: bigint) => readonly Validator[] | undefined;
  /**
   * Header hashes verified before with their commits and prices: a slice of one of them (the
   * firm copy of a height that ran softly) has only its proofs checked again. Its oracle tx is
   * proven under the same data hash, so it is the very tx whose prices were checked.
   */
  verifiedHeaders?: HeaderSet;
  /**
   * Header hashes whose commit was checked as the next block of a height priced by proof: the
   * commit is not checked again, but the height's own prices still are.
   */
  signedHeaders?: HeaderSet;
}

/**
 * Throws (SequencerBlockError, CommitVerificationError, BlockPricesError, UntrustedBlockError)
 * unless the slice checks out; on success the trust store also expects the header's next set.
 * `next`, the following height's slice when at hand, is used only to prove the prices; a next
 * block that cannot (a bad copy, an old block without price entries) leaves them to the votes.
 */
export function verifyHeight(slice: RollupSlice, context: HeightContext, next?: RollupSlice): VerifiedHeight {
  const { chainId, rollupId, trust } = context;
  const hash = slice.header ? headerHash(slice.header) : undefined;
  const full = knownHash(hash, context.verifiedHeaders);
  const signed = full ?? knownHash(hash, context.signedHeaders);
  const { block, items } = verifyRollupSlice(slice, rollupId, {
    chainId,
    ...(signed ? { trustedHeaderHash: signed } : {}),
  });
  const priced = full
    ? { prices: verifiedPrices(slice, chainId, undefined), pricesBy: "recheck" as const }
    : heightPrices(block, slice, context, next);
  trust.accept(block.header);
  const time = block.header.time.seconds;
  return { height: block.height, headerHash: block.headerHash, time, items, slice, ...priced };
}

type Priced = Pick<VerifiedHeight, "prices" | "pricesBy" | "signedNext" | "proofRefused">;

function heightPrices(
  block: VerifiedBlock,
  slice: RollupSlice,
  context: HeightContext,
  next: RollupSlice | undefined,
): Priced {
  let proofRefused: string | undefined;
  if (next && slice.oracleCommitTx.length > 0) {
    try {
      const hash = next.header ? headerHash(next.header) : undefined;
      const trustedNext = knownHash(hash, context.verifiedHeaders) ?? knownHash(hash, context.signedHeaders);
      const proven = pricesByNextBlock(block, slice, next, {
        chainId: context.chainId,
        ...(trustedNext ? { trustedNext } : {}),
      });
      return { prices: proven.prices, pricesBy: "proof", signedNext: proven.next.headerHash };
    } catch (error) {
      if (!(error instanceof NextBlockError)) throw error;
      proofRefused = error.message;
    }
  }
  const voters = context.validatorsAt(block.height - 1n);
  return {
    prices: verifiedPrices(slice, context.chainId, voters),
    pricesBy: "votes",
    ...(proofRefused ? { proofRefused } : {}),
  };
}

function knownHash(hash: Uint8Array | undefined, known: HeaderSet | undefined): Uint8Array | undefined {
  return hash && known?.has(toHex(hash)) ? hash : undefined;
}
