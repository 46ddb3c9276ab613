/**
 * The validator set CometBFT runs with. Voting power is bonded LST valued in TIA: tokens × the
 * LST's redemption rate (the oracle's STTIA/TIA price, 1.0 until it has one) in whole TIA. It is
 * recomputed at epoch boundaries; between them only jailing changes the set, at once.
 */
import type { ValidatorUpdate } from "cosmjs-types/tendermint/abci/types";
import type { Fraction } from "../../core/decimal.js";
import type { ValidatorRecord } from "../../core/proto/staking.js";
import type { StateOverlay } from "../store/overlay.js";
import { settleValidator } from "./distribution.js";
import { readPrice } from "./oracle.js";
import {
  allValidators,
  currentPowers,
  getValidator,
  POWER_REDUCTION,
  readStakingParams,
  setPower,
} from "./staking.js";

/** The oracle pair whose price is the LST's redemption rate in TIA. */
export const REDEMPTION_RATE_PAIR = "STTIA/TIA";

export function redemptionRate(state: StateOverlay): Fraction {
  const price = readPrice(state, REDEMPTION_RATE_PAIR);
  if (!price || price.price <= 0n) return { numerator: 1n, denominator: 1n };
  return { numerator: price.price, denominator: 10n ** BigInt(price.decimals) };
}

export function votingPower(validator: ValidatorRecord, rate: Fraction): bigint {
  if (validator.jailed) return 0n;
  return (BigInt(validator.tokens) * rate.numerator) / (rate.denominator * POWER_REDUCTION);
}

/**
 * The LST a CometBFT power stands for: votingPower's inverse, rounded down. Slashing uses it to
 * turn the power a validator had at a fault back into the stake it had then.
 *
 * It converts at `rate`, which callers take from redemptionRate now: Metro keeps no history of
 * rates, and an LST's redemption rate only grows (staking rewards accrue to it, barring a slash
 * of its own stake on Celestia), so today's rate is at least the one the power was computed
 * with. The LST found is then never more than was bonded at the fault: a slash may fall short
 * by the rate's growth since then (at most the evidence max age's worth of staking yield), and
 * never takes stake that was not there.
 */
export function lstOfPower(power: bigint, rate: Fraction): bigint {
  return (power * POWER_REDUCTION * rate.denominator) / rate.numerator;
}

export interface SetChange {
  updates: ValidatorUpdate[];
  /** Validators that had no power and now have some. */
  entered: ValidatorRecord[];
}

/** The active set an epoch boundary picks: the most powerful unjailed validators, up to the maximum. */
function epochSet(state: StateOverlay): Map<string, bigint> {
  const { maxValidators } = readStakingParams(state);
  const rate = redemptionRate(state);
  const ranked = allValidators(state)
    .map((validator) => ({ operator: validator.operatorAddress, power: votingPower(validator, rate) }))
    .filter((entry) => entry.power > 0n)
    .sort((a, b) => (a.power === b.power ? (a.operator < b.operator ? -1 : 1) : a.power > b.power ? -1 : 1));
  return new Map(ranked.slice(0, maxValidators).map((entry) => [entry.operator, entry.power]));
}

/**
 * The validator updates for the end of block `height`. An update that would leave CometBFT with
 * no validators is not made: the chain would halt for good.
 */
export function validatorSetChange(state: StateOverlay, height: bigint): SetChange {
  const { epochLength } = readStakingParams(state);
  const current = currentPowers(state);
  const isEpoch = epochLength <= 1n || height % epochLength === 0n;
  const next = isEpoch ? epochSet(state) : new Map(current);
  if (!isEpoch) {
    for (const operator of current.keys()) {
      if (getValidator(state, operator)?.jailed) next.delete(operator);
    }
  }
  if (next.size === 0) return { updates: [], entered: [] };
  const updates: ValidatorUpdate[] = [];
  const entered: ValidatorRecord[] = [];
  for (const operator of new Set([...current.keys(), ...next.keys()])) {
    const before = current.get(operator) ?? 0n;
    const after = next.get(operator) ?? 0n;
    if (before === after) continue;
    const validator = getValidator(state, operator);
    if (!validator) throw new Error(`validator ${operator} has power but no record`);
    updates.push({ pubKey: { ed25519: validator.consensusPubkey }, power: after });
    // Fees so far were earned at the old power.
    settleValidator(state, validator, after);
    setPower(state, operator, after);
    if (before === 0n) entered.push(validator);
  }
  return { updates, entered };
}
