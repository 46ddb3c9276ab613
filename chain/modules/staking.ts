/**
 * Staking state: parameters, validators, delegations, unbonding and redelegation entries with
 * their maturity queues, and the power each validator last had in CometBFT. Bonded LST sits in
 * the bonded pool; LST on its way out sits in the not-bonded pool until it matures.
 */
import { moduleAddress } from "../../core/address.js";
import { fromUtf8, toHex, utf8 } from "../../core/bytes.js";
import { LEGACY_DEC_SCALE } from "../../core/decimal.js";
import { sha256 } from "../../core/hash.js";
import {
  RedelegationEntriesCodec,
  type RedelegationEntry,
  type StakingParams,
  StakingParamsCodec,
  UnbondingEntriesCodec,
  type UnbondingEntry,
  type ValidatorRecord,
  ValidatorRecordCodec,
} from "../../core/proto/staking.js";
import { decodeInteger, orderedKeyPart, readInteger, writeInteger } from "../store/integers.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";

export const BONDED_POOL = moduleAddress("bonded_tokens_pool");
export const NOT_BONDED_POOL = moduleAddress("not_bonded_tokens_pool");

/** Delegator shares are fixed point with 18 decimals, as the SDK's LegacyDec. */
export const SHARE_SCALE = LEGACY_DEC_SCALE;
/** Voting power is TIA-equivalent in whole TIA: 10^6 utia per unit, as the SDK's default. */
export const POWER_REDUCTION = 1_000_000n;

export const DEFAULT_STAKING_PARAMS: StakingParams = {
  unbondingTimeSeconds: 21n * 24n * 3600n,
  maxValidators: 100,
  maxEntries: 7,
  epochLength: 10n,
  minSelfDelegation: "1000000",
  minCommissionRate: "0",
};

const PARAMS_KEY = "staking/params";
const validatorPrefix = "staking/validator/";
/** Where a validator's record lives in state (clients read it with a store query). */
export const validatorKey = (operator: string): string => `${validatorPrefix}${operator}`;
const consensusKey = (address: Uint8Array): string => `staking/consensus/${toHex(address)}`;
const blsKey = (publicKey: Uint8Array): string => `staking/bls/${toHex(publicKey)}`;
export const delegationPrefix = (delegator: string): string => `staking/delegation/${delegator}/`;
const delegationKey = (delegator: string, operator: string): string =>
  `${delegationPrefix(delegator)}${operator}`;
export const unbondingPrefix = (delegator: string): string => `staking/unbonding/${delegator}/`;
const unbondingKey = (delegator: string, operator: string): string =>
  `${unbondingPrefix(delegator)}${operator}`;
const redelegationKey = (delegator: string, source: string, destination: string): string =>
  `staking/redelegation/${delegator}/${source}/${destination}`;
const incomingKey = (delegator: string, destination: string): string =>
  `staking/incoming-redelegation/${delegator}/${destination}`;
export const UNBONDING_QUEUE = "staking/unbonding-queue/";
export const REDELEGATION_QUEUE = "staking/redelegation-queue/";
export const POWER_PREFIX = "staking/power/";
const MARK = utf8("1");

/** Queue keys sort by completion time: 16 hex digits of milliseconds. */

export function readStakingParams(state: StateReader): StakingParams {
  const bytes = state.get(PARAMS_KEY);
  return bytes ? StakingParamsCodec.decode(bytes) : DEFAULT_STAKING_PARAMS;
}

export function writeStakingParams(state: StateOverlay, params: StakingParams): void {
  state.set(PARAMS_KEY, StakingParamsCodec.encode(params));
}

/** The CometBFT address of an ed25519 consensus key: the first 20 bytes of its sha256. */
export function consensusAddress(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).subarray(0, 20);
}

export function getValidator(state: StateReader, operator: string): ValidatorRecord | undefined {
  const bytes = state.get(validatorKey(operator));
  return bytes ? ValidatorRecordCodec.decode(bytes) : undefined;
}

export function setValidator(state: StateOverlay, validator: ValidatorRecord): void {
  state.set(validatorKey(validator.operatorAddress), ValidatorRecordCodec.encode(validator));
}

/** Registers a new validator's keys so that no other validator can reuse them. */
export function indexValidatorKeys(state: StateOverlay, validator: ValidatorRecord): void {
  state.set(consensusKey(consensusAddress(validator.consensusPubkey)), utf8(validator.operatorAddress));
  state.set(blsKey(validator.blsPubkey), utf8(validator.operatorAddress));
}

