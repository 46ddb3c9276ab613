/**
 * How Metro stores the oracle state its price aggregation reads, and what an absent entry
 * means: one definition for the chain, which keeps these entries, and for anyone recomputing a
 * block's prices from a SequencerBlock's proven copy of them (core/oracle-state.ts).
 */
import { ORACLE_STATE_KEYS } from "../core/oracle-state.js";
import { protoCodec } from "../core/proto/codec.js";
import type { CurrencyPair, PriceReport } from "./vote.js";

const PairListCodec = protoCodec<{ pairs: CurrencyPair[] }>("metro.oracle.v1.CurrencyPairList");
/** A pair's price as Metro stores it (oracle/price/<pair>). */
export interface PriceRecord {
  /** Fixed point, in the pair's decimals. */
  price: bigint;
  decimals: number;
  /** The height whose votes made it (the block that wrote it is the next one). */
  height: bigint;
  timeMs: bigint;
  /** Counts updates. */
  nonce: bigint;
}

const PriceRecordCodec = protoCodec<PriceRecord>("metro.oracle.v1.Price");

export function encodePriceRecord(record: PriceRecord): Uint8Array {
  return PriceRecordCodec.encode(record);
}

export function decodePriceRecord(bytes: Uint8Array): PriceRecord {
  return PriceRecordCodec.decode(bytes);
}

const SnapshotCodec = protoCodec<{ prices: { pair: string; price: bigint }[] }>(
  "metro.oracle.v1.PriceSnapshot",
);

export function encodePairList(pairs: readonly CurrencyPair[]): Uint8Array {
  return PairListCodec.encode({ pairs: [...pairs] });
}

export function decodePairList(bytes: Uint8Array): CurrencyPair[] {
  return PairListCodec.decode(bytes).pairs;
}

export function encodePriceSnapshot(prices: PriceReport): Uint8Array {
  return SnapshotCodec.encode({ prices: [...prices].map(([pair, price]) => ({ pair, price })) });
}

export function decodePriceSnapshot(bytes: Uint8Array): Map<string, bigint> {
  return new Map(SnapshotCodec.decode(bytes).prices.map((p) => [p.pair, p.price]));
}

/** What a block's price aggregation reads from the state at the end of the previous block. */
export interface OracleInputs {
  /** The chain's pairs: a pair governance removed since the votes were cast gets no price. */
  pairs: CurrencyPair[];
  /** The pairs the votes were cast over (bit i of a vote is votePairs[i]). */
  votePairs: CurrencyPair[];
  /** The prices the votes are deltas against. */
  voteBase: Map<string, bigint>;
}

/** The chain's pairs, sorted by id; none before genesis wrote them. */
export function pairsFrom(get: (key: string) => Uint8Array | undefined): CurrencyPair[] {
  const bytes = get(ORACLE_STATE_KEYS.pairs);
  return bytes ? decodePairList(bytes) : [];
}

/** The pairs the next block's votes were cast over; undefined until they were first written. */
export function votePairsFrom(get: (key: string) => Uint8Array | undefined): CurrencyPair[] | undefined {
  const bytes = get(ORACLE_STATE_KEYS.votePairs);
  return bytes ? decodePairList(bytes) : undefined;
}

/** The prices the next block's votes are deltas against; none before the first prices. */
export function voteBaseFrom(get: (key: string) => Uint8Array | undefined): Map<string, bigint> {
  const bytes = get(ORACLE_STATE_KEYS.voteBase);
  return bytes ? decodePriceSnapshot(bytes) : new Map();
}

/** The inputs of a block's aggregation, from a reader of the previous block's state. */
export function oracleInputs(get: (key: string) => Uint8Array | undefined): OracleInputs {
  const pairs = pairsFrom(get);
  return { pairs, votePairs: votePairsFrom(get) ?? pairs, voteBase: voteBaseFrom(get) };
}
