/**
 * The oracle's vote extension: a validator's prices for the chain's pair list, as deltas from
 * the last on-chain prices (proto/metro/oracle/v1/oracle.proto). Decoding is strict and
 * deterministic, because VerifyVoteExtension must give every validator the same answer.
 */
import { protoCodec } from "../core/proto/codec.js";
import type { CurrencyPair } from "../core/proto/gov.js";

export type { CurrencyPair };

interface OracleVoteMessage {
  present: Uint8Array;
  deltas: bigint[];
}

const OracleVoteCodec = protoCodec<OracleVoteMessage>("metro.oracle.v1.OracleVote");

/** Bytes above this are refused outright (CometBFT allows 1 MiB; prices need ~10 bytes a pair). */
export const MAX_VOTE_BYTES = 64 * 1024;
/** Prices are int64 fixed point; a report outside (0, 2^63) is not a price. */
const MAX_PRICE = 2n ** 63n - 1n;

export class OracleVoteError extends Error {
  override name = "OracleVoteError";
}

/** Prices by pair id, fixed point in each pair's decimals. */
export type PriceReport = ReadonlyMap<string, bigint>;

/**
 * Encodes `prices` for the sorted `pairs`; `previous` holds the last on-chain prices. Pairs
 * without a price are left out; prices for pairs not in the list are ignored.
 */
export function encodeOracleVote(
  pairs: readonly CurrencyPair[],
  prices: PriceReport,
  previous: PriceReport,
): Uint8Array {
  const present = new Uint8Array(Math.ceil(pairs.length / 8));
  const deltas: bigint[] = [];
  pairs.forEach((pair, i) => {
    const price = prices.get(pair.id);
    if (price === undefined) return;
    if (price <= 0n || price > MAX_PRICE)
      throw new OracleVoteError(`${pair.id}: price ${price} out of range`);
    present[i >> 3]! |= 1 << (i & 7);
    deltas.push(price - (previous.get(pair.id) ?? 0n));
  });
  if (deltas.length === 0) return new Uint8Array();
  return OracleVoteCodec.encode({ present, deltas });
}

/** Decodes a vote extension into prices; an empty extension is a validator with no prices. */
export function decodeOracleVote(
  pairs: readonly CurrencyPair[],
  extension: Uint8Array,
  previous: PriceReport,
): Map<string, bigint> {
  const prices = new Map<string, bigint>();
  if (extension.length === 0) return prices;
  if (extension.length > MAX_VOTE_BYTES) throw new OracleVoteError(`${extension.length} bytes is oversized`);
  const vote = readCanonicalVote(extension);
  if (vote.present.length !== Math.ceil(pairs.length / 8)) {
    throw new OracleVoteError(`pair bitmap of ${vote.present.length} bytes for ${pairs.length} pairs`);
  }
  let next = 0;
  for (let i = 0; i < vote.present.length * 8; i++) {
    if (((vote.present[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const pair = pairs[i];
    if (!pair) throw new OracleVoteError(`price for unknown pair #${i}`);
    const delta = vote.deltas[next++];
    if (delta === undefined) throw new OracleVoteError("fewer prices than pairs marked present");
    const price = (previous.get(pair.id) ?? 0n) + BigInt(delta);
    if (price <= 0n || price > MAX_PRICE)
      throw new OracleVoteError(`${pair.id}: price ${price} out of range`);
    prices.set(pair.id, price);
  }
  if (next !== vote.deltas.length) throw new OracleVoteError("more prices than pairs marked present");
  if (prices.size === 0) throw new OracleVoteError("a non-empty extension with no prices");
  return prices;
}

/**
 * Reads the only encoding the encoder writes: field 1 (the bitmap), then field 2 (packed
 * zigzag varints), nothing else. Any other bytes are refused, so one report has one encoding,
 * and 150 extensions decode without a protobuf round trip each.
 */
function readCanonicalVote(bytes: Uint8Array): OracleVoteMessage {
  const reader = { bytes, pos: 0 };
  const present = readField(reader, 0x0a);
  const deltas: bigint[] = [];
  if (reader.pos < bytes.length) {
    const packed = { bytes: readField(reader, 0x12), pos: 0 };
    if (reader.pos !== bytes.length) throw new OracleVoteError("not canonically encoded: trailing bytes");
    while (packed.pos < packed.bytes.length) {
      const zigzag = readVarint(packed);
      deltas.push((zigzag >> 1n) ^ -(zigzag & 1n));
    }
  }
  return { present, deltas };
}

interface Reader {
  bytes: Uint8Array;
  pos: number;
}

function readVarint(reader: Reader): bigint {
  let value = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    const byte = reader.bytes[reader.pos++];
    if (byte === undefined) throw new OracleVoteError("malformed: truncated varint");
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) {
      if (byte === 0 && shift > 0n) throw new OracleVoteError("not canonically encoded: padded varint");
      if (value >= 1n << 64n) throw new OracleVoteError("malformed: varint over 64 bits");
      return value;
    }
  }
  throw new OracleVoteError("malformed: varint longer than 10 bytes");
}

/** A length-delimited field with this tag, non-empty, at the reader's position. */
function readField(reader: Reader, tag: number): Uint8Array {
  if (reader.bytes[reader.pos] !== tag) {
    throw new OracleVoteError(`not canonically encoded: expected tag ${tag} at ${reader.pos}`);
  }
  reader.pos++;
  const length = Number(readVarint(reader));
  if (length === 0 || reader.pos + length > reader.bytes.length)
    throw new OracleVoteError("malformed: bad field length");
  reader.pos += length;
  return reader.bytes.subarray(reader.pos - length, reader.pos);
}
