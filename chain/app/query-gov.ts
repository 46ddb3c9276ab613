/**
 * Governance queries in both of the SDK's versions: gov v1 (what current clients use) and
 * v1beta1 (what cosmjs's gov query extension asks). A v1beta1 proposal shows its title and
 * summary as a TextProposal, as the SDK's legacy endpoint does.
 */
import { Proposal as ProposalCodec } from "cosmjs-types/cosmos/gov/v1/gov";
import * as v1 from "cosmjs-types/cosmos/gov/v1/query";
import { TextProposal } from "cosmjs-types/cosmos/gov/v1beta1/gov";
import * as v1beta1 from "cosmjs-types/cosmos/gov/v1beta1/query";
import { canonicalAddress } from "../../core/address.js";
import { utf8 } from "../../core/bytes.js";
import { toLegacyDec } from "../../core/decimal.js";
import {
  deposits,
  getProposal,
  getVote,
  PROPOSAL_PREFIX,
  type Proposal,
  ProposalStatus,
  readGovParams,
  tally,
  tallyResult,
  type Vote,
  votePrefix,
} from "../modules/gov.js";
import { readParams } from "../modules/params.js";
import type { StateReader } from "../store/overlay.js";
import { notFound, page, type QueryHandler, scannable } from "./query.js";

function proposalOrThrow(reader: StateReader, id: bigint): Proposal {
  const proposal = getProposal(reader, id);
  if (!proposal) throw notFound(`proposal ${id} doesn't exist`);
  return proposal;
}

function allProposals(reader: StateReader, status: ProposalStatus): Proposal[] {
  const proposals = Array.from(scannable(reader).scan(PROPOSAL_PREFIX), ([, bytes]) =>
    ProposalCodec.decode(bytes),
  );
  return status === ProposalStatus.PROPOSAL_STATUS_UNSPECIFIED
    ? proposals
    : proposals.filter((p) => p.status === status);
}

function votes(reader: StateReader, id: bigint): Vote[] {
  const prefix = votePrefix(id);
  return Array.from(
    scannable(reader).scan(prefix),
    ([key]) => getVote(reader, id, key.slice(prefix.length))!,
  );
}

/** The final tally of a finished proposal, or the running tally of one still open. */
function currentTally(reader: StateReader, proposal: Proposal) {
  if (proposal.status !== ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD && proposal.finalTallyResult) {
    return proposal.finalTallyResult;
  }
  return tallyResult(tally(scannable(reader), proposal.id));
}

function depositsOf(reader: StateReader, id: bigint) {
  const denom = readParams(reader).feeDenom;
  return deposits(scannable(reader), id).map(({ depositor, amount }) => ({
    proposalId: id,
    depositor,
    amount: [{ denom, amount: amount.toString() }],
  }));
}

function legacyProposal(proposal: Proposal) {
  const tallied = proposal.finalTallyResult;
  return {
    proposalId: proposal.id,
    content: {
      typeUrl: "/cosmos.gov.v1beta1.TextProposal",
      value: TextProposal.encode({ title: proposal.title, description: proposal.summary }).finish(),
    },
    status: proposal.status,
    finalTallyResult: {
      yes: tallied?.yesCount ?? "0",
      abstain: tallied?.abstainCount ?? "0",
      no: tallied?.noCount ?? "0",
      noWithVeto: tallied?.noWithVetoCount ?? "0",
    },
    submitTime: proposal.submitTime ?? { seconds: 0n, nanos: 0 },
    depositEndTime: proposal.depositEndTime ?? { seconds: 0n, nanos: 0 },
    totalDeposit: proposal.totalDeposit,
    votingStartTime: proposal.votingStartTime ?? { seconds: 0n, nanos: 0 },
    votingEndTime: proposal.votingEndTime ?? { seconds: 0n, nanos: 0 },
  };
}

function legacyVote(vote: Vote) {
  return {
    proposalId: vote.proposalId,
    voter: vote.voter,
    option: vote.options[0]?.option ?? 0,
    options: vote.options.map((o) => ({ option: o.option, weight: toLegacyDec(o.weight) })),
  };
}

function voteOrThrow(reader: StateReader, id: bigint, voter: string): Vote {
  const vote = getVote(reader, id, canonicalAddress(voter));
  if (!vote) throw notFound(`voter: ${voter} not found for proposal: ${id}`);
  return vote;
}