export function operatorByConsensusAddress(state: StateReader, address: Uint8Array): string | undefined {
  const bytes = state.get(consensusKey(address));
  return bytes ? fromUtf8(bytes) : undefined;
}

export function blsKeyTaken(state: StateReader, publicKey: Uint8Array): boolean {
  return state.get(blsKey(publicKey)) !== undefined;
}

/** Every validator, in operator address order (block-level work and queries only). */
export function allValidators(state: StateReader): ValidatorRecord[] {
  if (!state.scan) throw new Error("listing validators needs a scannable state");
  return Array.from(state.scan(validatorPrefix), ([, bytes]) => ValidatorRecordCodec.decode(bytes));
}

export function getDelegationShares(state: StateReader, delegator: string, operator: string): bigint {
  return readInteger(state, delegationKey(delegator, operator));
}

export function setDelegationShares(
  state: StateOverlay,
  delegator: string,
  operator: string,
  shares: bigint,
): void {
  const key = delegationKey(delegator, operator);
  writeInteger(state, key, shares);
}

/** The tokens `shares` of a validator are worth now, rounded down. */
export function tokensOfShares(validator: ValidatorRecord, shares: bigint): bigint {
  const total = BigInt(validator.shares);
  return total === 0n ? 0n : (shares * BigInt(validator.tokens)) / total;
}

export function getUnbondingEntries(
  state: StateReader,
  delegator: string,
  operator: string,
): UnbondingEntry[] {
  const bytes = state.get(unbondingKey(delegator, operator));
  return bytes ? UnbondingEntriesCodec.decode(bytes).entries : [];
}

export function setUnbondingEntries(
  state: StateOverlay,
  delegator: string,
  operator: string,
  entries: readonly UnbondingEntry[],
): void {
  const key = unbondingKey(delegator, operator);
  if (entries.length === 0) state.delete(key);
  else state.set(key, UnbondingEntriesCodec.encode({ entries: [...entries] }));
}

export function getRedelegationEntries(
  state: StateReader,
  delegator: string,
  source: string,
  destination: string,
): RedelegationEntry[] {
  const bytes = state.get(redelegationKey(delegator, source, destination));
  return bytes ? RedelegationEntriesCodec.decode(bytes).entries : [];
}

export function setRedelegationEntries(
  state: StateOverlay,
  delegator: string,
  source: string,
  destination: string,
  entries: readonly RedelegationEntry[],
): void {
  const key = redelegationKey(delegator, source, destination);
  if (entries.length === 0) state.delete(key);
  else state.set(key, RedelegationEntriesCodec.encode({ entries: [...entries] }));
}

/** Until when `delegator` has stake arriving at `destination` by redelegation (0: none). */
export function incomingRedelegationUntil(
  state: StateReader,
  delegator: string,
  destination: string,
): bigint {
  return readInteger(state, incomingKey(delegator, destination));
}

export function setIncomingRedelegationUntil(
  state: StateOverlay,
  delegator: string,
  destination: string,
  timeMs: bigint,
): void {
  state.set(incomingKey(delegator, destination), utf8(timeMs.toString()));
}

export interface QueuedUnbonding {
  key: string;
  completionTimeMs: bigint;
  delegator: string;
  operator: string;
}

export interface QueuedRedelegation {
  key: string;
  completionTimeMs: bigint;
  delegator: string;
  source: string;
  destination: string;
}

export function enqueueUnbonding(
  state: StateOverlay,
  timeMs: bigint,
  delegator: string,
  operator: string,
): void {
  state.set(`${UNBONDING_QUEUE}${orderedKeyPart(timeMs)}/${delegator}/${operator}`, MARK);
}

export function enqueueRedelegation(
  state: StateOverlay,
  timeMs: bigint,
  delegator: string,
  source: string,
  destination: string,
): void {
  state.set(`${REDELEGATION_QUEUE}${orderedKeyPart(timeMs)}/${delegator}/${source}/${destination}`, MARK);
}

function* scanQueue(
  state: StateReader,
  prefix: string,
): Generator<{ key: string; timeMs: bigint; parts: string[] }> {
  if (!state.scan) throw new Error("reading a maturity queue needs a scannable state");
  for (const [key] of state.scan(prefix)) {
    const [time, ...parts] = key.slice(prefix.length).split("/");
    yield { key, timeMs: BigInt(`0x${time}`), parts };
  }
}

