/**
 * Fee rewards, F1 style (the Cosmos SDK's distribution algorithm). Each validator keeps a
 * cumulative "rewards per token" index that grows by one entry each time its stake changes; a
 * delegation remembers the index when it started and its stake then, so paying it is a
 * subtraction, whatever the number of delegators. Everything is integer: indices are fixed point
 * rounded down, so payouts never exceed what was allocated, and the remainder is never lost: it
 * stays in the validator's outstanding rewards, held by the distribution module account.
 *
 * Fees reach validators through a second index of the same kind, one level up: each block's
 * fees raise a chain-wide "fees per unit of power" index, and a validator is credited (power ×
 * the index's growth) only when its power or stake is about to change, or someone withdraws.
 * A block's cost is then one write, whatever the number of validators or delegators.
 */
import { moduleAddress } from "../../core/address.js";
import { type Fraction, mulCeil, mulFloor, parseUnitFraction } from "../../core/decimal.js";
import {
  HistoricalRewardsCodec,
  type HistoricalRewardsRecord,
  type SlashEventRecord,
  SlashEventsCodec,
  StartingInfoCodec,
  type StartingInfoRecord,
  type ValidatorRecord,
  ValidatorRewardsCodec,
  type ValidatorRewardsRecord,
} from "../../core/proto/staking.js";
import { orderedKeyPart, readInteger, writeInteger } from "../store/integers.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import { transfer } from "./bank.js";
import { getDelegationShares, tokensOfShares } from "./staking.js";

export const DISTRIBUTION_MODULE = moduleAddress("distribution");
/** Reward indices are rewards per bonded token times 10^36. */
const RATIO_SCALE = 10n ** 36n;

const rewardsKey = (operator: string): string => `distribution/rewards/${operator}`;
const historicalKey = (operator: string, period: bigint): string =>
  `distribution/historical/${operator}/${orderedKeyPart(period)}`;
const startingKey = (delegator: string, operator: string): string =>
  `distribution/starting/${delegator}/${operator}`;
const slashesKey = (operator: string): string => `distribution/slashes/${operator}`;
const COMMUNITY_POOL_KEY = "distribution/community-pool";
const FEE_INDEX_KEY = "distribution/fee-index";
const UNSETTLED_KEY = "distribution/unsettled";

export function getValidatorRewards(state: StateReader, operator: string): ValidatorRewardsRecord {
  const bytes = state.get(rewardsKey(operator));
  if (!bytes) throw new Error(`validator ${operator} has no rewards record`);
  const record = ValidatorRewardsCodec.decode(bytes);
  return { ...record, settledIndex: record.settledIndex || "0" };
}

const readAmount = (state: StateReader, key: string): bigint => {
  return readInteger(state, key);
};

/** Fees received and not yet credited to any validator. */
export function getUnsettled(state: StateReader): bigint {
  return readAmount(state, UNSETTLED_KEY);
}

/**
 * A block's fees (already in the distribution module account), shared by power among the
 * validators CometBFT runs with: `totalPower` is the sum of their powers.
 */
export function allocateFees(state: StateOverlay, amount: bigint, totalPower: bigint): void {
  if (amount === 0n) return;
  if (totalPower === 0n) {
    addToCommunityPool(state, amount);
    return;
  }
  const index = readAmount(state, FEE_INDEX_KEY) + (amount * RATIO_SCALE) / totalPower;
  writeInteger(state, FEE_INDEX_KEY, index);
  writeInteger(state, UNSETTLED_KEY, getUnsettled(state) + amount);
}

/** What `rewards` would be credited now, from the fee index's growth since it last settled. */
function unsettledShare(
  state: StateReader,
  rewards: ValidatorRewardsRecord,
): { amount: bigint; index: bigint } {
  const index = readAmount(state, FEE_INDEX_KEY);
  return { amount: (rewards.power * (index - BigInt(rewards.settledIndex))) / RATIO_SCALE, index };
}

/**
 * Credits a validator with its share of the fees since it last settled, at the power it had,
 * and from now on earns with `power`. Runs before the validator's power or stake changes.
 */
export function settleValidator(state: StateOverlay, validator: ValidatorRecord, power: bigint): void {
  const rewards = getValidatorRewards(state, validator.operatorAddress);
  const { amount, index } = unsettledShare(state, rewards);
  if (rewards.power === power && BigInt(rewards.settledIndex) === index) return;
  if (amount > 0n) {
    writeInteger(state, UNSETTLED_KEY, getUnsettled(state) - amount);
    credit(rewards, amount, validator.commissionRate);
  }
  setValidatorRewards(state, validator.operatorAddress, {
    ...rewards,
    settledIndex: index.toString(),
    power,
  });
}

