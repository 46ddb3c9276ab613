/** The validator set at genesis, and the consensus keys that check a commit's vote extensions. */
import type { CommitInfo, RequestInitChain, ValidatorUpdate } from "cosmjs-types/tendermint/abci/types";
import { toHex } from "../../core/bytes.js";
import { timestampToMs } from "../../core/timestamp.js";
import { readValidatorKeys } from "../modules/oracle.js";
import { startSigning } from "../modules/slashing.js";
import {
  allValidators,
  getValidator,
  operatorByConsensusAddress,
  readStakingParams,
  writeEvidenceMaxAgeMs,
} from "../modules/staking.js";
import { validatorSetChange } from "../modules/validator-set.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import { GenesisError } from "./genesis.js";

/**
 * The set InitChain answers with: the genesis validators by bonded power. Empty when genesis
 * bonds none, and CometBFT keeps its genesis.json set. Also checks that evidence lives at least
 * as long as unbonding does, or a fault could outrun its slash.
 */
export function initValidatorSet(state: StateOverlay, request: RequestInitChain): ValidatorUpdate[] {
  const maxAgeMs = timestampToMs(request.consensusParams?.evidence?.maxAgeDuration);
  writeEvidenceMaxAgeMs(state, maxAgeMs);
  if (allValidators(state).length === 0) return [];
  const { unbondingTimeSeconds } = readStakingParams(state);
  if (maxAgeMs < unbondingTimeSeconds * 1000n) {
    throw new GenesisError(
      `consensus_params.evidence.max_age_duration (${maxAgeMs / 1000n}s) is shorter than the unbonding time (${unbondingTimeSeconds}s)`,
    );
  }
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
