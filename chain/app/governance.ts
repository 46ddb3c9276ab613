/**
 * Governance at the end of a block: proposals whose deposit period ran out are dropped (their
 * deposits refunded, or burned when burn_proposal_deposit_prevote is set), proposals whose
 * voting period ended are tallied, and a passed proposal's messages run as the gov module, all
 * or nothing: one failing message fails the proposal and none of its changes stay. A finished
 * vote refunds its deposits except as burnsDeposits (modules/gov.ts) says: the SDK's gov v1.
 */
import type { Event } from "cosmjs-types/tendermint/abci/types";
import type { Params } from "../../core/proto/sequencer.js";
import { burn, transfer } from "../modules/bank.js";
import {
  burnsDeposits,
  deleteProposal,
  depositEnded,
  deposits,
  getProposal,
  ProposalStatus,
  readGovParams,
  setDeposit,
  setProposal,
  tally,
  tallyResult,
  verdict,
  votingEnded,
} from "../modules/gov.js";
import { GOV_AUTHORITY } from "../modules/params.js";
import type { StateOverlay } from "../store/overlay.js";
import { TxError } from "../tx/errors.js";
import { decodeMessage } from "../tx/messages.js";
import { event } from "./events.js";
import { HANDLERS, type MessageEnv, type MessageHandler } from "./handlers/index.js";

interface BlockEnv {
  height: bigint;
  timeMs: bigint;
  params: Params;
}

function settleDeposits(state: StateOverlay, id: bigint, denom: string, destroy: boolean): void {
  for (const { depositor, amount } of deposits(state, id)) {
    if (destroy) burn(state, GOV_AUTHORITY, denom, amount);
    else transfer(state, GOV_AUTHORITY, depositor, denom, amount);
    setDeposit(state, id, depositor, 0n);
  }
}

/** Runs a passed proposal's messages in a branch; returns why it failed, or undefined. */
function execute(
  state: StateOverlay,
  messages: { typeUrl: string; value: Uint8Array }[],
  env: BlockEnv,
  events: Event[],
): string | undefined {
  const branch = state.branch();
  try {
    messages.forEach((any, msgIndex) => {
      const message = decodeMessage(any.typeUrl, any.value);
      const handler = HANDLERS[message.typeUrl] as MessageHandler<typeof message.value>;
      const messageEnv: MessageEnv = {
        state: branch,
        params: env.params,
        height: env.height,
        blockTimeMs: () => env.timeMs,
        signer: GOV_AUTHORITY,
        msgIndex,
        events: [],
        rollupItems: [],
      };
      handler.validate?.(message.value, env.params);
      handler.execute(messageEnv, message.value);
      events.push(...messageEnv.events);
    });
  } catch (error) {
    if (error instanceof TxError) return error.message;
    throw error;
  }
  branch.mergeInto(state);
  return undefined;
}

export function endGovernance(state: StateOverlay, env: BlockEnv): Event[] {
  const events: Event[] = [];
  const denom = env.params.feeDenom;
  const params = readGovParams(state);
  for (const { key, id } of depositEnded(state, env.timeMs)) {
    state.delete(key);
    const proposal = getProposal(state, id);
    if (proposal?.status !== ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD) continue;
    settleDeposits(state, id, denom, params.burnProposalDepositPrevote);
    deleteProposal(state, id);
    events.push(
      event("inactive_proposal", { proposal_id: id.toString(), result: "deposit_period_ended" }, [
        "proposal_id",
      ]),
    );
  }
  for (const { key, id } of votingEnded(state, env.timeMs)) {
    state.delete(key);
    const proposal = getProposal(state, id);
    if (proposal?.status !== ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD) continue;
    const result = tally(state, id);
    const outcome = verdict(result, params);
    proposal.finalTallyResult = tallyResult(result);
    if (outcome === "passed") {
      const failure = execute(state, proposal.messages, env, events);
      proposal.status = failure
        ? ProposalStatus.PROPOSAL_STATUS_FAILED
        : ProposalStatus.PROPOSAL_STATUS_PASSED;
      proposal.failedReason = failure ?? "";
    } else {
      proposal.status = ProposalStatus.PROPOSAL_STATUS_REJECTED;
    }
    settleDeposits(state, id, denom, burnsDeposits(outcome, params));
    setProposal(state, proposal);
    events.push(
      event(
        "active_proposal",
        { proposal_id: id.toString(), proposal_result: outcome, failed_reason: proposal.failedReason },
        ["proposal_id"],
      ),
    );
  }
  return events;
}