/** Commission first, the rest to the delegators' current period. */
function credit(rewards: ValidatorRewardsRecord, amount: bigint, commissionRate: string): void {
  const commission = mulFloor(amount, parseUnitFraction(commissionRate));
  rewards.commission = (BigInt(rewards.commission) + commission).toString();
  rewards.current = (BigInt(rewards.current) + amount - commission).toString();
  rewards.outstanding = (BigInt(rewards.outstanding) + amount).toString();
}

/** The validator's rewards record as it would be after settling now (queries). */
export function settledRewards(state: StateReader, validator: ValidatorRecord): ValidatorRewardsRecord {
  const rewards = getValidatorRewards(state, validator.operatorAddress);
  const { amount } = unsettledShare(state, rewards);
  if (amount > 0n) credit(rewards, amount, validator.commissionRate);
  return rewards;
}

function setValidatorRewards(state: StateOverlay, operator: string, rewards: ValidatorRewardsRecord): void {
  state.set(rewardsKey(operator), ValidatorRewardsCodec.encode(rewards));
}

function getHistorical(state: StateReader, operator: string, period: bigint): HistoricalRewardsRecord {
  const bytes = state.get(historicalKey(operator, period));
  if (!bytes) throw new Error(`validator ${operator} has no rewards index for period ${period}`);
  return HistoricalRewardsCodec.decode(bytes);
}

/** Each index entry counts the delegations and slash events that point at it; unused ones go. */
function changeReferences(state: StateOverlay, operator: string, period: bigint, delta: number): void {
  const entry = getHistorical(state, operator, period);
  entry.referenceCount += delta;
  if (entry.referenceCount < 0) throw new Error(`rewards index ${operator}/${period} referenced below zero`);
  if (entry.referenceCount === 0) state.delete(historicalKey(operator, period));
  else state.set(historicalKey(operator, period), HistoricalRewardsCodec.encode(entry));
}

export function getCommunityPool(state: StateReader): bigint {
  return readInteger(state, COMMUNITY_POOL_KEY);
}

function addToCommunityPool(state: StateOverlay, amount: bigint): void {
  if (amount !== 0n) writeInteger(state, COMMUNITY_POOL_KEY, getCommunityPool(state) + amount);
}

/** A new validator starts at period 1, with a zero index for period 0. */
export function initValidatorRewards(state: StateOverlay, operator: string): void {
  state.set(historicalKey(operator, 0n), HistoricalRewardsCodec.encode({ ratio: "0", referenceCount: 1 }));
  setValidatorRewards(state, operator, {
    period: 1n,
    current: "0",
    commission: "0",
    outstanding: "0",
    settledIndex: readAmount(state, FEE_INDEX_KEY).toString(),
    power: 0n,
  });
}

/**
 * Closes the validator's current period at its current tokens and returns the closed period.
 * Must run before anything changes those tokens.
 */
function incrementPeriod(state: StateOverlay, validator: ValidatorRecord): bigint {
  const operator = validator.operatorAddress;
  settleValidator(state, validator, getValidatorRewards(state, operator).power);
  const rewards = getValidatorRewards(state, operator);
  const tokens = BigInt(validator.tokens);
  let current = BigInt(rewards.current);
  let step = 0n;
  if (tokens === 0n) {
    // Nobody is bonded to earn it: it leaves the validator for the community pool.
    addToCommunityPool(state, current);
    rewards.outstanding = (BigInt(rewards.outstanding) - current).toString();
    current = 0n;
  } else {
    step = (current * RATIO_SCALE) / tokens;
  }
  const previous = getHistorical(state, operator, rewards.period - 1n);
  state.set(
    historicalKey(operator, rewards.period),
    HistoricalRewardsCodec.encode({ ratio: (BigInt(previous.ratio) + step).toString(), referenceCount: 1 }),
  );
  changeReferences(state, operator, rewards.period - 1n, -1);
  const closed = rewards.period;
  setValidatorRewards(state, operator, { ...rewards, current: "0", period: closed + 1n });
  return closed;
}

function getStartingInfo(
  state: StateReader,
  delegator: string,
  operator: string,
): StartingInfoRecord | undefined {
  const bytes = state.get(startingKey(delegator, operator));
  return bytes ? StartingInfoCodec.decode(bytes) : undefined;
}

function getSlashEvents(state: StateReader, operator: string): SlashEventRecord[] {
  const bytes = state.get(slashesKey(operator));
  return bytes ? SlashEventsCodec.decode(bytes).events : [];
}

/** Rewards earned by `stake` between two closed periods. */
function earned(state: StateReader, operator: string, from: bigint, to: bigint, stake: bigint): bigint {
  const start = BigInt(getHistorical(state, operator, from).ratio);
  const end = BigInt(getHistorical(state, operator, to).ratio);
  return (stake * (end - start)) / RATIO_SCALE;
}

/** Stake left after a slash, rounded down so that rewards are never overpaid. */
const remaining = (stake: bigint, fraction: Fraction): bigint => stake - mulCeil(stake, fraction);

/**
 * What a delegation earned from its start up to `endingPeriod`, slashes applied in between, and
 * the stake it earns with after them.
 */
