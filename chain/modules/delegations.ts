/**
 * What staking messages do: create a validator, delegate, undelegate (through the unbonding
 * queue) and redelegate, with the distribution hooks around every change of stake. Each
 * function checks everything before it writes, and throws TxError with the reason; the tx's
 * branch is dropped on any throw, so a rejected message changes nothing.
 */
import { operatorAccount, operatorAddress } from "../../core/address.js";
import { blsVerifyPOP } from "../../core/bls.js";
import { toHex } from "../../core/bytes.js";
import { compareFractions, DecimalError, parseDecimal, parseUnitFraction } from "../../core/decimal.js";
import type { MsgCreateValidator, ValidatorRecord } from "../../core/proto/staking.js";
import type { StateOverlay } from "../store/overlay.js";
import { moduleError, StakingCode } from "../tx/errors.js";
import { transfer } from "./bank.js";
import { initValidatorRewards, startDelegation, withdrawDelegation } from "./distribution.js";
import {
  BONDED_POOL,
  blsKeyTaken,
  consensusAddress,
  enqueueRedelegation,
  enqueueUnbonding,
  getDelegationShares,
  getRedelegationEntries,
  getUnbondingEntries,
  getValidator,
  incomingRedelegationUntil,
  indexValidatorKeys,
  NOT_BONDED_POOL,
  operatorByConsensusAddress,
  queuedRedelegations as queuedRedelegationsDue,
  queuedUnbondings as queuedUnbondingsDue,
  readStakingParams,
  SHARE_SCALE,
  setDelegationShares,
  setIncomingRedelegationUntil,
  setRedelegationEntries,
  setUnbondingEntries,
  setValidator,
  tokensOfShares,
} from "./staking.js";

/** Where a staking message runs: the block's height and time, and the bond denom (the LST). */
export interface StakingEnv {
  height: bigint;
  timeMs: bigint;
  denom: string;
}

const stakingError = (code: number, message: string) => moduleError("staking", code, message);

export function requireValidator(state: StateOverlay, operator: string): ValidatorRecord {
  const validator = getValidator(state, operator);
  if (!validator) throw stakingError(StakingCode.ValidatorNotFound, `validator ${operator} does not exist`);
  return validator;
}

/** A bond amount: the LST, positive. */
export function bondAmount(
  coin: { denom: string; amount: string } | null | undefined,
  denom: string,
): bigint {
  if (!coin || !/^\d{1,78}$/.test(coin.amount) || BigInt(coin.amount) === 0n) {
    throw stakingError(StakingCode.InvalidAmount, "amount must be a positive integer");
  }
  if (coin.denom !== denom) {
    throw stakingError(StakingCode.InvalidAmount, `staking takes ${denom} only, got ${coin.denom}`);
  }
  return BigInt(coin.amount);
}

function parseRate(text: string, what: string): ReturnType<typeof parseUnitFraction> {
  try {
    return parseUnitFraction(text);
  } catch (error) {
    if (error instanceof DecimalError)
      throw stakingError(StakingCode.CommissionInvalid, `${what}: ${error.message}`);
    throw error;
  }
}

/** Closes the validator's reward period (paying the delegation's rewards, if any) before its stake changes. */
function beforeStakeChange(
  state: StateOverlay,
  delegator: string,
  validator: ValidatorRecord,
  env: StakingEnv,
): void {
  withdrawDelegation(state, delegator, validator, env.denom);
}

/** Adds `amount` tokens (already in the bonded pool) to a delegation; returns the shares issued. */
function bond(
  state: StateOverlay,
  delegator: string,
  validator: ValidatorRecord,
  amount: bigint,
  env: StakingEnv,
): bigint {
  const tokens = BigInt(validator.tokens);
  const shares = BigInt(validator.shares);
  if (tokens === 0n && shares > 0n) {
    throw stakingError(
      StakingCode.InvalidValidatorState,
      `validator ${validator.operatorAddress} was slashed to zero`,
    );
  }
  const issued = shares === 0n ? amount * SHARE_SCALE : (amount * shares) / tokens;
  if (issued === 0n) throw stakingError(StakingCode.InvalidAmount, `${amount} is too small to buy a share`);
  beforeStakeChange(state, delegator, validator, env);
  validator.tokens = (tokens + amount).toString();
  validator.shares = (shares + issued).toString();
  setValidator(state, validator);
  const operator = validator.operatorAddress;
  setDelegationShares(state, delegator, operator, getDelegationShares(state, delegator, operator) + issued);
  startDelegation(state, delegator, validator, env.height);
  return issued;
}

