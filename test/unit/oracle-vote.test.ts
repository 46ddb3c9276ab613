import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromFixedPoint, toFixedPoint } from "../../oracle/feed.js";
import { stakeWeightedMedian } from "../../oracle/median.js";
import { type CurrencyPair, decodeOracleVote, encodeOracleVote, OracleVoteError } from "../../oracle/vote.js";

const pairs: CurrencyPair[] = Array.from({ length: 12 }, (_, i) => ({
  id: `P${String(i).padStart(2, "0")}/USD`,
  decimals: 8,
}));
const previous = new Map(pairs.map((p, i) => [p.id, 100_000_000n * BigInt(i + 1)]));

describe("oracle vote extensions", () => {
  it("round-trips prices as deltas, skipping pairs without a price", () => {
    const prices = new Map([
      [pairs[0]!.id, 100_001_234n],
      [pairs[5]!.id, 599_990_000n],
      [pairs[11]!.id, 1_200_000_000n],
    ]);
    const bytes = encodeOracleVote(pairs, prices, previous);
    assert.deepEqual(decodeOracleVote(pairs, bytes, previous), prices);
    assert.deepEqual(decodeOracleVote(pairs, new Uint8Array(), previous), new Map(), "empty: no prices");
    assert.equal(encodeOracleVote(pairs, new Map(), previous).length, 0);
  });

  it("costs at most 10 bytes a pair for small moves, and for first prices", () => {
    for (const count of [10, 100, 1000]) {
      const many = Array.from({ length: count }, (_, i) => ({ id: `X${i}/USD`, decimals: 8 }));
      const last = new Map(many.map((p, i) => [p.id, 5_000_000_000n + BigInt(i)]));
      const moved = new Map(
        many.map((p, i) => [p.id, 5_000_000_000n + BigInt(i) + BigInt((i % 200) - 100) * 1000n]),
      );
      assert.ok(encodeOracleVote(many, moved, last).length <= 10 * count, `${count} pairs, small moves`);
      assert.ok(encodeOracleVote(many, moved, new Map()).length <= 10 * count, `${count} pairs, no history`);
    }
  });

  it("refuses malformed, non-canonical, oversized and out-of-range extensions", () => {
    const good = encodeOracleVote(pairs, new Map([[pairs[1]!.id, 5n]]), previous);
    const bad = [
      Uint8Array.of(0xff, 0xff, 0xff),
      new Uint8Array(70_000),
      Uint8Array.of(...good, 0x10, 0x02), // a second deltas field: more prices than marked present
      encodeOracleVote(pairs.slice(0, 8), new Map([[pairs[1]!.id, 5n]]), previous), // bitmap for 8 pairs
    ];
    for (const extension of bad)
      assert.throws(() => decodeOracleVote(pairs, extension, previous), OracleVoteError);
    // Valid protobuf, but not the one canonical layout: fields swapped, a padded length varint.
    const swapped = Uint8Array.of(0x12, 0x01, 0x0a, 0x0a, 0x02, 0x02, 0x00);
    const padded = Uint8Array.of(0x0a, 0x82, 0x00, 0x02, 0x00, 0x12, 0x01, 0x0a);
    for (const extension of [swapped, padded]) {
      assert.throws(() => decodeOracleVote(pairs, extension, previous), /not canonically encoded/);
    }
    // A delta of -2 (zigzag 0x03) from no previous price is a negative price.
    const negative = encodeOracleVote(pairs, new Map([[pairs[1]!.id, 1n]]), new Map());
    negative[negative.length - 1] = 0x03;
    assert.throws(() => decodeOracleVote(pairs, negative, new Map()), /out of range/);
  });
});

describe("stake-weighted median", () => {
  const report = (price: number, power: number) => ({ price: BigInt(price), power: BigInt(power) });

  it("needs 2/3 of the power to have reported", () => {
    assert.equal(stakeWeightedMedian([report(10, 10), report(11, 10)], 40n), undefined);
    assert.equal(stakeWeightedMedian([report(10, 10), report(11, 10), report(12, 10)], 45n), 11n);
  });

  it("weighs by power and stays in the honest range against a minority", () => {
    assert.equal(stakeWeightedMedian([report(10, 60), report(100, 40)], 100n), 10n);
    // One of four equal validators reports 10x: the median is an honest price.
    const honest = [report(100, 10), report(101, 10), report(99, 10)];
    const median = stakeWeightedMedian([...honest, report(1000, 10)], 40n)!;
    assert.ok(median >= 99n && median <= 101n);
  });
});

describe("fixed-point prices", () => {
  it("reads sidecar decimals into fixed point and back", () => {
    assert.equal(toFixedPoint("5.123456789", 8), 512_345_678n, "extra places are truncated");
    assert.equal(toFixedPoint("97000", 5), 9_700_000_000n);
    assert.equal(fromFixedPoint(512_345_678n, 8), "5.12345678");
    assert.equal(fromFixedPoint(5n, 8), "0.00000005");
    assert.equal(fromFixedPoint(42n, 0), "42");
  });
});
