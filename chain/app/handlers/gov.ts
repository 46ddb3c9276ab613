/**
 * Governance messages: submitting a proposal (whose inner messages must be the gov module's to
 * send, and valid now), depositing and voting; and the messages a passed proposal runs:
 * parameter changes, slash-and-jail, halt at a height, new oracle pairs.
 */
import { Params as GovParamsType, Proposal, proposalStatusToJSON } from "cosmjs-types/cosmos/gov/v1/gov";
import {
  type MsgDeposit,
  MsgDepositResponse,
  type MsgSubmitProposal,
  MsgSubmitProposalResponse,
  type MsgUpdateParams as MsgUpdateGovParams,
  MsgUpdateParamsResponse as MsgUpdateGovParamsResponse,
  type MsgVote,
  MsgVoteResponse,
} from "cosmjs-types/cosmos/gov/v1/tx";
import type { MsgUpdateParams as MsgUpdateSlashingParams } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { z } from "zod";
import type {
  MsgAddCurrencyPairs,
  MsgHaltChain,
  MsgRemoveCurrencyPairs,
  MsgSlashValidator,
  MsgUpdateOracleParams,
  MsgUpdateSequencerParams,
} from "../../../core/proto/gov.js";
import type { Params } from "../../../core/proto/sequencer.js";
import { msToTimestamp, timestampToMs } from "../../../core/timestamp.js";
import { parseCoins, transfer } from "../../modules/bank.js";
import { requireValidator } from "../../modules/delegations.js";
import {
  dequeueDeposit,
  enqueueDeposit,
  enqueueVoting,
  getDeposit,
  getProposal,
  getVote,
  minDeposit,
  nextProposalId,
  ProposalStatus,
  readGovParams,
  setDeposit,
  setProposal,
  setVote,
  VoteOption,
  writeGovParams,
  writeHaltHeight,
} from "../../modules/gov.js";
import { priceKey, readPairs, writePairs } from "../../modules/oracle.js";
import { writeOracleParams } from "../../modules/oracle-penalties.js";
import { GOV_AUTHORITY, writeParams } from "../../modules/params.js";
import { fromSdkSlashingParams, slashAndJail, writeSlashingParams } from "../../modules/slashing.js";
import type { StateOverlay } from "../../store/overlay.js";
import { GovCode, moduleError } from "../../tx/errors.js";
import { decodeMessage, messageSigner, operatorField } from "../../tx/messages.js";
import { event } from "../events.js";
import { GenesisParamsSchema, paramsToGenesis } from "../genesis.js";
import { requireAuthority, validParams } from "./authority.js";
import { handlerFor } from "./lookup.js";
import type { MessageHandler } from "./types.js";

const govError = (code: number, message: string) => moduleError("gov", code, message);

/** A proposal's messages: each must be the gov module's to send, and pass its own checks now. */
function validateProposalMessages(message: MsgSubmitProposal, params: Params): void {
  for (const [index, any] of message.messages.entries()) {
    const inner = decodeMessage(any.typeUrl, any.value);
    if (messageSigner(inner) !== GOV_AUTHORITY) {
      throw govError(
        GovCode.InvalidProposalMessage,
        `proposal message ${index} (${any.typeUrl}) must have the gov module ${GOV_AUTHORITY} as its authority`,
      );
    }
    const handler = handlerFor(inner.typeUrl) as MessageHandler<typeof inner.value>;
    handler.validate?.(inner.value, params);
  }
}

function depositAmount(coins: MsgDeposit["amount"], denom: string): bigint {
  const parsed = parseCoins(coins);
  if (parsed.some((coin) => coin.denom !== denom)) {
    throw govError(GovCode.InvalidDeposit, `deposits are paid in ${denom} only`);
  }
  return parsed.reduce((sum, coin) => sum + coin.amount, 0n);
}

/** Adds a deposit; a proposal in its deposit period that reaches the minimum starts voting. */
function addDeposit(
  state: StateOverlay,
  proposal: Proposal,
  depositor: string,
  amount: bigint,
  nowMs: bigint,
  denom: string,
): void {
  if (amount > 0n) transfer(state, depositor, GOV_AUTHORITY, denom, amount);
  setDeposit(state, proposal.id, depositor, getDeposit(state, proposal.id, depositor) + amount);
  const total = BigInt(proposal.totalDeposit.find((c) => c.denom === denom)?.amount ?? "0") + amount;
  proposal.totalDeposit = total > 0n ? [{ denom, amount: total.toString() }] : [];
  const params = readGovParams(state);
  if (
    proposal.status === ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD &&
    total >= minDeposit(params, denom)
  ) {
    if (proposal.depositEndTime) dequeueDeposit(state, timestampToMs(proposal.depositEndTime), proposal.id);
    const endMs = nowMs + (params.votingPeriod?.seconds ?? 0n) * 1000n;
    proposal.status = ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD;
    proposal.votingStartTime = msToTimestamp(nowMs);
    proposal.votingEndTime = msToTimestamp(endMs);
    enqueueVoting(state, endMs, proposal.id);
  }
  setProposal(state, proposal);
}

