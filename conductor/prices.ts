/**
 * The prices a rollup block gets: Metro's stake-weighted medians, never taken on the word of
 * whoever delivered the block. Two ways to know them: recompute them from the signed votes the
 * Metro block carries (every extension signature checked: ~100 ed25519 checks at 100
 * validators), or, when the next height's block is at hand, read what FinalizeBlock wrote from
 * the state that block's signed header commits to (a commit check the next height needs anyway,
 * and a few Merkle proofs). Both give exactly what FinalizeBlock wrote.
 */
import { bytesEqual } from "../core/bytes.js";
import type { Validator } from "../core/comet/types.js";
import { CommitVerificationError } from "../core/comet/verify.js";
import { ProtoDecodeError } from "../core/proto/codec.js";
import {
  type RollupSlice,
  SequencerBlockError,
  type VerifiedBlock,
  verifySignedPart,
} from "../core/sequencer-block.js";
import { BlockPricesError, blockPriceList, writtenPriceList } from "../oracle/index.js";
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

export interface NextBlockCheck {
  chainId: string;
  /** The next header's hash when its commit was checked before: only its proofs are checked again. */
  trustedNext?: Uint8Array;
}

/**
 * The prices of `block` (verified, `slice` its slice) proven by `next`, the following height's
 * slice: its commit must be signed by the set `block`'s header names next, its header must follow
 * `block`'s, and its app_hash then proves the price entries FinalizeBlock wrote. Returns the
 * prices and the next block as verified; throws (NextBlockError) when any of it does not hold.
 */
export function pricesByNextBlock(
  block: VerifiedBlock,
  slice: RollupSlice,
  next: RollupSlice,
  check: NextBlockCheck,
): { prices: Price[]; next: VerifiedBlock } {
  try {
    const verified = verifySignedPart(next, {
      chainId: check.chainId,
      validatorsHash: block.header.nextValidatorsHash,
      ...(check.trustedNext ? { trustedHeaderHash: check.trustedNext } : {}),
    });
    if (!bytesEqual(verified.header.lastBlockId.hash, block.headerHash)) {
      throw new SequencerBlockError(`height ${verified.height}: does not follow height ${block.height}`);
    }
    return { prices: writtenPriceList(slice, next), next: verified };
  } catch (error) {
    if (!isRefusal(error)) throw error;
    throw new NextBlockError(`height ${block.height}: prices not proven by the next block: ${error.message}`);
  }
}

/** The next block cannot prove a height's prices: its votes must be checked instead. */
export class NextBlockError extends Error {
  override name = "NextBlockError";
}

function isRefusal(error: unknown): error is Error {
  return (
    error instanceof SequencerBlockError ||
    error instanceof CommitVerificationError ||
    error instanceof BlockPricesError ||
    error instanceof ProtoDecodeError
  );
}
