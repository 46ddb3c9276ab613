/**
 * Hostile vote extensions: honest ones (prices near the base), canonically encoded ones with
 * hostile content (bitmaps of the wrong size, deltas that overflow int64 or leave the price at
 * zero or below, too few or too many), byte mutations of honest ones, and garbage. The raw
 * encoder writes what the codec's encoder would refuse to, so the decoder sees it.
 */
import fc from "fast-check";
import { type CurrencyPair, encodeOracleVote, type PriceReport } from "../../oracle/index.js";
import { mutatedBytes } from "../mutate.js";
import { unboundedVarint } from "../protowire.js";

const varint = unboundedVarint;

/** Zigzag of any integer (beyond 64 bits too: the decoder must refuse those). */
const zigzag = (value: bigint): bigint => (value >= 0n ? value * 2n : -value * 2n - 1n);

/** OracleVote's wire form (bitmap, then packed sint64 deltas) for any bitmap and deltas. */
export function rawOracleVote(present: Uint8Array, deltas: readonly bigint[]): Uint8Array {
  const packed = deltas.flatMap((delta) => varint(zigzag(delta)));
  const out = [0x0a, ...varint(BigInt(present.length)), ...present];
  if (packed.length > 0) out.push(0x12, ...varint(BigInt(packed.length)), ...packed);
  return Uint8Array.from(out);
}

const EDGE_DELTAS = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n, -(2n ** 64n)];

/** Prices near `base` (or near 1.0 without one), in range: what an honest validator reports. */
export function honestPrices(
  pairs: readonly CurrencyPair[],
  base: PriceReport,
): fc.Arbitrary<Map<string, bigint>> {
  return fc
    .array(fc.tuple(fc.boolean(), fc.integer({ min: 50, max: 200 })), {
      minLength: pairs.length,
      maxLength: pairs.length,
    })
    .map((choices) => {
      const prices = new Map<string, bigint>();
      pairs.forEach((pair, i) => {
        const [present, percent] = choices[i]!;
        const reference = base.get(pair.id) ?? 10n ** BigInt(pair.decimals);
        if (present || i === 0) prices.set(pair.id, (reference * BigInt(percent)) / 100n || 1n);
      });
      return prices;
    });
}

export function hostileExtension(
  pairs: readonly CurrencyPair[],
  base: PriceReport,
): fc.Arbitrary<Uint8Array> {
  const honest = honestPrices(pairs, base).map((prices) => encodeOracleVote(pairs, prices, base));
  const bitmapBytes = Math.ceil(pairs.length / 8);
  const raw = fc
    .record({
      present: fc.oneof(
        { weight: 4, arbitrary: fc.uint8Array({ minLength: bitmapBytes, maxLength: bitmapBytes }) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: bitmapBytes + 2 }) },
      ),
      deltas: fc.array(
        fc.oneof(fc.constantFrom(...EDGE_DELTAS), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n })),
        {
          maxLength: pairs.length + 2,
        },
      ),
      negateBase: fc.boolean(),
    })
    .map(({ present, deltas, negateBase }) => {
      // A delta of minus the base leaves a price of exactly zero: the decoder must refuse it.
      const first = base.get(pairs[0]?.id ?? "");
      const adjusted =
        negateBase && first !== undefined && deltas.length > 0 ? [-first, ...deltas.slice(1)] : deltas;
      return rawOracleVote(present, adjusted);
    });
  return fc.oneof(
    { weight: 3, arbitrary: honest },
    { weight: 4, arbitrary: raw },
    { weight: 3, arbitrary: mutatedBytes(honest) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(), new Uint8Array(64 * 1024 + 1).fill(0x0a)) },
  );
}
