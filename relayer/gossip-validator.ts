/**
 * How a gossiped SequencerBlock is judged before it is delivered or forwarded, apart from the
 * libp2p node that receives it: size, decoding, replays and second blocks at a height, the
 * chain of trust's validator set for the height, and full verification.
 */
import { TopicValidatorResult } from "@libp2p/gossipsub";
import { bytesEqual, toHex } from "../core/bytes.js";
import { headerHash } from "../core/comet/hashes.js";
import type { ChainOfTrust } from "../core/comet/trust.js";
import type { Header } from "../core/comet/types.js";
import { requireComplete } from "../core/comet/verify.js";
import { type SequencerBlock, SequencerBlockCodec, verifySequencerBlock } from "../core/sequencer-block.js";

/**
 * The largest SequencerBlock gossip carries: @libp2p/gossipsub frames every RPC it sends with a
 * fixed 4 MiB limit (it-length-prefixed's default; no option reaches it), so a larger message is
 * dropped at the sender. 64 KiB is left for the RPC's own fields. Larger blocks (a full CometBFT
 * block is 21 MiB) go to the DA only, until blocks are gossiped in pieces.
 */
export const MAX_GOSSIP_BYTES = 4 * 1024 * 1024 - 64 * 1024;
/** How many recent heights are remembered to ignore replays. */
export const SEEN_HEIGHTS = 4096;

export interface Judgement {
  result: TopicValidatorResult;
  /** Why a block was rejected. */
  reason?: string;
  /** The accepted block. */
  block?: SequencerBlock;
}

/** A header's hash, hex; throws CommitVerificationError for a header that cannot be hashed. */
function headerKey(header: Header): string {
  requireComplete(header);
  return toHex(headerHash(header));
}

export class GossipValidator {
  private readonly seenHeights = new Map<bigint, string>();

  constructor(
    private readonly chainId: string,
    private readonly trust: ChainOfTrust,
  ) {}

  judge(data: Uint8Array): Judgement {
    const reject = (reason: string): Judgement => ({ result: TopicValidatorResult.Reject, reason });
    if (data.length > MAX_GOSSIP_BYTES) return reject(`${data.length} bytes is oversized`);
    let block: SequencerBlock;
    try {
      block = SequencerBlockCodec.decode(data);
    } catch (error) {
      return reject(`undecodable: ${(error as Error).message}`);
    }
    if (!block.header) return reject("no header");
    const seen = this.seenHeights.get(block.header.height);
    if (seen !== undefined) {
      // The same block again is a harmless replay, in whatever encoding a peer forwards it; a
      // block with another header at a seen height is a forgery (it cannot carry a valid commit
      // unless 1/3 of the validators equivocated).
      let hash: string;
      try {
        hash = headerKey(block.header);
      } catch (error) {
        return reject((error as Error).message);
      }
      return seen === hash ? { result: TopicValidatorResult.Ignore } : reject("second block at a height");
    }
    const expected = this.trust.expectedAt(block.header.height);
    if (!expected) return { result: TopicValidatorResult.Ignore };
    if (!bytesEqual(expected, block.header.validatorsHash))
      return reject(`signed by a validator set that does not govern height ${block.header.height}`);
    try {
      verifySequencerBlock(block, { chainId: this.chainId });
      this.trust.accept(block.header);
    } catch (error) {
      return reject((error as Error).message);
    }
    this.remember(block);
    return { result: TopicValidatorResult.Accept, block };
  }

  /** A block this node has (published or accepted): its header again is a replay. */
  remember(block: SequencerBlock): void {
    this.seenHeights.set(block.header.height, headerKey(block.header));
    if (this.seenHeights.size > SEEN_HEIGHTS) {
      const oldest = this.seenHeights.keys().next().value;
      if (oldest !== undefined) this.seenHeights.delete(oldest);
    }
  }
}
