/**
 * The oracle state a block's prices are computed from, carried in SequencerBlocks so that a
 * rollup can recompute them (proto/metro/sequencer/v1/block.proto OracleState). Block H's
 * injected votes are read against Metro's state as of the end of H - 1: the pair list, the pairs
 * the votes were cast over and the prices they are deltas against. Header H's app_hash is the
 * root of exactly that state, so each entry comes with its sparse Merkle proof against it.
 */
import { utf8 } from "./bytes.js";
import { decodeSmtProof, SmtProofError, verifySmtProof } from "./smt.js";

/** Where Metro keeps these entries (chain/modules/oracle.ts reads and writes them). */
export const ORACLE_STATE_KEYS = {
  pairs: "oracle/pairs",
  votePairs: "oracle/vote-pairs",
  voteBase: "oracle/vote-base",
} as const;

/** Where Metro keeps a pair's latest price (a metro.oracle.v1.Price record). */
export const priceStateKey = (pair: string): string => `oracle/price/${pair}`;

export type OracleStateField = keyof typeof ORACLE_STATE_KEYS;
const FIELDS = Object.keys(ORACLE_STATE_KEYS) as OracleStateField[];

/** One state entry as stored, or its absence, with its proof in core/smt.ts's wire form. */
export interface StateEntryMessage {
  value: Uint8Array;
  /** False when the key is not in the state; `value` is then empty. */
  present: boolean;
  proof: Uint8Array;
}

/** One pair's price entry (priceStateKey). */
export interface PriceEntryMessage {
  pair: string;
  entry?: StateEntryMessage | null;
}

export interface OracleStateMessage {
  pairs?: StateEntryMessage | null;
  votePairs?: StateEntryMessage | null;
  voteBase?: StateEntryMessage | null;
  /**
   * The price entries of every pair in pairs or vote pairs, as the previous block's
   * FinalizeBlock left them; empty in blocks built before they were carried.
   */
  prices?: PriceEntryMessage[] | null;
}

export class OracleStateError extends Error {
  override name = "OracleStateError";
}

/**
 * A state entry as a store query returned it (an empty value for an absent key). An empty value
 * is told apart from an absent key by which one the proof proves.
 */
export function stateEntry(
  appHash: Uint8Array,
  key: string,
  value: Uint8Array,
  proof: Uint8Array,
): StateEntryMessage {
  let present = value.length > 0;
  if (!present) {
    try {
      verifySmtProof(appHash, utf8(key), value, decodeSmtProof(proof));
      present = true;
    } catch {
      // Not a proof of an empty value: it can only be one of absence.
    }
  }
  return { value, present, proof };
}

/**
 * Checks every entry against `appHash` and returns the values of those present, by state key.
 * Throws OracleStateError when an entry is missing or its proof does not hold.
 */
export function provenOracleState(appHash: Uint8Array, state: OracleStateMessage): Map<string, Uint8Array> {
  const values = new Map<string, Uint8Array>();
  for (const field of FIELDS) {
    const key = ORACLE_STATE_KEYS[field];
    const entry = state[field];
    if (!entry) throw new OracleStateError(`${key}: entry missing`);
    if (provenEntry(appHash, key, entry)) values.set(key, entry.value);
  }
  return values;
}

/**
 * Checks every price entry against `appHash` and returns, by pair, the stored record or
 * undefined for a pair proven to have no price. A pair not listed is not in the map. Throws
 * OracleStateError when an entry is malformed, listed twice or its proof does not hold.
 */
export function provenPriceEntries(
  appHash: Uint8Array,
  state: OracleStateMessage,
): Map<string, Uint8Array | undefined> {
  const values = new Map<string, Uint8Array | undefined>();
  for (const { pair, entry } of state.prices ?? []) {
    const key = priceStateKey(pair);
    if (!entry) throw new OracleStateError(`${key}: entry missing`);
    if (values.has(pair)) throw new OracleStateError(`${key}: listed twice`);
    values.set(pair, provenEntry(appHash, key, entry) ? entry.value : undefined);
  }
  return values;
}

/** Whether the entry is present; throws OracleStateError unless its proof holds. */
function provenEntry(appHash: Uint8Array, key: string, entry: StateEntryMessage): boolean {
  if (!entry.present && entry.value.length > 0)
    throw new OracleStateError(`${key}: a value for an absent key`);
  try {
    verifySmtProof(appHash, utf8(key), entry.present ? entry.value : undefined, decodeSmtProof(entry.proof));
  } catch (error) {
    if (error instanceof SmtProofError) throw new OracleStateError(`${key}: ${error.message}`);
    throw error;
  }
  return entry.present;
}
