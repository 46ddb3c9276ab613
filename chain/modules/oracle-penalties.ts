/**
 * Oracle penalties, which Skip's Connect dropped.
 *
 * Scoring, per block: every validator in the injected commit is held to the pairs the block
 * priced. A priced pair its vote leaves out is missed; so is every priced pair when it sent no
 * usable vote (absent or nil in the commit, an empty extension, one that does not decode). A
 * price outside the deviation band around the median is a deviation. A block in which a
 * validator got k of the n priced pairs wrong counts k/n of a bad block, so missing one pair of
 * a hundred weighs a hundredth of missing them all, and max_bad_blocks keeps its meaning.
 *
 * The window slides: each block's faults leave the record window_blocks blocks later. A
 * validator whose record goes over max_bad_blocks bad blocks is slashed slash_fraction, jailed
 * for jail_seconds, and its record starts over. Per block the work is bounded by the faulty
 * validators of this block and of the block leaving the window; honest validators cost nothing.
 */
import { toHex, utf8 } from "../../core/bytes.js";
import { type Fraction, parseDecimal } from "../../core/decimal.js";
import { type OracleParams, OracleParamsCodec } from "../../core/proto/gov.js";
import type { ValidatorRecord } from "../../core/proto/staking.js";
import { msToTimestamp } from "../../core/timestamp.js";
import { decodeInteger, orderedKeyPart, readInteger, writeInteger } from "../store/integers.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import type { StakingEnv } from "./delegations.js";
import { jailUntil, type SlashOutcome, slashValidator } from "./slashing.js";
import { getValidator, operatorByConsensusAddress } from "./staking.js";

export const DEFAULT_ORACLE_PARAMS: OracleParams = {
  windowBlocks: 100n,
  maxBadBlocks: 50n,
  deviationBand: "0.1",
  slashFraction: "0.001",
  jailSeconds: 600n,
};

/** One whole bad block in fault units: a block's share of bad pairs is kept to a millionth. */
export const FAULT_UNITS_PER_BLOCK = 1_000_000n;

const PARAMS_KEY = "oracle/params";
/** A validator's fault units in the current window, by consensus address (hex). */
const RECORD_PREFIX = "oracle/faults/";
/** When a block's faults leave the window: `<expiry height>/<address>/<recorded height>` → units. */
const EXPIRY_PREFIX = "oracle/fault-expiry/";
/** The height a validator's record last started over (penalised): older faults no longer count. */
const RESET_PREFIX = "oracle/fault-reset/";

export function readOracleParams(state: StateReader): OracleParams {
  const bytes = state.get(PARAMS_KEY);
  return bytes ? OracleParamsCodec.decode(bytes) : DEFAULT_ORACLE_PARAMS;
}

export function writeOracleParams(state: StateOverlay, params: OracleParams): void {
  state.set(PARAMS_KEY, OracleParamsCodec.encode(params));
}

/** One committed validator's vote, as the penalties see it. */
export interface ScoredVote {
  /** The validator's consensus address. */
  address: Uint8Array;
  /** Its prices; undefined when it gave none (absent, nil, or an extension that does not decode). */
  prices: ReadonlyMap<string, bigint> | undefined;
}

/** A validator's faults in one block. */
export interface VoteFaults {
  address: Uint8Array;
  /** Priced pairs it gave no price for. */
  missed: number;
  /** Priced pairs it reported outside the band around the median. */
  deviated: number;
}

/** How a block's votes did against the prices the block wrote. */
export interface BlockOracleFaults {
  /** How many pairs the block priced: the most faults one vote can have. */
  pricedPairs: number;
  /** The validators with at least one fault, in commit order. */
  voters: readonly VoteFaults[];
}

/** A block without an injected commit: nothing priced, nobody at fault. */
export const NO_ORACLE_FAULTS: BlockOracleFaults = Object.freeze({ pricedPairs: 0, voters: [] });

function outsideBand(price: bigint, median: bigint, band: Fraction): boolean {
  const distance = price > median ? price - median : median - price;
  return distance * band.denominator > band.numerator * median;
}

/** Each vote's missed and deviating pairs against `medians` (the pairs the block priced). */
export function scoreVotes(
  votes: readonly ScoredVote[],
  medians: ReadonlyMap<string, bigint>,
  deviationBand: string,
): BlockOracleFaults {
  const band = parseDecimal(deviationBand);
  const voters: VoteFaults[] = [];
  for (const { address, prices } of votes) {
    let missed = 0;
    let deviated = 0;
    for (const [pair, median] of medians) {
      const price = prices?.get(pair);
      if (price === undefined) missed++;
      else if (outsideBand(price, median, band)) deviated++;
    }
    if (missed + deviated > 0) voters.push({ address, missed, deviated });
  }
  return { pricedPairs: medians.size, voters };
}

