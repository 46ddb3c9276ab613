/**
 * Governance state and its rules: proposals (the Cosmos SDK's gov v1 types), deposits, votes,
 * the deposit and voting queues, and the tally by bonded stake, in which delegators inherit
 * their validator's vote unless they vote themselves. Executing a passed proposal's messages is
 * the app's job (chain/app/governance.ts); this module decides.
 */
import {
  Params as GovParams,
  Proposal,
  ProposalStatus,
  type TallyResult,
  Vote,
  VoteOption,
} from "cosmjs-types/cosmos/gov/v1/gov";
import { operatorAccount } from "../../core/address.js";
import { utf8 } from "../../core/bytes.js";
import { type Fraction, parseDecimal } from "../../core/decimal.js";
import { decodeInteger, orderedKeyPart, readInteger, writeInteger } from "../store/integers.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import { allValidators, delegationPrefix, getDelegationShares, getPower } from "./staking.js";

export { GovParams, Proposal, ProposalStatus, Vote, VoteOption };

const PARAMS_KEY = "gov/params";
const NEXT_ID_KEY = "gov/next-proposal-id";
const HALT_KEY = "gov/halt-height";
const proposalKey = (id: bigint): string => `gov/proposal/${orderedKeyPart(id)}`;
export const PROPOSAL_PREFIX = "gov/proposal/";
export const votePrefix = (id: bigint): string => `gov/vote/${orderedKeyPart(id)}/`;
const voteKey = (id: bigint, voter: string): string => `${votePrefix(id)}${voter}`;
export const depositPrefix = (id: bigint): string => `gov/deposit/${orderedKeyPart(id)}/`;
const depositKey = (id: bigint, depositor: string): string => `${depositPrefix(id)}${depositor}`;
const VOTING_QUEUE = "gov/voting-queue/";
const DEPOSIT_QUEUE = "gov/deposit-queue/";
const MARK = utf8("1");

export const DEFAULT_GOV_PARAMS: GovParams = {
  minDeposit: [],
  maxDepositPeriod: { seconds: 2n * 24n * 3600n, nanos: 0 },
  votingPeriod: { seconds: 2n * 24n * 3600n, nanos: 0 },
  quorum: "0.334",
  threshold: "0.5",
  vetoThreshold: "0.334",
  minInitialDepositRatio: "0",
  proposalCancelRatio: "0",
  proposalCancelDest: "",
  expeditedVotingPeriod: { seconds: 24n * 3600n, nanos: 0 },
  expeditedThreshold: "0.667",
  expeditedMinDeposit: [],
  burnVoteQuorum: false,
  burnProposalDepositPrevote: false,
  burnVoteVeto: true,
  minDepositRatio: "0",
};

export function readGovParams(state: StateReader): GovParams {
  const bytes = state.get(PARAMS_KEY);
  return bytes ? GovParams.decode(bytes) : DEFAULT_GOV_PARAMS;
}

export function writeGovParams(state: StateOverlay, params: GovParams): void {
  state.set(PARAMS_KEY, GovParams.encode(params).finish());
}

export function nextProposalId(state: StateOverlay): bigint {
  // Proposal ids start at 1.
  const id = readInteger(state, NEXT_ID_KEY) || 1n;
  writeInteger(state, NEXT_ID_KEY, id + 1n);
  return id;
}

export function getProposal(state: StateReader, id: bigint): Proposal | undefined {
  const bytes = state.get(proposalKey(id));
  return bytes ? Proposal.decode(bytes) : undefined;
}

export function setProposal(state: StateOverlay, proposal: Proposal): void {
  state.set(proposalKey(proposal.id), Proposal.encode(proposal).finish());
}

export function deleteProposal(state: StateOverlay, id: bigint): void {
  state.delete(proposalKey(id));
}

export function getVote(state: StateReader, id: bigint, voter: string): Vote | undefined {
  const bytes = state.get(voteKey(id, voter));
  return bytes ? Vote.decode(bytes) : undefined;
}

