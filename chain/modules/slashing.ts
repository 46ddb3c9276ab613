/**
 * Slashing: liveness (missed blocks in a sliding window, read from each block's commit info),
 * double signing (evidence CometBFT hands to FinalizeBlock), slashing itself (the validator's
 * stake and the unbonding and redelegated stake that was bonded at the infraction), jailing,
 * tombstoning and unjailing. Parameters mean what the Cosmos SDK's do.
 */
import {
  Params as SdkSlashingParams,
  ValidatorSigningInfo,
} from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import { consensusAddressText, operatorAccount } from "../../core/address.js";
import { fromUtf8, toHex, utf8 } from "../../core/bytes.js";
import {
  type Fraction,
  fromLegacyDec,
  LEGACY_DEC_SCALE,
  minAmount,
  mulFloor,
  parseUnitFraction,
  toLegacyDec,
} from "../../core/decimal.js";
import type { ValidatorRecord } from "../../core/proto/staking.js";
import { msToTimestamp, timestampToMs } from "../../core/timestamp.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import { moduleError, SlashingCode } from "../tx/errors.js";
import { burn } from "./bank.js";
import { removeShares, type StakingEnv } from "./delegations.js";
import { recordSlash } from "./distribution.js";
import {
  BONDED_POOL,
  consensusAddress,
  getDelegationShares,
  getPower,
  getRedelegationEntries,
  getUnbondingEntries,
  getValidator,
  NOT_BONDED_POOL,
  queuedRedelegations,
  queuedUnbondings,
  setUnbondingEntries,
  setValidator,
  tokensOfShares,
} from "./staking.js";
import { lstOfPower, redemptionRate } from "./validator-set.js";

/** Slashing parameters in plain form; stored and queried as the SDK's Params. */
export interface SlashingParams {
  signedBlocksWindow: bigint;
  minSignedPerWindow: string;
  downtimeJailSeconds: bigint;
  slashFractionDoubleSign: string;
  slashFractionDowntime: string;
}

export const DEFAULT_SLASHING_PARAMS: SlashingParams = {
  signedBlocksWindow: 100n,
  minSignedPerWindow: "0.5",
  downtimeJailSeconds: 600n,
  slashFractionDoubleSign: "0.05",
  slashFractionDowntime: "0.01",
};

/** Tombstoned validators are jailed "forever", as the SDK writes it: 9999-12-31T23:59:59Z. */
const JAILED_FOREVER_MS = 253402300799000n;
const PARAMS_KEY = "slashing/params";
const infoKey = (address: Uint8Array): string => `slashing/info/${toHex(address)}`;
const CHUNK_BITS = 1024n;
const missedKey = (address: Uint8Array, chunk: bigint): string =>
  `slashing/missed/${toHex(address)}/${chunk}`;

const decBytes = (text: string): Uint8Array => utf8(toLegacyDec(text));
const decText = (bytes: Uint8Array): string => fromLegacyDec(fromUtf8(bytes));

export function toSdkSlashingParams(params: SlashingParams): SdkSlashingParams {
  return {
    signedBlocksWindow: params.signedBlocksWindow,
    minSignedPerWindow: decBytes(params.minSignedPerWindow),
    downtimeJailDuration: { seconds: params.downtimeJailSeconds, nanos: 0 },
    slashFractionDoubleSign: decBytes(params.slashFractionDoubleSign),
    slashFractionDowntime: decBytes(params.slashFractionDowntime),
  };
}

export function fromSdkSlashingParams(params: SdkSlashingParams): SlashingParams {
  return {
    signedBlocksWindow: params.signedBlocksWindow,
    minSignedPerWindow: decText(params.minSignedPerWindow),
    downtimeJailSeconds: params.downtimeJailDuration?.seconds ?? 0n,
    slashFractionDoubleSign: decText(params.slashFractionDoubleSign),
    slashFractionDowntime: decText(params.slashFractionDowntime),
  };
}

export function readSlashingParams(state: StateReader): SlashingParams {
  const bytes = state.get(PARAMS_KEY);
  return bytes ? fromSdkSlashingParams(SdkSlashingParams.decode(bytes)) : DEFAULT_SLASHING_PARAMS;
}

export function writeSlashingParams(state: StateOverlay, params: SlashingParams): void {
  state.set(PARAMS_KEY, SdkSlashingParams.encode(toSdkSlashingParams(params)).finish());
}