/** Removes shares worth `amount` from a delegation; returns the tokens they were worth. */
function unbond(
  state: StateOverlay,
  delegator: string,
  validator: ValidatorRecord,
  amount: bigint,
  env: StakingEnv,
): bigint {
  const operator = validator.operatorAddress;
  const held = getDelegationShares(state, delegator, operator);
  if (held === 0n) {
    throw stakingError(StakingCode.DelegationNotFound, `${delegator} has no delegation to ${operator}`);
  }
  const tokens = BigInt(validator.tokens);
  const shares = BigInt(validator.shares);
  const worth = tokensOfShares(validator, held);
  const taken = tokens === 0n ? held : (amount * shares + tokens - 1n) / tokens;
  if (amount > worth || taken > held) {
    throw stakingError(
      StakingCode.InsufficientShares,
      `cannot unbond ${amount}${env.denom}: the delegation to ${operator} is worth ${worth}${env.denom}`,
    );
  }
  if (tokensOfShares(validator, taken) === 0n) {
    throw stakingError(StakingCode.InvalidAmount, `${amount} is too small to unbond`);
  }
  const out = removeShares(state, delegator, validator, taken, env);
  // An operator whose self-bond falls under its own minimum is jailed, as in the SDK.
  if (delegator === operatorAccount(operator) && !validator.jailed) {
    const selfBond = tokensOfShares(validator, held - taken);
    if (selfBond < BigInt(validator.minSelfDelegation)) {
      validator.jailed = true;
      setValidator(state, validator);
    }
  }
  return out;
}

/**
 * Takes `shares` out of a delegation (the caller checked it holds them), with the rewards
 * settled around it; returns the tokens they were worth, which leave the validator.
 */
export function removeShares(
  state: StateOverlay,
  delegator: string,
  validator: ValidatorRecord,
  shares: bigint,
  env: StakingEnv,
): bigint {
  const operator = validator.operatorAddress;
  const held = getDelegationShares(state, delegator, operator);
  const tokens = tokensOfShares(validator, shares);
  beforeStakeChange(state, delegator, validator, env);
  validator.tokens = (BigInt(validator.tokens) - tokens).toString();
  validator.shares = (BigInt(validator.shares) - shares).toString();
  setValidator(state, validator);
  setDelegationShares(state, delegator, operator, held - shares);
  startDelegation(state, delegator, validator, env.height);
  return tokens;
}

export function createValidator(state: StateOverlay, message: MsgCreateValidator, env: StakingEnv): string {
  const params = readStakingParams(state);
  const delegator = message.delegatorAddress;
  const operator = operatorAddress(delegator);
  const moniker = message.moniker.trim();
  if (moniker.length === 0 || moniker.length > 70) {
    throw stakingError(StakingCode.InvalidAmount, "moniker must be 1 to 70 characters");
  }
  const rate = parseRate(message.commissionRate, "commission rate");
  if (compareFractions(rate, parseDecimal(params.minCommissionRate)) < 0) {
    throw stakingError(
      StakingCode.CommissionInvalid,
      `commission rate ${message.commissionRate} is below the minimum ${params.minCommissionRate}`,
    );
  }
  if (!/^\d{1,78}$/.test(message.minSelfDelegation)) {
    throw stakingError(StakingCode.InvalidAmount, "min_self_delegation must be an integer");
  }
  const minSelf = BigInt(message.minSelfDelegation);
  if (minSelf < BigInt(params.minSelfDelegation)) {
    throw stakingError(
      StakingCode.SelfBondBelowMinimum,
      `min_self_delegation ${minSelf} is below the chain's minimum ${params.minSelfDelegation}`,
    );
  }
  const amount = bondAmount(message.value, env.denom);
  if (amount < minSelf) {
    throw stakingError(
      StakingCode.SelfBondBelowMinimum,
      `self-bond ${amount} is below min_self_delegation ${minSelf}`,
    );
  }
  if (message.consensusPubkey.length !== 32) {
    throw stakingError(StakingCode.InvalidConsensusKey, "consensus key must be a 32-byte ed25519 public key");
  }
  if (!blsVerifyPOP(message.blsPubkey, message.blsProofOfPossession)) {
    throw stakingError(StakingCode.InvalidBlsKey, "BLS public key has no valid proof of possession");
  }
  if (getValidator(state, operator)) {
    throw stakingError(StakingCode.ValidatorOwnerExists, `validator ${operator} already exists`);
  }
  const consensus = consensusAddress(message.consensusPubkey);
  const holder = operatorByConsensusAddress(state, consensus);
  if (holder) {
    throw stakingError(
      StakingCode.ConsensusKeyExists,
      `consensus key ${toHex(consensus)} is already used by ${holder}`,
    );
  }
  if (blsKeyTaken(state, message.blsPubkey)) {
    throw stakingError(StakingCode.BlsKeyExists, "BLS public key is already registered by another validator");
  }
  const validator: ValidatorRecord = {
    operatorAddress: operator,
    consensusPubkey: message.consensusPubkey,
    blsPubkey: message.blsPubkey,
    moniker,
    commissionRate: message.commissionRate,
    minSelfDelegation: minSelf.toString(),
    tokens: "0",
    shares: "0",
    jailed: false,
    createdHeight: env.height,
  };
  setValidator(state, validator);
  indexValidatorKeys(state, validator);
  initValidatorRewards(state, operator);
  transfer(state, delegator, BONDED_POOL, env.denom, amount);
  bond(state, delegator, validator, amount, env);
  return operator;
}