/** The bad-block weight of `faults` of `pricedPairs` pairs, in fault units (rounded down). */
export function faultUnits(faults: number, pricedPairs: number): bigint {
  if (pricedPairs === 0) return 0n;
  return (BigInt(faults) * FAULT_UNITS_PER_BLOCK) / BigInt(pricedPairs);
}

/** Where a validator's fault record lives: decimal text (fault units), absent when zero. */
export function faultRecordKey(address: Uint8Array): string {
  return `${RECORD_PREFIX}${toHex(address)}`;
}

/** A validator's fault units in the current window. */
export function readFaultRecord(state: StateReader, address: Uint8Array): bigint {
  return readInteger(state, faultRecordKey(address));
}

interface ExpiringFaults {
  key: string;
  address: string;
  recordedAt: bigint;
  units: bigint;
}

/** Fault entries whose time in the window is up at `height`, oldest first. */
function expiring(state: StateReader, height: bigint): ExpiringFaults[] {
  if (!state.scan) throw new Error("expiring oracle faults needs a scannable state");
  const due: ExpiringFaults[] = [];
  for (const [key, value] of state.scan(EXPIRY_PREFIX)) {
    const [expiry, address, recorded] = key.slice(EXPIRY_PREFIX.length).split("/");
    if (BigInt(`0x${expiry}`) > height) break;
    due.push({ key, address: address!, recordedAt: BigInt(`0x${recorded}`), units: decodeInteger(value) });
  }
  return due;
}

/** Drops from each record the faults that left the window, unless the record started over since. */
function slideWindow(state: StateOverlay, height: bigint): void {
  for (const entry of expiring(state, height)) {
    state.delete(entry.key);
    if (entry.recordedAt <= readInteger(state, `${RESET_PREFIX}${entry.address}`)) continue;
    const recordKey = `${RECORD_PREFIX}${entry.address}`;
    writeInteger(state, recordKey, readInteger(state, recordKey) - entry.units);
  }
}

/** The staked, unjailed validator behind a consensus address; others are not tracked. */
function penalisable(state: StateReader, address: Uint8Array): ValidatorRecord | undefined {
  const operator = operatorByConsensusAddress(state, address);
  const validator = operator ? getValidator(state, operator) : undefined;
  // A jailed validator is still in the commit for a block or two; it has had its penalty.
  return validator && !validator.jailed ? validator : undefined;
}

function penalise(
  state: StateOverlay,
  validator: ValidatorRecord,
  address: string,
  params: OracleParams,
  env: StakingEnv,
): SlashOutcome {
  const burned = slashValidator(state, validator, env.height, params.slashFraction, env);
  jailUntil(state, validator, msToTimestamp(env.timeMs + params.jailSeconds * 1000n));
  state.delete(`${RECORD_PREFIX}${address}`);
  writeInteger(state, `${RESET_PREFIX}${address}`, env.height);
  return { operator: validator.operatorAddress, burned, reason: "oracle" };
}

/**
 * Slides the window to this block, adds the block's faults to each validator's record, and
 * slashes and jails every validator whose record is now over max_bad_blocks bad blocks.
 */
export function recordOracleFaults(
  state: StateOverlay,
  faults: BlockOracleFaults,
  env: StakingEnv,
): SlashOutcome[] {
  const params = readOracleParams(state);
  slideWindow(state, env.height);
  const limit = params.maxBadBlocks * FAULT_UNITS_PER_BLOCK;
  const penalised: SlashOutcome[] = [];
  for (const voter of faults.voters) {
    const units = faultUnits(voter.missed + voter.deviated, faults.pricedPairs);
    const validator = units > 0n ? penalisable(state, voter.address) : undefined;
    if (!validator) continue;
    const address = toHex(voter.address);
    const recordKey = `${RECORD_PREFIX}${address}`;
    const record = readInteger(state, recordKey) + units;
    writeInteger(state, recordKey, record);
    const expiry = env.height + params.windowBlocks;
    state.set(
      `${EXPIRY_PREFIX}${orderedKeyPart(expiry)}/${address}/${orderedKeyPart(env.height)}`,
      utf8(units.toString()),
    );
    if (record > limit) penalised.push(penalise(state, validator, address, params, env));
  }
  return penalised;
}
