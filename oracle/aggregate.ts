/**
 * A block's prices from its injected commit: each committed vote decoded against the vote
 * base and vote pairs, then per pair the stake-weighted median when 2/3 of the power reported
 * it. Pure and deterministic: the chain's FinalizeBlock (chain/app/oracle.ts) writes exactly
 * this, and a rollup recomputes it from a SequencerBlock (block-prices.ts).
 */
import type { ExtendedCommitInfo } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { stakeWeightedMedian, type WeightedReport } from "./median.js";
import type { OracleInputs } from "./state.js";
import { decodeOracleVote } from "./vote.js";

/** A price the validators agreed on: fixed point, in the pair's decimals. */
export interface AgreedPrice {
  price: bigint;
  decimals: number;
}

export interface CommittedVote {
  /** The validator's consensus address. */
  address: Uint8Array;
  /** Its prices, or undefined when its extension did not decode (a late precommit's may not). */
  prices: Map<string, bigint> | undefined;
}

export interface Aggregation {
  /** The priced pairs, in vote pair order. */
  prices: Map<string, AgreedPrice>;
  /** Every vote that committed to the block, in the commit's order. */
  votes: CommittedVote[];
}

/**
 * Aggregates `commit`'s votes. The total power is every vote's, committed or not; a vote whose
 * content does not decode counts as reporting nothing. Pairs removed from `inputs.pairs` since
 * the votes were cast get no price.
 */
export function aggregateVotes(commit: ExtendedCommitInfo, inputs: OracleInputs): Aggregation {
  const total = commit.votes.reduce((sum, vote) => sum + vote.validator.power, 0n);
  const reports = new Map<string, WeightedReport[]>();
  const votes: CommittedVote[] = [];
  for (const vote of commit.votes) {
    if (vote.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_COMMIT) continue;
    let prices: Map<string, bigint> | undefined;
    try {
      prices = decodeOracleVote(inputs.votePairs, vote.voteExtension, inputs.voteBase);
    } catch {
      prices = undefined;
    }
    votes.push({ address: vote.validator.address, prices });
    for (const [pair, price] of prices ?? []) {
      const list = reports.get(pair) ?? [];
      if (list.length === 0) reports.set(pair, list);
      list.push({ price, power: vote.validator.power });
    }
  }
  const prices = new Map<string, AgreedPrice>();
  for (const pair of inputs.votePairs) {
    if (!inputs.pairs.some((p) => p.id === pair.id)) continue; // removed by governance since the vote
    const median = stakeWeightedMedian(reports.get(pair.id) ?? [], total);
    if (median !== undefined) prices.set(pair.id, { price: median, decimals: pair.decimals });
  }
  return { prices, votes };
}