export function setVote(state: StateOverlay, vote: Vote): void {
  state.set(voteKey(vote.proposalId, vote.voter), Vote.encode(vote).finish());
}

export function getDeposit(state: StateReader, id: bigint, depositor: string): bigint {
  return readInteger(state, depositKey(id, depositor));
}

export function setDeposit(state: StateOverlay, id: bigint, depositor: string, amount: bigint): void {
  writeInteger(state, depositKey(id, depositor), amount);
}

export function enqueueVoting(state: StateOverlay, endMs: bigint, id: bigint): void {
  state.set(`${VOTING_QUEUE}${orderedKeyPart(endMs)}/${orderedKeyPart(id)}`, MARK);
}

export function enqueueDeposit(state: StateOverlay, endMs: bigint, id: bigint): void {
  state.set(`${DEPOSIT_QUEUE}${orderedKeyPart(endMs)}/${orderedKeyPart(id)}`, MARK);
}

export function dequeueDeposit(state: StateOverlay, endMs: bigint, id: bigint): void {
  state.delete(`${DEPOSIT_QUEUE}${orderedKeyPart(endMs)}/${orderedKeyPart(id)}`);
}

/** Proposal ids whose period (voting or deposit) ended at or before `nowMs`, with their queue keys. */
function due(state: StateReader, prefix: string, nowMs: bigint): { key: string; id: bigint }[] {
  if (!state.scan) throw new Error("reading gov queues needs a scannable state");
  const found: { key: string; id: bigint }[] = [];
  for (const [key] of state.scan(prefix)) {
    const [time, id] = key.slice(prefix.length).split("/");
    if (BigInt(`0x${time}`) > nowMs) break;
    found.push({ key, id: BigInt(`0x${id}`) });
  }
  return found;
}

export const votingEnded = (state: StateReader, nowMs: bigint) => due(state, VOTING_QUEUE, nowMs);
export const depositEnded = (state: StateReader, nowMs: bigint) => due(state, DEPOSIT_QUEUE, nowMs);

/** Every depositor of a proposal and how much each put in. */
export function deposits(state: StateReader, id: bigint): { depositor: string; amount: bigint }[] {
  if (!state.scan) throw new Error("listing deposits needs a scannable state");
  const prefix = depositPrefix(id);
  return Array.from(state.scan(prefix), ([key, value]) => ({
    depositor: key.slice(prefix.length),
    amount: decodeInteger(value),
  }));
}

export function readHaltHeight(state: StateReader): bigint {
  return readInteger(state, HALT_KEY);
}

export function writeHaltHeight(state: StateOverlay, height: bigint): void {
  writeInteger(state, HALT_KEY, height);
}

export interface Tally {
  /** Bonded tokens behind each option. */
  yes: bigint;
  abstain: bigint;
  no: bigint;
  veto: bigint;
  /** All tokens bonded to validators in the active set. */
  bonded: bigint;
}

/**
 * Tallies by bonded stake, as the SDK does: each voter's delegations to active validators count
 * for the voter's option and are deducted from their validator; what is left of each
 * validator's stake counts for the validator's own vote, if it cast one.
 */