export function delegate(
  state: StateOverlay,
  delegator: string,
  operator: string,
  amount: bigint,
  env: StakingEnv,
): void {
  const validator = requireValidator(state, operator);
  transfer(state, delegator, BONDED_POOL, env.denom, amount);
  bond(state, delegator, validator, amount, env);
}

/** Starts unbonding; the LST reaches the delegator when the entry matures. Returns when it does. */
export function undelegate(
  state: StateOverlay,
  delegator: string,
  operator: string,
  amount: bigint,
  env: StakingEnv,
): { completionTimeMs: bigint; amount: bigint } {
  const params = readStakingParams(state);
  const validator = requireValidator(state, operator);
  const entries = getUnbondingEntries(state, delegator, operator);
  if (entries.length >= params.maxEntries) {
    throw stakingError(StakingCode.MaxEntries, `too many unbonding entries for ${delegator} at ${operator}`);
  }
  const out = unbond(state, delegator, validator, amount, env);
  const completionTimeMs = env.timeMs + params.unbondingTimeSeconds * 1000n;
  transfer(state, BONDED_POOL, NOT_BONDED_POOL, env.denom, out);
  entries.push({
    creationHeight: env.height,
    completionTimeMs,
    initialBalance: out.toString(),
    balance: out.toString(),
  });
  setUnbondingEntries(state, delegator, operator, entries);
  enqueueUnbonding(state, completionTimeMs, delegator, operator);
  return { completionTimeMs, amount: out };
}

/** Moves stake between validators at once; it stays slashable for the source's faults until it matures. */
export function redelegate(
  state: StateOverlay,
  delegator: string,
  source: string,
  destination: string,
  amount: bigint,
  env: StakingEnv,
): bigint {
  if (source === destination) {
    throw stakingError(StakingCode.SelfRedelegation, "cannot redelegate to the same validator");
  }
  const params = readStakingParams(state);
  const from = requireValidator(state, source);
  const to = requireValidator(state, destination);
  if (incomingRedelegationUntil(state, delegator, source) > env.timeMs) {
    throw stakingError(
      StakingCode.TransitiveRedelegation,
      `stake redelegated to ${source} cannot move on before that redelegation matures`,
    );
  }
  const entries = getRedelegationEntries(state, delegator, source, destination);
  if (entries.length >= params.maxEntries) {
    throw stakingError(StakingCode.MaxEntries, `too many redelegation entries for ${delegator}`);
  }
  const out = unbond(state, delegator, from, amount, env);
  const issued = bond(state, delegator, to, out, env);
  const completionTimeMs = env.timeMs + params.unbondingTimeSeconds * 1000n;
  entries.push({
    creationHeight: env.height,
    completionTimeMs,
    initialBalance: out.toString(),
    sharesDst: issued.toString(),
  });
  setRedelegationEntries(state, delegator, source, destination, entries);
  enqueueRedelegation(state, completionTimeMs, delegator, source, destination);
  const until = incomingRedelegationUntil(state, delegator, destination);
  if (completionTimeMs > until) setIncomingRedelegationUntil(state, delegator, destination, completionTimeMs);
  return completionTimeMs;
}

/** Pays out matured unbonding entries and drops matured redelegation entries (end of block). */
export function completeMatured(state: StateOverlay, nowMs: bigint, denom: string): void {
  for (const item of queuedUnbondingsDue(state, nowMs)) {
    const entries = getUnbondingEntries(state, item.delegator, item.operator);
    const matured = entries.filter((entry) => entry.completionTimeMs <= nowMs);
    const paid = matured.reduce((sum, entry) => sum + BigInt(entry.balance), 0n);
    if (paid > 0n) transfer(state, NOT_BONDED_POOL, item.delegator, denom, paid);
    setUnbondingEntries(
      state,
      item.delegator,
      item.operator,
      entries.filter((entry) => entry.completionTimeMs > nowMs),
    );
    state.delete(item.key);
  }
  for (const item of queuedRedelegationsDue(state, nowMs)) {
    const entries = getRedelegationEntries(state, item.delegator, item.source, item.destination);
    setRedelegationEntries(
      state,
      item.delegator,
      item.source,
      item.destination,
      entries.filter((entry) => entry.completionTimeMs > nowMs),
    );
    state.delete(item.key);
  }
}