export const govQueryHandlers: Record<string, QueryHandler> = {
  "/cosmos.gov.v1.Query/Proposal": (data, reader) =>
    v1.QueryProposalResponse.encode({
      proposal: proposalOrThrow(reader, v1.QueryProposalRequest.decode(data).proposalId),
    }).finish(),
  "/cosmos.gov.v1.Query/Proposals": (data, reader) => {
    const proposals = allProposals(reader, v1.QueryProposalsRequest.decode(data).proposalStatus);
    return v1.QueryProposalsResponse.encode({ proposals, pagination: page(proposals.length) }).finish();
  },
  "/cosmos.gov.v1.Query/Vote": (data, reader) => {
    const { proposalId, voter } = v1.QueryVoteRequest.decode(data);
    return v1.QueryVoteResponse.encode({ vote: voteOrThrow(reader, proposalId, voter) }).finish();
  },
  "/cosmos.gov.v1.Query/Votes": (data, reader) => {
    const list = votes(reader, v1.QueryVotesRequest.decode(data).proposalId);
    return v1.QueryVotesResponse.encode({ votes: list, pagination: page(list.length) }).finish();
  },
  "/cosmos.gov.v1.Query/Deposits": (data, reader) => {
    const list = depositsOf(reader, v1.QueryDepositsRequest.decode(data).proposalId);
    return v1.QueryDepositsResponse.encode({ deposits: list, pagination: page(list.length) }).finish();
  },
  "/cosmos.gov.v1.Query/TallyResult": (data, reader) => {
    const proposal = proposalOrThrow(reader, v1.QueryTallyResultRequest.decode(data).proposalId);
    return v1.QueryTallyResultResponse.encode({ tally: currentTally(reader, proposal) }).finish();
  },
  "/cosmos.gov.v1.Query/Params": (_data, reader) => {
    const params = readGovParams(reader);
    return v1.QueryParamsResponse.encode({
      params,
      votingParams: { votingPeriod: params.votingPeriod },
      depositParams: { minDeposit: params.minDeposit, maxDepositPeriod: params.maxDepositPeriod },
      tallyParams: {
        quorum: params.quorum,
        threshold: params.threshold,
        vetoThreshold: params.vetoThreshold,
      },
    }).finish();
  },
  "/cosmos.gov.v1beta1.Query/Proposal": (data, reader) => {
    const proposal = proposalOrThrow(reader, v1beta1.QueryProposalRequest.decode(data).proposalId);
    return v1beta1.QueryProposalResponse.encode({ proposal: legacyProposal(proposal) }).finish();
  },
  "/cosmos.gov.v1beta1.Query/Proposals": (data, reader) => {
    const proposals = allProposals(reader, v1beta1.QueryProposalsRequest.decode(data).proposalStatus).map(
      legacyProposal,
    );
    return v1beta1.QueryProposalsResponse.encode({ proposals, pagination: page(proposals.length) }).finish();
  },
  "/cosmos.gov.v1beta1.Query/Vote": (data, reader) => {
    const { proposalId, voter } = v1beta1.QueryVoteRequest.decode(data);
    return v1beta1.QueryVoteResponse.encode({
      vote: legacyVote(voteOrThrow(reader, proposalId, voter)),
    }).finish();
  },
  "/cosmos.gov.v1beta1.Query/Votes": (data, reader) => {
    const list = votes(reader, v1beta1.QueryVotesRequest.decode(data).proposalId).map(legacyVote);
    return v1beta1.QueryVotesResponse.encode({ votes: list, pagination: page(list.length) }).finish();
  },
  "/cosmos.gov.v1beta1.Query/Deposits": (data, reader) => {
    const list = depositsOf(reader, v1beta1.QueryDepositsRequest.decode(data).proposalId);
    return v1beta1.QueryDepositsResponse.encode({ deposits: list, pagination: page(list.length) }).finish();
  },
  "/cosmos.gov.v1beta1.Query/TallyResult": (data, reader) => {
    const proposal = proposalOrThrow(reader, v1beta1.QueryTallyResultRequest.decode(data).proposalId);
    const t = currentTally(reader, proposal);
    return v1beta1.QueryTallyResultResponse.encode({
      tally: { yes: t.yesCount, abstain: t.abstainCount, no: t.noCount, noWithVeto: t.noWithVetoCount },
    }).finish();
  },
  "/cosmos.gov.v1beta1.Query/Params": (_data, reader) => {
    const params = readGovParams(reader);
    const dec = (text: string) => utf8(toLegacyDec(text));
    return v1beta1.QueryParamsResponse.encode({
      votingParams: { votingPeriod: params.votingPeriod ?? { seconds: 0n, nanos: 0 } },
      depositParams: {
        minDeposit: params.minDeposit,
        maxDepositPeriod: params.maxDepositPeriod ?? { seconds: 0n, nanos: 0 },
      },
      tallyParams: {
        quorum: dec(params.quorum),
        threshold: dec(params.threshold),
        vetoThreshold: dec(params.vetoThreshold),
      },
    }).finish();
  },
};