/** Queued unbondings, earliest first; `untilMs` stops at the first one maturing later. */
export function queuedUnbondings(state: StateReader, untilMs?: bigint): QueuedUnbonding[] {
  const due: QueuedUnbonding[] = [];
  for (const { key, timeMs, parts } of scanQueue(state, UNBONDING_QUEUE)) {
    if (untilMs !== undefined && timeMs > untilMs) break;
    due.push({ key, completionTimeMs: timeMs, delegator: parts[0]!, operator: parts[1]! });
  }
  return due;
}

export function queuedRedelegations(state: StateReader, untilMs?: bigint): QueuedRedelegation[] {
  const due: QueuedRedelegation[] = [];
  for (const { key, timeMs, parts } of scanQueue(state, REDELEGATION_QUEUE)) {
    if (untilMs !== undefined && timeMs > untilMs) break;
    due.push({
      key,
      completionTimeMs: timeMs,
      delegator: parts[0]!,
      source: parts[1]!,
      destination: parts[2]!,
    });
  }
  return due;
}

/** The power each validator has in CometBFT now, by operator address. */
export function currentPowers(state: StateReader): Map<string, bigint> {
  if (!state.scan) throw new Error("reading powers needs a scannable state");
  return new Map(
    Array.from(state.scan(POWER_PREFIX), ([key, value]) => [
      key.slice(POWER_PREFIX.length),
      decodeInteger(value),
    ]),
  );
}

const TOTAL_POWER_KEY = "staking/total-power";

/** Sets a validator's CometBFT power, keeping the total in step. */
export function setPower(state: StateOverlay, operator: string, power: bigint): void {
  const total = getTotalPower(state) - getPower(state, operator) + power;
  writeInteger(state, TOTAL_POWER_KEY, total);
  writeInteger(state, `${POWER_PREFIX}${operator}`, power);
}

/** The power of the whole set CometBFT runs with. */
export function getTotalPower(state: StateReader): bigint {
  return readInteger(state, TOTAL_POWER_KEY);
}

export function getPower(state: StateReader, operator: string): bigint {
  return readInteger(state, `${POWER_PREFIX}${operator}`);
}

const EVIDENCE_MAX_AGE_KEY = "staking/evidence-max-age-ms";

/** CometBFT's evidence max age (from genesis consensus params): unbonding may not outlast it. */
export function readEvidenceMaxAgeMs(state: StateReader): bigint {
  return readInteger(state, EVIDENCE_MAX_AGE_KEY);
}

/** An evidence max age shorter than the unbonding time (requireEvidenceOutlivesUnbonding). */
export class EvidenceMaxAgeError extends Error {
  override name = "EvidenceMaxAgeError";
  constructor(
    readonly maxAgeMs: bigint,
    readonly unbondingTimeSeconds: bigint,
  ) {
    super(
      `the evidence max age (${maxAgeMs / 1000n}s) is shorter than the unbonding time ` +
        `(${unbondingTimeSeconds}s): a fault could be forgotten while the stake that committed it ` +
        "is still unbonding, and escape its slash",
    );
  }
}

/**
 * The one rule linking CometBFT's evidence parameters to staking: evidence must live at least as
 * long as unbonding does, so that a fault stays provable for as long as the stake that
 * committed it can still be slashed (as the Cosmos SDK requires). InitChain, hard-fork import
 * and staking parameter changes all check it here. A max age of 0 (none recorded) fails too.
 */
export function requireEvidenceOutlivesUnbonding(maxAgeMs: bigint, unbondingTimeSeconds: bigint): void {
  if (maxAgeMs < unbondingTimeSeconds * 1000n) throw new EvidenceMaxAgeError(maxAgeMs, unbondingTimeSeconds);
}

export function writeEvidenceMaxAgeMs(state: StateOverlay, ms: bigint): void {
  writeInteger(state, EVIDENCE_MAX_AGE_KEY, ms);
}

const EVIDENCE_MAX_AGE_BLOCKS_KEY = "staking/evidence-max-age-blocks";

/** CometBFT's evidence.max_age_num_blocks: blocks are kept at least that far back (0: none recorded). */
export function readEvidenceMaxAgeBlocks(state: StateReader): bigint {
  return readInteger(state, EVIDENCE_MAX_AGE_BLOCKS_KEY);
}

export function writeEvidenceMaxAgeBlocks(state: StateOverlay, blocks: bigint): void {
  writeInteger(state, EVIDENCE_MAX_AGE_BLOCKS_KEY, blocks);
}