function delegationRewards(
  state: StateReader,
  validator: ValidatorRecord,
  start: StartingInfoRecord,
  endingPeriod: bigint,
  currentStake: bigint,
): { amount: bigint; stake: bigint } {
  const operator = validator.operatorAddress;
  let stake = BigInt(start.stake);
  let from = start.previousPeriod;
  let amount = 0n;
  for (const slash of getSlashEvents(state, operator)) {
    if (slash.height <= start.height || slash.period <= from || slash.period > endingPeriod) continue;
    amount += earned(state, operator, from, slash.period, stake);
    stake = remaining(stake, parseUnitFraction(slash.fraction));
    from = slash.period;
  }
  // Rounding in slashes can leave the tracked stake a hair above the real one: never pay more.
  if (stake > currentStake) stake = currentStake;
  return { amount: amount + earned(state, operator, from, endingPeriod, stake), stake };
}

/**
 * Pays a delegation's rewards to the delegator and ends its starting record; the caller starts a
 * new one (startDelegation) once the delegation's shares have changed. Returns the amount paid.
 */
export function withdrawDelegation(
  state: StateOverlay,
  delegator: string,
  validator: ValidatorRecord,
  denom: string,
): bigint {
  const operator = validator.operatorAddress;
  const start = getStartingInfo(state, delegator, operator);
  if (!start) return 0n;
  const ending = incrementPeriod(state, validator);
  const currentStake = tokensOfShares(validator, getDelegationShares(state, delegator, operator));
  const { amount } = delegationRewards(state, validator, start, ending, currentStake);
  changeReferences(state, operator, start.previousPeriod, -1);
  state.delete(startingKey(delegator, operator));
  payOut(state, operator, delegator, denom, amount);
  return amount;
}

/** Pays `amount` of a validator's outstanding rewards to `to`. */
function payOut(state: StateOverlay, operator: string, to: string, denom: string, amount: bigint): void {
  if (amount === 0n) return;
  const rewards = getValidatorRewards(state, operator);
  rewards.outstanding = (BigInt(rewards.outstanding) - amount).toString();
  setValidatorRewards(state, operator, rewards);
  transfer(state, DISTRIBUTION_MODULE, to, denom, amount);
}

/** Starts (or restarts) a delegation's rewards at the validator's latest closed period. */
export function startDelegation(
  state: StateOverlay,
  delegator: string,
  validator: ValidatorRecord,
  height: bigint,
): void {
  const operator = validator.operatorAddress;
  const shares = getDelegationShares(state, delegator, operator);
  if (shares === 0n) return;
  const previousPeriod = getValidatorRewards(state, operator).period - 1n;
  changeReferences(state, operator, previousPeriod, 1);
  const stake = tokensOfShares(validator, shares);
  state.set(
    startingKey(delegator, operator),
    StartingInfoCodec.encode({ previousPeriod, stake: stake.toString(), height }),
  );
}

/** Records a slash so that delegations started before it earn on their reduced stake after it. */
export function recordSlash(
  state: StateOverlay,
  validator: ValidatorRecord,
  fraction: string,
  height: bigint,
): void {
  const period = incrementPeriod(state, validator);
  changeReferences(state, validator.operatorAddress, period, 1);
  const events = getSlashEvents(state, validator.operatorAddress);
  events.push({ period, fraction, height });
  state.set(slashesKey(validator.operatorAddress), SlashEventsCodec.encode({ events }));
}

/** Pays out the validator's accumulated commission to its operator account. */
export function withdrawCommission(
  state: StateOverlay,
  validator: ValidatorRecord,
  account: string,
  denom: string,
): bigint {
  const operator = validator.operatorAddress;
  settleValidator(state, validator, getValidatorRewards(state, operator).power);
  const rewards = getValidatorRewards(state, operator);
  const amount = BigInt(rewards.commission);
  if (amount === 0n) return 0n;
  setValidatorRewards(state, operator, { ...rewards, commission: "0" });
  payOut(state, operator, account, denom, amount);
  return amount;
}

/** Rewards a delegation could withdraw now, without changing state (queries). */
export function pendingDelegationRewards(
  state: StateReader,
  delegator: string,
  validator: ValidatorRecord,
): bigint {
  const operator = validator.operatorAddress;
  const start = getStartingInfo(state, delegator, operator);
  if (!start) return 0n;
  const rewards = settledRewards(state, validator);
  const currentStake = tokensOfShares(validator, getDelegationShares(state, delegator, operator));
  const settled = delegationRewards(state, validator, start, rewards.period - 1n, currentStake);
  const tokens = BigInt(validator.tokens);
  if (tokens === 0n) return settled.amount;
  // The open period, as incrementPeriod would close it.
  const step = (BigInt(rewards.current) * RATIO_SCALE) / tokens;
  return settled.amount + (settled.stake * step) / RATIO_SCALE;
}