export const msgSubmitProposal: MessageHandler<MsgSubmitProposal> = {
  module: "gov",
  responseTypeUrl: "/cosmos.gov.v1.MsgSubmitProposalResponse",
  validate(message, params) {
    const title = message.title.trim();
    if (title.length === 0 || title.length > 140)
      throw govError(GovCode.InvalidProposalMessage, "title must be 1 to 140 characters");
    if (message.summary.length > 10_000)
      throw govError(GovCode.InvalidProposalMessage, "summary is over 10000 characters");
    if (message.metadata.length > 255)
      throw govError(GovCode.InvalidProposalMessage, "metadata is over 255 characters");
    if (message.expedited)
      throw govError(GovCode.InvalidProposalMessage, "expedited proposals are not supported");
    validateProposalMessages(message, params);
  },
  execute(env, message) {
    const nowMs = env.blockTimeMs();
    const denom = env.params.feeDenom;
    const params = readGovParams(env.state);
    const id = nextProposalId(env.state);
    const depositEndMs = nowMs + (params.maxDepositPeriod?.seconds ?? 0n) * 1000n;
    const proposal: Proposal = Proposal.fromPartial({
      id,
      messages: message.messages,
      status: ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD,
      submitTime: msToTimestamp(nowMs),
      depositEndTime: msToTimestamp(depositEndMs),
      totalDeposit: [],
      metadata: message.metadata,
      title: message.title.trim(),
      summary: message.summary,
      proposer: env.signer,
      expedited: false,
      failedReason: "",
    });
    enqueueDeposit(env.state, depositEndMs, id);
    addDeposit(env.state, proposal, env.signer, depositAmount(message.initialDeposit, denom), nowMs, denom);
    env.events.push(event("submit_proposal", { proposal_id: id.toString() }, ["proposal_id"]));
    return MsgSubmitProposalResponse.encode({ proposalId: id }).finish();
  },
};

function openProposal(state: StateOverlay, id: bigint): Proposal {
  const proposal = getProposal(state, id);
  if (!proposal) throw govError(GovCode.ProposalNotFound, `proposal ${id} does not exist`);
  return proposal;
}

export const msgDeposit: MessageHandler<MsgDeposit> = {
  module: "gov",
  responseTypeUrl: "/cosmos.gov.v1.MsgDepositResponse",
  execute(env, message) {
    const proposal = openProposal(env.state, message.proposalId);
    if (
      proposal.status !== ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD &&
      proposal.status !== ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD
    ) {
      throw govError(GovCode.InactiveProposal, `proposal ${proposal.id} no longer takes deposits`);
    }
    const denom = env.params.feeDenom;
    const amount = depositAmount(message.amount, denom);
    if (amount === 0n) throw govError(GovCode.InvalidDeposit, "deposit is empty");
    addDeposit(env.state, proposal, env.signer, amount, env.blockTimeMs(), denom);
    env.events.push(event("proposal_deposit", { proposal_id: proposal.id.toString() }, ["proposal_id"]));
    return MsgDepositResponse.encode({}).finish();
  },
};

const isoTime = (ms: bigint): string => new Date(Number(ms)).toISOString();

/**
 * A vote counts only while the proposal is in its voting period by status and by time: a
 * proposal whose end time has passed keeps its voting status until the end of the block that
 * tallies it, and a vote in that block's txs would otherwise slip in after the deadline.
 */
function requireVotingOpen(proposal: Proposal, nowMs: bigint): void {
  if (proposal.status !== ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD) {
    throw govError(
      GovCode.InactiveProposal,
      `proposal ${proposal.id} is not in its voting period (status ${proposalStatusToJSON(proposal.status)})`,
    );
  }
  const endMs = timestampToMs(proposal.votingEndTime);
  if (nowMs >= endMs) {
    throw govError(
      GovCode.InactiveProposal,
      `proposal ${proposal.id} is not in its voting period: it ended at ${isoTime(endMs)}, and this block is at ${isoTime(nowMs)}`,
    );
  }
}

