/**
 * What FinalizeBlock does after a block's txs, in order: pay the block's fees to the validators
 * that signed the previous block, punish double signing (CometBFT's evidence) and downtime (the
 * commit info), pay out matured unbondings, and work out the validator set changes. Deterministic
 * in the state and the request, like everything in a block.
 */
import type { CommitInfo, Event, Misbehavior, ValidatorUpdate } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { Params } from "../../core/proto/sequencer.js";
import { getBalance, mint, transfer } from "../modules/bank.js";
import { challengerReward, recordBlockHash } from "../modules/challenges.js";
import { completeMatured, type StakingEnv } from "../modules/delegations.js";
import { allocateFees, DISTRIBUTION_MODULE } from "../modules/distribution.js";
import { type BlockOracleFaults, NO_ORACLE_FAULTS, recordOracleFaults } from "../modules/oracle-penalties.js";
import { finalizeHeaders, takePendingSlashes } from "../modules/rollups.js";
import { handleDoubleSign, handleLiveness, type SlashOutcome, startSigning } from "../modules/slashing.js";
import {
  consensusAddress,
  getTotalPower,
  getValidator,
  operatorByConsensusAddress,
} from "../modules/staking.js";
import { validatorSetChange } from "../modules/validator-set.js";
import { readInteger, writeInteger } from "../store/integers.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import { event } from "./events.js";
import { FEE_COLLECTOR } from "./execute.js";
import { endGovernance } from "./governance.js";

const BLOCK_TIME_KEY = "chain/block-time-ms";

/** The last committed block's time: CheckTx's stand-in for the time of the block a tx will land in. */
export function readBlockTimeMs(state: StateReader): bigint {
  return readInteger(state, BLOCK_TIME_KEY);
}

export interface EndBlockRequest {
  height: bigint;
  timeMs: bigint;
  decidedLastCommit: CommitInfo | undefined;
  misbehavior: readonly Misbehavior[];
  /** This block's hash, recorded for judging rollup challenges against Metro's own blocks. */
  blockHash?: Uint8Array;
  /** How each validator's price vote in this block's injected commit did (chain/app/oracle.ts). */
  oracleFaults?: BlockOracleFaults;
}

export interface EndBlockResult {
  validatorUpdates: ValidatorUpdate[];
  events: Event[];
}

/**
 * Moves the block's fees to the distribution module and raises the fees-per-power index: every
 * validator in CometBFT's set earns by its power (as in the Cosmos SDK, whether or not it signed
 * this block: downtime has its own penalty). Nothing is created or lost.
 */
function collectFees(state: StateOverlay, denom: string): void {
  const fees = getBalance(state, FEE_COLLECTOR, denom);
  if (fees === 0n) return;
  transfer(state, FEE_COLLECTOR, DISTRIBUTION_MODULE, denom, fees);
  allocateFees(state, fees, getTotalPower(state));
}

/**
 * Committee members who signed two headers for one rollup height, or a header a challenge
 * proved fraudulent: slashed, jailed and tombstoned like double signers. A challenger who
 * proved a fraud is paid its share of what each signer's slash burned.
 */
function punishRollupFaults(
  state: StateOverlay,
  operatorOf: (address: Uint8Array) => string | undefined,
  env: StakingEnv,
): Event[] {
  const events: Event[] = [];
  for (const { operator, reason, beneficiary } of takePendingSlashes(state)) {
    const validator = getValidator(state, operator);
    if (!validator) continue;
    const outcome = handleDoubleSign(
      state,
      consensusAddress(validator.consensusPubkey),
      env.height,
      operatorOf,
      env,
    );
    if (!outcome) continue;
    events.push(slashEvent({ ...outcome, reason }));
    const reward = beneficiary ? challengerReward(outcome.burned) : 0n;
    if (reward > 0n) {
      mint(state, beneficiary!, env.denom, reward);
      events.push(
        event(
          "challenge_reward",
          { challenger: beneficiary!, validator: operator, amount: reward.toString() },
          ["challenger"],
        ),
      );
    }
  }
  return events;
}

function slashEvent(outcome: SlashOutcome): Event {
  return event(
    "slash",
    { validator: outcome.operator, reason: outcome.reason, burned_coins: outcome.burned.toString() },
    ["validator", "reason"],
  );
}

export function endBlock(state: StateOverlay, request: EndBlockRequest, params: Params): EndBlockResult {
  const denom = params.feeDenom;
  const env: StakingEnv = { height: request.height, timeMs: request.timeMs, denom };
  const operatorOf = (address: Uint8Array) => operatorByConsensusAddress(state, address);
  const events: Event[] = [];
  collectFees(state, denom);
  if (request.blockHash?.length === 32) recordBlockHash(state, request.height, request.blockHash);
  for (const misbehavior of request.misbehavior) {
    if (!misbehavior.validator) continue;
    const outcome = handleDoubleSign(
      state,
      misbehavior.validator.address,
      misbehavior.height,
      operatorOf,
      env,
      misbehavior.validator.power,
    );
    if (outcome) events.push(slashEvent(outcome));
  }
  const votes = (request.decidedLastCommit?.votes ?? []).flatMap((vote) =>
    vote.validator
      ? [{ address: vote.validator.address, signed: vote.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_ABSENT }]
      : [],
  );
  for (const outcome of handleLiveness(state, votes, operatorOf, env)) events.push(slashEvent(outcome));
  for (const outcome of recordOracleFaults(state, request.oracleFaults ?? NO_ORACLE_FAULTS, env))
    events.push(slashEvent(outcome));
  events.push(...punishRollupFaults(state, operatorOf, env));
  for (const done of finalizeHeaders(state, request.height)) {
    events.push(
      event(
        "rollup_header",
        { rollup_id: done.rollupId, rollup_height: done.rollupHeight.toString(), status: "final" },
        ["rollup_id"],
      ),
    );
  }
  completeMatured(state, request.timeMs, denom);
  events.push(...endGovernance(state, { height: request.height, timeMs: request.timeMs, params }));
  const change = validatorSetChange(state, request.height);
  for (const validator of change.entered) startSigning(state, validator, request.height);
  writeInteger(state, BLOCK_TIME_KEY, request.timeMs);
  return { validatorUpdates: change.updates, events };
}