export function tally(state: StateReader, id: bigint): Tally {
  if (!state.scan) throw new Error("tallying needs a scannable state");
  const active = new Map(
    allValidators(state)
      .filter((v) => getPower(state, v.operatorAddress) > 0n)
      .map((v) => [
        v.operatorAddress,
        {
          tokens: BigInt(v.tokens),
          shares: BigInt(v.shares),
          deducted: 0n,
          option: VoteOption.VOTE_OPTION_UNSPECIFIED,
        },
      ]),
  );
  const operatorOfAccount = new Map(
    [...active.keys()].map((operator) => [operatorAccount(operator), operator]),
  );
  const totals = new Map<VoteOption, bigint>();
  const add = (option: VoteOption, amount: bigint) => totals.set(option, (totals.get(option) ?? 0n) + amount);
  for (const [, bytes] of state.scan(votePrefix(id))) {
    const vote = Vote.decode(bytes);
    const option = vote.options[0]?.option ?? VoteOption.VOTE_OPTION_UNSPECIFIED;
    const ownValidator = operatorOfAccount.get(vote.voter);
    if (ownValidator) active.get(ownValidator)!.option = option;
    const prefix = delegationPrefix(vote.voter);
    for (const [key] of state.scan(prefix)) {
      const validator = active.get(key.slice(prefix.length));
      if (!validator || validator.shares === 0n) continue;
      const shares = getDelegationShares(state, vote.voter, key.slice(prefix.length));
      validator.deducted += shares;
      add(option, (shares * validator.tokens) / validator.shares);
    }
  }
  let bonded = 0n;
  for (const validator of active.values()) {
    bonded += validator.tokens;
    if (validator.option === VoteOption.VOTE_OPTION_UNSPECIFIED || validator.shares === 0n) continue;
    add(validator.option, ((validator.shares - validator.deducted) * validator.tokens) / validator.shares);
  }
  return {
    yes: totals.get(VoteOption.VOTE_OPTION_YES) ?? 0n,
    abstain: totals.get(VoteOption.VOTE_OPTION_ABSTAIN) ?? 0n,
    no: totals.get(VoteOption.VOTE_OPTION_NO) ?? 0n,
    veto: totals.get(VoteOption.VOTE_OPTION_NO_WITH_VETO) ?? 0n,
    bonded,
  };
}

/**
 * How a vote ended. "rejected" covers losing the threshold and everyone abstaining;
 * "no_bonded_stake" is a chain with nothing bonded, where no quorum can exist (the SDK fails such
 * a proposal without burning its deposits).
 */
export type Verdict = "passed" | "rejected" | "vetoed" | "no_quorum" | "no_bonded_stake";

const atLeast = (amount: bigint, fraction: Fraction, of: bigint): boolean =>
  amount * fraction.denominator >= fraction.numerator * of;
const over = (amount: bigint, fraction: Fraction, of: bigint): boolean =>
  amount * fraction.denominator > fraction.numerator * of;

/**
 * The SDK's order (x/gov v1 keeper Tally): quorum of bonded stake (at least, as a share of all
 * bonded tokens), then all-abstain, then veto (more than the veto threshold of all votes cast),
 * then threshold (more than the threshold of the votes that did not abstain).
 */
export function verdict(result: Tally, params: GovParams): Verdict {
  const voted = result.yes + result.abstain + result.no + result.veto;
  if (result.bonded === 0n) return "no_bonded_stake";
  if (!atLeast(voted, parseDecimal(params.quorum), result.bonded)) return "no_quorum";
  if (voted === result.abstain) return "rejected";
  if (over(result.veto, parseDecimal(params.vetoThreshold), voted)) return "vetoed";
  if (over(result.yes, parseDecimal(params.threshold), voted - result.abstain)) return "passed";
  return "rejected";
}

/**
 * Whether a finished vote burns its deposits instead of refunding them, with gov v1's meaning
 * (SDK v0.47+): a veto burns when burn_vote_veto is set (the default), a missed quorum when
 * burn_vote_quorum is set (not the default); every other outcome refunds the depositors.
 */
export function burnsDeposits(outcome: Verdict, params: GovParams): boolean {
  if (outcome === "vetoed") return params.burnVoteVeto;
  if (outcome === "no_quorum") return params.burnVoteQuorum;
  return false;
}

export function tallyResult(result: Tally): TallyResult {
  return {
    yesCount: result.yes.toString(),
    abstainCount: result.abstain.toString(),
    noCount: result.no.toString(),
    noWithVetoCount: result.veto.toString(),
  };
}

/** The minimum deposit in `denom` (0 when the params ask for none in it). */
export function minDeposit(params: GovParams, denom: string): bigint {
  const coin = params.minDeposit.find((c) => c.denom === denom);
  return coin ? BigInt(coin.amount) : 0n;
}