export const msgVote: MessageHandler<MsgVote> = {
  module: "gov",
  responseTypeUrl: "/cosmos.gov.v1.MsgVoteResponse",
  validate(message) {
    if (message.option < VoteOption.VOTE_OPTION_YES || message.option > VoteOption.VOTE_OPTION_NO_WITH_VETO) {
      throw govError(GovCode.InvalidVote, `invalid vote option ${message.option}`);
    }
    if (message.metadata.length > 255) throw govError(GovCode.InvalidVote, "metadata is over 255 characters");
  },
  execute(env, message) {
    const proposal = openProposal(env.state, message.proposalId);
    requireVotingOpen(proposal, env.blockTimeMs());
    if (getVote(env.state, proposal.id, env.signer)) {
      throw govError(GovCode.DuplicateVote, `${env.signer} has already voted on proposal ${proposal.id}`);
    }
    setVote(env.state, {
      proposalId: proposal.id,
      voter: env.signer,
      options: [{ option: message.option, weight: "1.000000000000000000" }],
      metadata: message.metadata,
    });
    env.events.push(
      event("proposal_vote", { proposal_id: proposal.id.toString(), option: String(message.option) }, [
        "proposal_id",
      ]),
    );
    return MsgVoteResponse.encode({}).finish();
  },
};

const unitDecimal = z.string().regex(/^(0(\.\d{1,18})?|1(\.0{1,18})?)$/, "must be a decimal between 0 and 1");
const seconds = z.object({ seconds: z.bigint().positive(), nanos: z.number() });
const coins = z.array(z.object({ denom: z.string().min(3), amount: z.string().regex(/^\d{1,78}$/) }));

/** The SDK refuses a zero pass or veto threshold: any single yes (or veto) would decide. */
const positiveUnitDecimal = unitDecimal.refine((text) => /[1-9]/.test(text), "must be above 0");

const GovParamsSchema = z.object({
  minDeposit: coins,
  maxDepositPeriod: seconds,
  votingPeriod: seconds,
  quorum: unitDecimal,
  threshold: positiveUnitDecimal,
  vetoThreshold: positiveUnitDecimal,
});

/**
 * Gov parameters as given, or InvalidParams. Deposits are paid in the fee denom only, so a
 * minimum in any other denom would read as no minimum at all: refused.
 */
function validGovParams(params: MsgUpdateGovParams["params"], feeDenom: string): void {
  const valid = validParams(GovParamsSchema, params, "gov");
  const denoms = valid.minDeposit.map((coin) => coin.denom);
  if (denoms.some((denom) => denom !== feeDenom) || new Set(denoms).size !== denoms.length) {
    throw govError(
      GovCode.InvalidParams,
      `invalid gov parameters: min_deposit must be one amount of ${feeDenom}, the denom deposits are paid in, not ${denoms.join(", ")}`,
    );
  }
}

const SlashingParamsSchema = z.object({
  signedBlocksWindow: z.bigint().min(10n).max(1_000_000n),
  minSignedPerWindow: unitDecimal,
  downtimeJailSeconds: z.bigint().positive(),
  slashFractionDoubleSign: unitDecimal,
  slashFractionDowntime: unitDecimal,
});

export const msgUpdateGovParams: MessageHandler<MsgUpdateGovParams> = {
  module: "gov",
  responseTypeUrl: "/cosmos.gov.v1.MsgUpdateParamsResponse",
  validate: (message, params) => validGovParams(message.params, params.feeDenom),
  execute(env, message) {
    requireAuthority(message.authority);
    validGovParams(message.params, env.params.feeDenom);
    writeGovParams(env.state, GovParamsType.fromPartial({ ...message.params }));
    return MsgUpdateGovParamsResponse.encode({}).finish();
  },
};

function slashingParamsOf(message: MsgUpdateSlashingParams) {
  try {
    return message.params ? fromSdkSlashingParams(message.params) : undefined;
  } catch (error) {
    throw govError(GovCode.InvalidParams, `invalid slashing parameters: ${(error as Error).message}`);
  }
}

export const msgUpdateSlashingParams: MessageHandler<MsgUpdateSlashingParams> = {
  module: "slashing",
  responseTypeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParamsResponse",
  validate: (message) => void validParams(SlashingParamsSchema, slashingParamsOf(message), "slashing"),
  execute(env, message) {
    requireAuthority(message.authority);
    writeSlashingParams(env.state, validParams(SlashingParamsSchema, slashingParamsOf(message), "slashing"));
    return new Uint8Array();
  },
};

export const msgUpdateSequencerParams: MessageHandler<MsgUpdateSequencerParams> = {
  module: "sequencer",
  responseTypeUrl: "/metro.sequencer.v1.MsgUpdateParamsResponse",
  validate(message) {
    if (!message.params) throw govError(GovCode.InvalidParams, "invalid sequencer parameters: missing");
    validParams(GenesisParamsSchema, paramsToGenesis(message.params), "sequencer");
  },
  execute(env, message) {
    requireAuthority(message.authority);
    this.validate?.(message, env.params);
    writeParams(env.state, message.params!);
    return new Uint8Array();
  },
};

