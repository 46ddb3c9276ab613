/**
 * The oracle's state: the currency pairs (sorted by id), the latest price of each, the prices
 * the next block's votes are deltas against, the validators' ed25519 keys, and the height from
 * which vote extensions are on. Aggregation lives in oracle/; this is storage.
 */
import { readU64be, toHex, u64be } from "../../core/bytes.js";
import { ORACLE_STATE_KEYS, priceStateKey } from "../../core/oracle-state.js";
import { protoCodec } from "../../core/proto/codec.js";
import {
  type CurrencyPair,
  decodePriceRecord,
  encodePairList,
  encodePriceRecord,
  encodePriceSnapshot,
  type PriceRecord,
  type PriceReport,
  pairsFrom,
  voteBaseFrom,
  votePairsFrom,
} from "../../oracle/index.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";

export type Price = PriceRecord;

const KeyListCodec = protoCodec<{ keys: { address: Uint8Array; ed25519: Uint8Array }[] }>(
  "metro.oracle.v1.ValidatorKeyList",
);

const { pairs: PAIRS_KEY, voteBase: VOTE_BASE_KEY, votePairs: VOTE_PAIRS_KEY } = ORACLE_STATE_KEYS;
const VE_HEIGHT_KEY = "oracle/vote-extensions-height";
const VALIDATOR_KEYS_KEY = "validators/keys";
export const priceKey = priceStateKey;

export function writePairs(state: StateOverlay, pairs: readonly CurrencyPair[]): void {
  const sorted = [...pairs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  state.set(PAIRS_KEY, encodePairList(sorted));
}

export function readPairs(state: StateReader): CurrencyPair[] {
  return pairsFrom((key) => state.get(key));
}

/**
 * The pairs the next block's injected votes were encoded against: the pairs before the last
 * block ran, since governance may add pairs at the end of a block while those votes were
 * already cast over the old list. Undefined until pairs first change.
 */
export function readVotePairs(state: StateReader): CurrencyPair[] | undefined {
  return votePairsFrom((key) => state.get(key));
}

export function writeVotePairs(state: StateOverlay, pairs: readonly CurrencyPair[]): void {
  state.set(VOTE_PAIRS_KEY, encodePairList(pairs));
}

/** A Price record as stored (and returned by a store query on priceKey). */
export function decodePrice(bytes: Uint8Array): Price {
  return decodePriceRecord(bytes);
}

export function readPrice(state: StateReader, pair: string): Price | undefined {
  const bytes = state.get(priceKey(pair));
  return bytes ? decodePriceRecord(bytes) : undefined;
}

export function writePrice(state: StateOverlay, pair: string, price: Price): void {
  state.set(priceKey(pair), encodePriceRecord(price));
}

/** The latest on-chain prices, as fixed-point integers by pair. */
export function currentPrices(state: StateReader, pairs: readonly CurrencyPair[]): Map<string, bigint> {
  const prices = new Map<string, bigint>();
  for (const pair of pairs) {
    const price = readPrice(state, pair.id);
    if (price) prices.set(pair.id, price.price);
  }
  return prices;
}

/** The prices the votes in the next block's injected commit are deltas against. */
export function readVoteBase(state: StateReader): Map<string, bigint> {
  return voteBaseFrom((key) => state.get(key));
}

export function writeVoteBase(state: StateOverlay, prices: PriceReport): void {
  state.set(VOTE_BASE_KEY, encodePriceSnapshot(prices));
}

export function writeValidatorKeys(
  state: StateOverlay,
  keys: readonly { address: Uint8Array; ed25519: Uint8Array }[],
): void {
  state.set(VALIDATOR_KEYS_KEY, KeyListCodec.encode({ keys: [...keys] }));
}

/** ed25519 public keys by validator address (hex). */
export function readValidatorKeys(state: StateReader): Map<string, Uint8Array> {
  const bytes = state.get(VALIDATOR_KEYS_KEY);
  return new Map((bytes ? KeyListCodec.decode(bytes).keys : []).map((k) => [toHex(k.address), k.ed25519]));
}

export function writeVoteExtensionsHeight(state: StateOverlay, height: bigint): void {
  state.set(VE_HEIGHT_KEY, u64be(height));
}

/** The first height whose precommits carry extensions; 0 when they are off. */
export function readVoteExtensionsHeight(state: StateReader): bigint {
  const bytes = state.get(VE_HEIGHT_KEY);
  return bytes ? readU64be(bytes) : 0n;
}
