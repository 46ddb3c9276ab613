/** Metro blocks as the adversary phases audit them: the SequencerBlock anyone can check. */
import { signedBlockAt } from "../../chain/node/signed-block.js";
import { toHex } from "../../core/bytes.js";
import { type Aggregation, blockAggregation } from "../../oracle/index.js";
import { buildSequencerBlock } from "../../relayer/index.js";

/** Block `height`'s votes (the previous height's precommits), decoded, and the prices they set. */
export async function votesAt(rpcUrl: string, height: number): Promise<Aggregation> {
  return blockAggregation(buildSequencerBlock(await signedBlockAt(rpcUrl, height)));
}

/** The vote of the validator with consensus address `address` (upper-case hex), if it committed. */
export function voteOf(aggregation: Aggregation, address: string): Aggregation["votes"][number] | undefined {
  return aggregation.votes.find((vote) => toHex(vote.address).toUpperCase() === address);
}