export const msgSlashValidator: MessageHandler<MsgSlashValidator> = {
  module: "gov",
  responseTypeUrl: "/metro.gov.v1.MsgSlashValidatorResponse",
  validate(message) {
    validParams(unitDecimal, message.slashFraction, "slash fraction");
    operatorField(message.validatorAddress);
  },
  execute(env, message) {
    requireAuthority(message.authority);
    const validator = requireValidator(env.state, operatorField(message.validatorAddress));
    const outcome = slashAndJail(env.state, validator, message.slashFraction, {
      height: env.height,
      timeMs: env.blockTimeMs(),
      denom: env.params.feeDenom,
    });
    env.events.push(
      event(
        "slash",
        { validator: outcome.operator, reason: "governance", burned_coins: outcome.burned.toString() },
        ["validator"],
      ),
    );
    return new Uint8Array();
  },
};

export const msgHaltChain: MessageHandler<MsgHaltChain> = {
  module: "gov",
  responseTypeUrl: "/metro.gov.v1.MsgHaltChainResponse",
  validate(message) {
    if (message.height <= 0n) throw govError(GovCode.InvalidParams, "halt height must be positive");
  },
  execute(env, message) {
    requireAuthority(message.authority);
    if (message.height <= env.height) {
      throw govError(
        GovCode.InvalidParams,
        `halt height ${message.height} is not after the current height ${env.height}`,
      );
    }
    writeHaltHeight(env.state, message.height);
    env.events.push(event("halt_scheduled", { height: message.height.toString() }));
    return new Uint8Array();
  },
};

const PairSchema = z.strictObject({
  id: z.string().regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, "must be BASE/QUOTE in capitals"),
  decimals: z.number().int().min(0).max(18),
});

export const msgAddCurrencyPairs: MessageHandler<MsgAddCurrencyPairs> = {
  module: "oracle",
  responseTypeUrl: "/metro.oracle.v1.MsgAddCurrencyPairsResponse",
  validate(message) {
    const pairs = validParams(z.array(PairSchema).min(1).max(256), message.pairs, "currency pair");
    if (new Set(pairs.map((p) => p.id)).size !== pairs.length) {
      throw govError(GovCode.InvalidParams, "invalid currency pair parameters: pair ids must be distinct");
    }
  },
  execute(env, message) {
    requireAuthority(message.authority);
    const existing = readPairs(env.state);
    const taken = message.pairs.find((pair) => existing.some((p) => p.id === pair.id));
    if (taken) throw govError(GovCode.InvalidParams, `currency pair ${taken.id} already exists`);
    writePairs(env.state, [...existing, ...message.pairs]);
    return new Uint8Array();
  },
};

export const msgRemoveCurrencyPairs: MessageHandler<MsgRemoveCurrencyPairs> = {
  module: "oracle",
  responseTypeUrl: "/metro.oracle.v1.MsgRemoveCurrencyPairsResponse",
  validate(message) {
    if (message.pairIds.length === 0) throw govError(GovCode.InvalidParams, "no currency pairs to remove");
  },
  execute(env, message) {
    requireAuthority(message.authority);
    const existing = readPairs(env.state);
    const missing = message.pairIds.find((id) => !existing.some((pair) => pair.id === id));
    if (missing) throw govError(GovCode.InvalidParams, `currency pair ${missing} does not exist`);
    writePairs(
      env.state,
      existing.filter((pair) => !message.pairIds.includes(pair.id)),
    );
    for (const id of message.pairIds) env.state.delete(priceKey(id));
    return new Uint8Array();
  },
};

const OracleParamsSchema = z.object({
  windowBlocks: z.bigint().min(10n).max(1_000_000n),
  maxBadBlocks: z.bigint().min(0n),
  deviationBand: z.string().regex(/^\d+(\.\d{1,18})?$/, "must be a decimal such as 0.1"),
  slashFraction: unitDecimal,
  jailSeconds: z.bigint().min(0n),
});

export const msgUpdateOracleParams: MessageHandler<MsgUpdateOracleParams> = {
  module: "oracle",
  responseTypeUrl: "/metro.oracle.v1.MsgUpdateParamsResponse",
  validate(message) {
    const params = validParams(OracleParamsSchema, message.params, "oracle");
    if (params.maxBadBlocks >= params.windowBlocks) {
      throw govError(
        GovCode.InvalidParams,
        "invalid oracle parameters: max_bad_blocks must be below window_blocks",
      );
    }
  },
  execute(env, message) {
    requireAuthority(message.authority);
    this.validate?.(message, env.params);
    writeOracleParams(env.state, message.params!);
    return new Uint8Array();
  },
};