export function getSigningInfo(state: StateReader, address: Uint8Array): ValidatorSigningInfo | undefined {
  const bytes = state.get(infoKey(address));
  return bytes ? ValidatorSigningInfo.decode(bytes) : undefined;
}

function setSigningInfo(state: StateOverlay, address: Uint8Array, info: ValidatorSigningInfo): void {
  state.set(infoKey(address), ValidatorSigningInfo.encode(info).finish());
}

function missedBit(state: StateReader, address: Uint8Array, index: bigint): boolean {
  const chunk = state.get(missedKey(address, index / CHUNK_BITS));
  const bit = Number(index % CHUNK_BITS);
  return chunk !== undefined && ((chunk[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

function setMissedBit(state: StateOverlay, address: Uint8Array, index: bigint, missed: boolean): void {
  const key = missedKey(address, index / CHUNK_BITS);
  const chunk = Uint8Array.from(state.get(key) ?? new Uint8Array(Number(CHUNK_BITS / 8n)));
  const bit = Number(index % CHUNK_BITS);
  if (missed) chunk[bit >> 3]! |= 1 << (bit & 7);
  else chunk[bit >> 3]! &= ~(1 << (bit & 7));
  if (chunk.every((byte) => byte === 0)) state.delete(key);
  else state.set(key, chunk);
}

function clearMissed(state: StateOverlay, address: Uint8Array, window: bigint): void {
  for (let chunk = 0n; chunk * CHUNK_BITS < window; chunk++) state.delete(missedKey(address, chunk));
}

/** A validator (re-)entering the active set starts a fresh liveness window at `height`. */
export function startSigning(state: StateOverlay, validator: ValidatorRecord, height: bigint): void {
  const address = consensusAddress(validator.consensusPubkey);
  const previous = getSigningInfo(state, address);
  clearMissed(state, address, readSlashingParams(state).signedBlocksWindow);
  setSigningInfo(state, address, {
    address: consensusAddressText(address),
    startHeight: height,
    indexOffset: 0n,
    jailedUntil: previous?.jailedUntil ?? msToTimestamp(0n),
    tombstoned: previous?.tombstoned ?? false,
    missedBlocksCounter: 0n,
  });
}

export interface SlashOutcome {
  operator: string;
  burned: bigint;
  reason:
    | "double_sign"
    | "missing_signature"
    | "governance"
    | "oracle"
    | "rollup_equivocation"
    | "rollup_fraud";
}

/**
 * Slashes `fractionText` of the stake `validator` had bonded when it misbehaved at
 * `infractionHeight`, with the Cosmos SDK's meaning (x/staking's Keeper.Slash):
 *
 * 1. Stake that left it at or after the infraction (unbonding entries, redelegations) and has
 *    not matured pays first: each entry the fraction of its initial balance, capped by what it
 *    still holds. That stake was bonded at the fault.
 * 2. The validator's own tokens pay the rest of the slash (validatorShare), capped by what it
 *    holds, so stake bonded after the fault does not raise the amount.
 *
 * `infractionPower` is the validator's CometBFT power at the infraction, as CometBFT's
 * Misbehavior carries it; see validatorShare for what stands in without it. Every unit taken is
 * burned from the pool that held it. Returns the total burned.
 */
export function slashValidator(
  state: StateOverlay,
  validator: ValidatorRecord,
  infractionHeight: bigint,
  fractionText: string,
  env: StakingEnv,
  infractionPower?: bigint,
): bigint {
  const fraction = parseUnitFraction(fractionText);
  const operator = validator.operatorAddress;
  const unbonding = slashUnbondings(state, operator, infractionHeight, fraction, env);
  const redelegated = slashRedelegations(state, operator, infractionHeight, fraction, env);
  // Redelegation slashing touched only the destinations; read the record afresh all the same.
  const current = getValidator(state, operator) ?? validator;
  const covered = unbonding.covered + redelegated.covered;
  const share = validatorShare(state, current, infractionHeight, infractionPower, fraction, covered, env);
  burnValidatorTokens(state, current, share, env);
  // Callers go on to jail through their own copy: it must hold the new tokens.
  Object.assign(validator, current);
  return unbonding.burned + redelegated.burned + share;
}

/**
 * How much of a slash falls on the validator's own tokens.
 *
 * A fault in an earlier block is measured by the power the validator had in CometBFT then,
 * converted back to LST (lstOfPower, at today's redemption rate: see there why), as the SDK
 * does: `infractionPower` from the evidence, else the power CometBFT runs with now, which is
 * the SDK's choice for downtime and equals the power at the fault unless an epoch boundary
 * passed since. What the entries that left since the fault already covered is deducted.
 *
 * A fault in this block (governance, oracle, rollup equivocation) needs no history: nothing can
 * have been bonded after it, so its tokens now are exactly the stake at the fault (power would
 * round them down to whole TIA), and what left in this block is slashed in the entries.
 */
function validatorShare(
  state: StateOverlay,
  validator: ValidatorRecord,
  infractionHeight: bigint,
  infractionPower: bigint | undefined,
  fraction: Fraction,
  coveredByEntries: bigint,
  env: StakingEnv,
): bigint {
  const tokens = BigInt(validator.tokens);
  if (infractionHeight >= env.height) return mulFloor(tokens, fraction);
  const power = infractionPower ?? getPower(state, validator.operatorAddress);
  const due = mulFloor(lstOfPower(power, redemptionRate(state)), fraction) - coveredByEntries;
  if (due <= 0n) return 0n;
  return minAmount(due, tokens);
}

/** Takes `amount` (at most its tokens) from a validator and burns it from the bonded pool. */
function burnValidatorTokens(
  state: StateOverlay,
  validator: ValidatorRecord,
  amount: bigint,
  env: StakingEnv,
): void {
  if (amount === 0n) return;
  const tokens = BigInt(validator.tokens);
  // Before the tokens change: distribution closes the period the delegations earned in, and
  // records the fraction they lose, as the SDK does (the share actually taken over the tokens,
  // rounded up, so rewards are never paid on stake that is gone).
  recordSlash(state, validator, ceilFractionText(amount, tokens), env.height);
  validator.tokens = (tokens - amount).toString();
  setValidator(state, validator);
  burn(state, BONDED_POOL, env.denom, amount);
}

/** part / whole (0 < part <= whole) rounded up to 18 decimals, as decimal text. */
function ceilFractionText(part: bigint, whole: bigint): string {
  return fromLegacyDec(((part * LEGACY_DEC_SCALE + whole - 1n) / whole).toString());
}

/**
 * What the entries that left a validator gave up to one slash: `covered` is their share of it
 * as the SDK counts it (the fraction of their initial balances, even where less was left),
 * `burned` what they actually lost.
 */
interface EntriesSlashed {
  covered: bigint;
  burned: bigint;
}

/** Stake that left at or after the infraction and has not matured was bonded at the fault. */
function slashable(
  entry: { creationHeight: bigint; completionTimeMs: bigint },
  infractionHeight: bigint,
  env: StakingEnv,
): boolean {
  return entry.creationHeight >= infractionHeight && entry.completionTimeMs > env.timeMs;
}

/**
 * The delegators unbonding from `operator`, each once: a delegator with entries maturing at
 * different times has a queue slot per time, but all its entries sit under one key.
 */
function unbondingDelegators(state: StateReader, operator: string, nowMs: bigint): string[] {
  const delegators = new Set<string>();
  for (const item of queuedUnbondings(state)) {
    if (item.operator === operator && item.completionTimeMs > nowMs) delegators.add(item.delegator);
  }
  return [...delegators];
}

function slashUnbondings(
  state: StateOverlay,
  operator: string,
  infractionHeight: bigint,
  fraction: Fraction,
  env: StakingEnv,
): EntriesSlashed {
  const total: EntriesSlashed = { covered: 0n, burned: 0n };
  for (const delegator of unbondingDelegators(state, operator, env.timeMs)) {
    const entries = getUnbondingEntries(state, delegator, operator);
    let changed = false;
    for (const entry of entries) {
      if (!slashable(entry, infractionHeight, env)) continue;
      const due = mulFloor(BigInt(entry.initialBalance), fraction);
      const balance = BigInt(entry.balance);
      const cut = minAmount(due, balance);
      total.covered += due;
      if (cut === 0n) continue;
      entry.balance = (balance - cut).toString();
      total.burned += cut;
      changed = true;
    }
    if (changed) setUnbondingEntries(state, delegator, operator, entries);
  }
  burn(state, NOT_BONDED_POOL, env.denom, total.burned);
  return total;
}

/** The (delegator, destination) pairs with redelegations out of `operator`, each once. */
function redelegationsFrom(
  state: StateReader,
  operator: string,
  nowMs: bigint,
): { delegator: string; destination: string }[] {
  const pairs = new Map<string, { delegator: string; destination: string }>();
  for (const item of queuedRedelegations(state)) {
    if (item.source !== operator || item.completionTimeMs <= nowMs) continue;
    pairs.set(`${item.delegator}/${item.destination}`, item);
  }
  return [...pairs.values()];
}

/**
 * Redelegated stake now sits in the destination validator: each entry gives up the fraction of
 * the destination shares it bought, capped by the shares the delegator still holds there (the
 * SDK's rule; the entry itself is left as it was, as there).
 */
function slashRedelegations(
  state: StateOverlay,
  operator: string,
  infractionHeight: bigint,
  fraction: Fraction,
  env: StakingEnv,
): EntriesSlashed {
  const total: EntriesSlashed = { covered: 0n, burned: 0n };
  for (const { delegator, destination } of redelegationsFrom(state, operator, env.timeMs)) {
    for (const entry of getRedelegationEntries(state, delegator, operator, destination)) {
      if (!slashable(entry, infractionHeight, env)) continue;
      total.covered += mulFloor(BigInt(entry.initialBalance), fraction);
      const shares = mulFloor(BigInt(entry.sharesDst), fraction);
      total.burned += burnRedelegatedShares(state, delegator, destination, shares, env);
    }
  }
  return total;
}

/** Unbonds up to `wanted` of a delegator's shares at `destination` and burns what they were worth. */
function burnRedelegatedShares(
  state: StateOverlay,
  delegator: string,
  destination: string,
  wanted: bigint,
  env: StakingEnv,
): bigint {
  const target = getValidator(state, destination);
  if (!target) return 0n;
  const shares = minAmount(wanted, getDelegationShares(state, delegator, destination));
  if (shares === 0n) return 0n;
  const tokens = removeShares(state, delegator, target, shares, env);
  burn(state, BONDED_POOL, env.denom, tokens);
  return tokens;
}

function jail(state: StateOverlay, validator: ValidatorRecord): void {
  validator.jailed = true;
  setValidator(state, validator);
}

/** Jails a validator until `until` (it may unjail after that), keeping its liveness record. */
export function jailUntil(
  state: StateOverlay,
  validator: ValidatorRecord,
  until: { seconds: bigint; nanos: number },
): void {
  jail(state, validator);
  const address = consensusAddress(validator.consensusPubkey);
  const info = getSigningInfo(state, address);
  setSigningInfo(state, address, {
    address: consensusAddressText(address),
    startHeight: info?.startHeight ?? 0n,
    indexOffset: info?.indexOffset ?? 0n,
    jailedUntil: until,
    tombstoned: info?.tombstoned ?? false,
    missedBlocksCounter: info?.missedBlocksCounter ?? 0n,
  });
}

export interface Vote {
  address: Uint8Array;
  signed: boolean;
}

/**
 * Liveness for one block's votes: a validator that missed more than the window allows is
 * slashed the downtime fraction and jailed for the downtime jail duration.
 */
export function handleLiveness(
  state: StateOverlay,
  votes: readonly Vote[],
  operatorOf: (address: Uint8Array) => string | undefined,
  env: StakingEnv,
): SlashOutcome[] {
  const params = readSlashingParams(state);
  const window = params.signedBlocksWindow;
  const minSigned = mulFloor(window, parseUnitFraction(params.minSignedPerWindow));
  const maxMissed = window - minSigned;
  const slashed: SlashOutcome[] = [];
  for (const vote of votes) {
    const operator = operatorOf(vote.address);
    const validator = operator ? getValidator(state, operator) : undefined;
    if (!validator || validator.jailed) continue;
    const info = getSigningInfo(state, vote.address);
    if (!info || env.height < info.startHeight) continue;
    // The window slot is the block's offset from the start: no per-block write when nothing changes.
    const index = (env.height - info.startHeight) % window;
    let changed = false;
    const before = missedBit(state, vote.address, index);
    const missed = !vote.signed;
    if (before !== missed) {
      setMissedBit(state, vote.address, index, missed);
      info.missedBlocksCounter += missed ? 1n : -1n;
      changed = true;
    }
    if (env.height > info.startHeight + window && info.missedBlocksCounter > maxMissed) {
      // The SDK's infraction height for downtime: the last block the validator is known to have
      // missed. No power given: the slash is measured by its power in CometBFT now, as the SDK's.
      const burned = slashValidator(state, validator, env.height - 2n, params.slashFractionDowntime, env);
      jail(state, validator);
      info.jailedUntil = msToTimestamp(env.timeMs + params.downtimeJailSeconds * 1000n);
      info.missedBlocksCounter = 0n;
      info.startHeight = env.height;
      clearMissed(state, vote.address, window);
      slashed.push({ operator: validator.operatorAddress, burned, reason: "missing_signature" });
      changed = true;
    }
    if (!changed) continue;
    info.indexOffset = env.height - info.startHeight;
    setSigningInfo(state, vote.address, info);
  }
  return slashed;
}

/**
 * Double-sign evidence: slash the double-sign fraction of the stake at the infraction, jail,
 * tombstone. `infractionPower` is the power CometBFT's Misbehavior reports for the validator at
 * the infraction height; without it the slash is measured by its power now (slashValidator).
 */
export function handleDoubleSign(
  state: StateOverlay,
  address: Uint8Array,
  infractionHeight: bigint,
  operatorOf: (address: Uint8Array) => string | undefined,
  env: StakingEnv,
  infractionPower?: bigint,
): SlashOutcome | undefined {
  const operator = operatorOf(address);
  const validator = operator ? getValidator(state, operator) : undefined;
  if (!validator) return undefined;
  const info = getSigningInfo(state, address);
  if (info?.tombstoned) return undefined;
  const params = readSlashingParams(state);
  const burned = slashValidator(
    state,
    validator,
    infractionHeight,
    params.slashFractionDoubleSign,
    env,
    infractionPower,
  );
  jail(state, validator);
  setSigningInfo(state, address, {
    address: consensusAddressText(address),
    startHeight: info?.startHeight ?? 0n,
    indexOffset: info?.indexOffset ?? 0n,
    jailedUntil: msToTimestamp(JAILED_FOREVER_MS),
    tombstoned: true,
    missedBlocksCounter: info?.missedBlocksCounter ?? 0n,
  });
  return { operator: validator.operatorAddress, burned, reason: "double_sign" };
}

/** Governance's slash-and-jail (misbehaviour proven off chain): no tombstone; it may unjail after the downtime jail duration. */
export function slashAndJail(
  state: StateOverlay,
  validator: ValidatorRecord,
  fraction: string,
  env: StakingEnv,
): SlashOutcome {
  const burned = slashValidator(state, validator, env.height, fraction, env);
  const { downtimeJailSeconds } = readSlashingParams(state);
  jailUntil(state, validator, msToTimestamp(env.timeMs + downtimeJailSeconds * 1000n));
  return { operator: validator.operatorAddress, burned, reason: "governance" };
}

const slashingError = (code: number, message: string) => moduleError("slashing", code, message);

/** MsgUnjail: after the jail time, if not tombstoned and the self-bond is back over the minimum. */
export function unjail(state: StateOverlay, validator: ValidatorRecord, env: StakingEnv): void {
  const operator = validator.operatorAddress;
  if (!validator.jailed)
    throw slashingError(SlashingCode.ValidatorNotJailed, `validator ${operator} is not jailed`);
  const address = consensusAddress(validator.consensusPubkey);
  const info = getSigningInfo(state, address);
  if (info?.tombstoned) {
    throw slashingError(
      SlashingCode.Tombstoned,
      `validator ${operator} is tombstoned and can never be unjailed`,
    );
  }
  const until = timestampToMs(info?.jailedUntil);
  if (env.timeMs < until) {
    throw slashingError(
      SlashingCode.ValidatorStillJailed,
      `validator ${operator} is jailed until ${new Date(Number(until)).toISOString()}`,
    );
  }
  const selfBond = tokensOfShares(validator, getDelegationShares(state, operatorAccount(operator), operator));
  if (selfBond < BigInt(validator.minSelfDelegation)) {
    throw slashingError(
      SlashingCode.SelfBondTooLow,
      `self-bond ${selfBond} is below the validator's min_self_delegation ${validator.minSelfDelegation}`,
    );
  }
  validator.jailed = false;
  setValidator(state, validator);
}
