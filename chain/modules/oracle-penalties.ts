/**
 * Oracle penalties, which Skip's Connect dropped: each block, a validator whose committed vote
 * left out a pair that got a price, or strayed from the median by more than the deviation band,
 * gets a bad mark. The window is tumbling: when it closes, every validator with more than
 * max_bad_blocks marks is slashed and jailed, and the marks start over.
 */
import { toHex } from "../../core/bytes.js";
import { type OracleParams, OracleParamsCodec } from "../../core/proto/gov.js";
import { msToTimestamp } from "../../core/timestamp.js";
import { decodeInteger, readInteger, writeInteger } from "../store/integers.js";
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

const PARAMS_KEY = "oracle/params";
const WINDOW_START_KEY = "oracle/penalty-window-start";
const FAULT_PREFIX = "oracle/faults/";

export function readOracleParams(state: StateReader): OracleParams {
  const bytes = state.get(PARAMS_KEY);
  return bytes ? OracleParamsCodec.decode(bytes) : DEFAULT_ORACLE_PARAMS;
}

export function writeOracleParams(state: StateOverlay, params: OracleParams): void {
  state.set(PARAMS_KEY, OracleParamsCodec.encode(params));
}

/** Bad marks this window, by consensus address (hex). */
export function oracleFaults(state: StateReader): Map<string, bigint> {
  if (!state.scan) throw new Error("reading oracle faults needs a scannable state");
  return new Map(
    Array.from(state.scan(FAULT_PREFIX), ([key, value]) => [
      key.slice(FAULT_PREFIX.length),
      decodeInteger(value),
    ]),
  );
}

/** Marks this block's bad voters; at the window's end, penalises and starts a new window. */
export function recordOracleFaults(
  state: StateOverlay,
  badVoters: readonly Uint8Array[],
  env: StakingEnv,
): SlashOutcome[] {
  const params = readOracleParams(state);
  let start = readInteger(state, WINDOW_START_KEY);
  if (start === 0n) {
    start = env.height;
    writeInteger(state, WINDOW_START_KEY, start);
  }
  for (const address of badVoters) {
    const key = `${FAULT_PREFIX}${toHex(address)}`;
    writeInteger(state, key, readInteger(state, key) + 1n);
  }
  if (env.height - start + 1n < params.windowBlocks) return [];
  const penalised: SlashOutcome[] = [];
  for (const [hex, count] of oracleFaults(state)) {
    state.delete(`${FAULT_PREFIX}${hex}`);
    if (count <= params.maxBadBlocks) continue;
    const operator = operatorByConsensusAddress(state, Buffer.from(hex, "hex"));
    const validator = operator ? getValidator(state, operator) : undefined;
    if (!validator || validator.jailed) continue;
    const burned = slashValidator(state, validator, env.height, params.slashFraction, env);
    jailUntil(state, validator, msToTimestamp(env.timeMs + params.jailSeconds * 1000n));
    penalised.push({ operator: validator.operatorAddress, burned, reason: "oracle" });
  }
  writeInteger(state, WINDOW_START_KEY, env.height + 1n);
  return penalised;
}
