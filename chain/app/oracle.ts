/**
 * The oracle inside consensus: ExtendVote and VerifyVoteExtension, the extended commit the
 * proposer injects, its check in ProcessProposal, and the stake-weighted medians FinalizeBlock
 * writes. Every function is deterministic in the state it is given, except ExtendVote, which
 * reports what this validator's sidecar sees.
 */
import type { CommitInfo, ExtendedCommitInfo, RequestInitChain } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { sha256 } from "../../core/hash.js";
import {
  type Aggregation,
  aggregateVotes,
  type CurrencyPair,
  DEFAULT_PAIRS,
  type DecimalPrices,
  decodeInjectedCommit,
  decodeOracleVote,
  encodeOracleVote,
  InjectionError,
  oracleInputs,
  type PriceReport,
  toFixedPoint,
  verifyInjectedCommit,
} from "../../oracle/index.js";
import {
  currentPrices,
  readPairs,
  readPrice,
  readVoteExtensionsHeight,
  writePairs,
  writePrice,
  writeValidatorKeys,
  writeVoteBase,
  writeVoteExtensionsHeight,
  writeVotePairs,
} from "../modules/oracle.js";
import {
  type BlockOracleFaults,
  NO_ORACLE_FAULTS,
  readOracleParams,
  type ScoredVote,
  scoreVotes,
} from "../modules/oracle-penalties.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import { commitKeys } from "./validators.js";

/** Genesis: the pairs, the validators' keys, and when vote extensions start. */
export function initOracle(
  state: StateOverlay,
  request: RequestInitChain,
  pairs: readonly CurrencyPair[] = DEFAULT_PAIRS,
): void {
  writePairs(state, pairs);
  writeVotePairs(state, readPairs(state));
  writeValidatorKeys(
    state,
    request.validators.map((v) => {
      const ed25519 = v.pubKey.ed25519;
      if (!ed25519) throw new Error("genesis validators must have ed25519 keys");
      return { address: sha256(ed25519).subarray(0, 20), ed25519 };
    }),
  );
  const height = request.consensusParams?.abci?.voteExtensionsEnableHeight ?? 0n;
  writeVoteExtensionsHeight(state, height);
}

/** Whether block `height`'s LastCommit (precommits of height - 1) carries extensions. */
export function hasInjectedCommit(state: StateReader, height: bigint): boolean {
  const enabled = readVoteExtensionsHeight(state);
  return enabled > 0n && height - 1n >= enabled;
}

/** This validator's extension: its sidecar's prices as deltas; empty when it has none. */
export function extendVote(state: StateReader, decimals: DecimalPrices | undefined): Uint8Array {
  if (!decimals || decimals.size === 0) return new Uint8Array();
  const pairs = readPairs(state);
  const prices = new Map<string, bigint>();
  for (const pair of pairs) {
    const price = decimals.get(pair.id);
    if (price !== undefined) prices.set(pair.id, toFixedPoint(price, pair.decimals));
  }
  const base = currentPrices(state, pairs);
  const extension = encodeOracleVote(pairs, prices, base);
  // CometBFT 0.38 never verifies a validator's own extension: check it here instead.
  decodeOracleVote(pairs, extension, base);
  return extension;
}

export function verifyVoteExtension(state: StateReader, extension: Uint8Array): boolean {
  try {
    const pairs = readPairs(state);
    decodeOracleVote(pairs, extension, currentPrices(state, pairs));
    return true;
  } catch {
    return false;
  }
}

/** Why block `height`'s injected commit is unacceptable, or undefined when it is right. */
export function injectedCommitProblem(
  state: StateReader,
  chainId: string,
  height: bigint,
  tx: Uint8Array | undefined,
  lastCommit: CommitInfo,
): string | undefined {
  if (!tx) return "no injected commit";
  try {
    const injected = decodeInjectedCommit(tx);
    verifyInjectedCommit(injected, lastCommit, {
      chainId,
      voteHeight: height - 1n,
      publicKeys: commitKeys(state, lastCommit),
    });
    return undefined;
  } catch (error) {
    if (error instanceof InjectionError) return error.message;
    throw error;
  }
}

/** What a block's price aggregation did: the pairs it priced, and each validator's faults (for penalties). */
export interface PriceOutcome {
  updated: string[];
  faults: BlockOracleFaults;
}

/**
 * Writes the stake-weighted median of each pair reported by 2/3 of the power in the injected
 * commit (oracle/aggregate.ts). A vote whose content is invalid (a late precommit skips
 * VerifyVoteExtension) is ignored by every validator alike. Pairs without enough reports keep
 * their old price. Every validator of the commit is then scored against the medians
 * (modules/oracle-penalties.ts): absent, nil, empty and invalid votes miss every priced pair.
 */
export function applyPrices(
  state: StateOverlay,
  height: bigint,
  timeMs: bigint,
  tx: Uint8Array | undefined,
): PriceOutcome {
  const inputs = oracleInputs((key) => state.get(key));
  const nextBase = currentPrices(state, inputs.pairs);
  const outcome: PriceOutcome = { updated: [], faults: NO_ORACLE_FAULTS };
  if (tx) {
    const commit = decodeInjectedCommit(tx);
    const aggregation = aggregateVotes(commit, inputs);
    const medians = new Map<string, bigint>();
    for (const [pair, { price, decimals }] of aggregation.prices) {
      medians.set(pair, price);
      const nonce = (readPrice(state, pair)?.nonce ?? 0n) + 1n;
      writePrice(state, pair, { price, decimals, height: height - 1n, timeMs, nonce });
      outcome.updated.push(pair);
    }
    outcome.faults = scoreVotes(
      everyVote(commit, aggregation),
      medians,
      readOracleParams(state).deviationBand,
    );
  }
  if (!sameReport(inputs.voteBase, nextBase)) writeVoteBase(state, nextBase);
  if (!samePairs(inputs.votePairs, inputs.pairs)) writeVotePairs(state, inputs.pairs);
  return outcome;
}

/**
 * Every validator of the commit, in commit order, with what it reported: a committed vote as
 * aggregated (aggregation.votes holds exactly those, in order), an absent or nil one with no
 * prices, as it carries no extension.
 */
function everyVote(commit: ExtendedCommitInfo, aggregation: Aggregation): ScoredVote[] {
  let committed = 0;
  return commit.votes.map((vote) =>
    vote.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT
      ? aggregation.votes[committed++]!
      : { address: vote.validator.address, prices: undefined },
  );
}

function samePairs(a: readonly CurrencyPair[], b: readonly CurrencyPair[]): boolean {
  return (
    a.length === b.length && a.every((pair, i) => pair.id === b[i]!.id && pair.decimals === b[i]!.decimals)
  );
}

function sameReport(a: PriceReport, b: PriceReport): boolean {
  return a.size === b.size && [...a].every(([pair, price]) => b.get(pair) === price);
}
