/** The validator set at genesis, and the consensus keys that check a commit's vote extensions. */
import type { CommitInfo, RequestInitChain, ValidatorUpdate } from "cosmjs-types/tendermint/abci/types";
import { toHex } from "../../core/bytes.js";
import { timestampToMs } from "../../core/timestamp.js";
import { readValidatorKeys } from "../modules/oracle.js";
import { startSigning } from "../modules/slashing.js";
import {
  EvidenceMaxAgeError,
  getValidator,
  operatorByConsensusAddress,
  readStakingParams,
  requireEvidenceOutlivesUnbonding,
  writeEvidenceMaxAgeBlocks,
  writeEvidenceMaxAgeMs,
} from "../modules/staking.js";
import { validatorSetChange } from "../modules/validator-set.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import { GenesisError } from "./genesis.js";

/**
 * Checks that the genesis's evidence max age outlives the unbonding time in `state`, then keeps
 * it, so that staking parameter changes are checked against it later. Every InitChain runs it
 * once the staking parameters are in state: a fresh genesis (with or without validators: any
 * validator created later is bound by the same evidence) and a hard fork's import alike.
 */
export function adoptEvidenceMaxAge(state: StateOverlay, request: RequestInitChain): void {
  const maxAgeMs = timestampToMs(request.consensusParams?.evidence?.maxAgeDuration);
  try {
    requireEvidenceOutlivesUnbonding(maxAgeMs, readStakingParams(state).unbondingTimeSeconds);
  } catch (error) {
    if (!(error instanceof EvidenceMaxAgeError)) throw error;
    throw new GenesisError(`consensus_params.evidence.max_age_duration: ${error.message}`, { cause: error });
  }
  writeEvidenceMaxAgeMs(state, maxAgeMs);
  writeEvidenceMaxAgeBlocks(state, request.consensusParams?.evidence?.maxAgeNumBlocks ?? 0n);
}

/**
 * The set InitChain answers with: the genesis validators by bonded power. Empty when genesis
 * bonds none, and CometBFT keeps its genesis.json set.
 */
export function initValidatorSet(state: StateOverlay, request: RequestInitChain): ValidatorUpdate[] {
  adoptEvidenceMaxAge(state, request);
  const change = validatorSetChange(state, 0n);
  const first = request.initialHeight > 0n ? request.initialHeight : 1n;
  for (const validator of change.entered) startSigning(state, validator, first);
  return change.updates;
}

/** ed25519 keys, by address (hex), of the validators that voted in `commit`. */
export function commitKeys(state: StateReader, commit: CommitInfo): Map<string, Uint8Array> {
  const genesisKeys = readValidatorKeys(state);
  const keys = new Map<string, Uint8Array>();
  for (const vote of commit.votes) {
    if (!vote.validator) continue;
    const address = vote.validator.address;
    const operator = operatorByConsensusAddress(state, address);
    const key =
      (operator && getValidator(state, operator)?.consensusPubkey) ?? genesisKeys.get(toHex(address));
    if (key) keys.set(toHex(address), key);
  }
  return keys;
}
