import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { applyPrices } from "../../chain/app/oracle.js";
import {
  priceKey,
  writePairs,
  writePrice,
  writeVoteBase,
  writeVotePairs,
} from "../../chain/modules/oracle.js";
import type { StateOverlay } from "../../chain/store/overlay.js";
import { TrustStore, verifyHeight } from "../../conductor/index.js";
import { toHex } from "../../core/bytes.js";
import { headerHash, validatorSetHash } from "../../core/comet/hashes.js";
import type { OracleStateMessage } from "../../core/oracle-state.js";
import {
  RollupSliceCodec,
  type SequencerBlock,
  sliceForRollup,
  verifySequencerBlock,
} from "../../core/sequencer-block.js";
import { BlockPricesError, blockPriceList, encodePriceRecord, writtenPriceList } from "../../oracle/index.js";
import { encodeInjectedCommit } from "../../oracle/injection.js";
import type { CurrencyPair } from "../../oracle/vote.js";
import { oracleChainState, signedInjectedCommit } from "../support/oracle-blocks.js";
import { ALPHA, CHAIN, signedBlock, validatorSet } from "../support/signed-blocks.js";

const HEIGHT = 9n;
const BTC = "BTC/USD";
const ETH = "ETH/USD";
const TIA = "TIA/USD";
const PAIRS: CurrencyPair[] = [
  { id: BTC, decimals: 5 },
  { id: ETH, decimals: 6 },
  { id: TIA, decimals: 8 },
];
const BASE = new Map([
  [BTC, 9_000_000_000n],
  [ETH, 2_900_000_000n],
  [TIA, 500_000_000n],
]);

/** The state at the end of HEIGHT - 1: every pair priced before, ETH/USD last at HEIGHT - 4. */
function before(state: StateOverlay): void {
  writePairs(state, PAIRS);
  writeVotePairs(state, PAIRS);
  writeVoteBase(state, BASE);
  for (const pair of PAIRS) {
    const price = BASE.get(pair.id)!;
    writePrice(state, pair.id, {
      price,
      decimals: pair.decimals,
      height: HEIGHT - 4n,
      timeMs: 1n,
      nonce: 3n,
    });
  }
}

/**
 * Block HEIGHT with four validators' votes (ETH/USD reported by too few to be priced), and
 * block HEIGHT + 1, whose app_hash is the root FinalizeBlock left after applying them.
 */
function twoHeights(
  setup: (state: StateOverlay) => void = before,
  endBlock: (state: StateOverlay) => void = () => {},
) {
  const set = validatorSet(4, 3);
  const vote = (btc: bigint, tia: bigint, eth?: bigint) => ({
    vote: new Map([[BTC, btc], [TIA, tia], ...(eth ? [[ETH, eth] as const] : [])]),
  });
  const ballots = [
    vote(9_100_000_000n, 530_000_000n, 3_000_000_000n),
    vote(9_050_000_000n, 540_000_000n),
    vote(9_300_000_000n, 510_000_000n),
    vote(9_200_000_000n, 520_000_000n),
  ];
  const tx = encodeInjectedCommit(signedInjectedCommit(set, PAIRS, BASE, ballots, HEIGHT - 1n));
  const previous = oracleChainState(setup);
  const after = oracleChainState((state) => {
    setup(state);
    applyPrices(state, HEIGHT, 9000n, tx);
    endBlock(state);
  });
  const block = signedBlock({
    set,
    height: HEIGHT,
    appHash: previous.appHash,
    oracleCommitTx: tx,
    oracleState: previous.oracleState,
  });
  const nextBlock = (oracleState: OracleStateMessage, options: { lastBlockHash?: Uint8Array } = {}) =>
    signedBlock({
      set,
      height: HEIGHT + 1n,
      appHash: after.appHash,
      lastBlockHash: options.lastBlockHash ?? headerHash(block.header),
      oracleCommitTx: tx, // the votes it carries do not matter here
      oracleState,
    });
  return { set, block, next: nextBlock(after.oracleState), after, previous, nextBlock };
}

/** A conductor's view that trusts the set at HEIGHT and knows it cast HEIGHT's votes. */
function context(set: ReturnType<typeof validatorSet>) {
  // Never saved, so the path is never written.
  const trust = new TrustStore(join("/nonexistent-metro-test", "trust.json"), {
    height: HEIGHT,
    validatorsHash: validatorSetHash(set.validators),
  });
  return { chainId: CHAIN, rollupId: ALPHA, trust, validatorsAt: () => set.validators };
}

const slice = (block: SequencerBlock) => sliceForRollup(block, ALPHA);

describe("writtenPriceList: a height's prices from the next header's state", () => {
  it("equals the prices recomputed from the checked votes, through the wire", () => {
    const { set, block, next } = twoHeights();
    const byVotes = blockPriceList(block, { chainId: CHAIN, previousValidators: set.validators });
    assert.deepEqual(
      byVotes.map((p) => p.pair),
      [BTC, TIA],
      "ETH/USD was reported by too few",
    );
    assert.deepEqual(writtenPriceList(block, next), byVotes);
    const wire = (b: SequencerBlock) => RollupSliceCodec.decode(RollupSliceCodec.encode(slice(b)));
    assert.deepEqual(writtenPriceList(wire(block), wire(next)), byVotes);
  });

  it("leaves out a pair removed by governance since the votes, as the votes do", () => {
    const { set, block, next } = twoHeights((state) => {
      before(state);
      writePairs(
        state,
        PAIRS.filter((pair) => pair.id !== TIA),
      );
    });
    const byVotes = blockPriceList(block, { chainId: CHAIN, previousValidators: set.validators });
    assert.deepEqual(
      byVotes.map((p) => p.pair),
      [BTC],
    );
    assert.deepEqual(writtenPriceList(block, next), byVotes);
  });

  it("refuses a tampered price, a proof against another root and a missing entry", () => {
    const { block, after, previous, nextBlock } = twoHeights();
    const prices = after.oracleState.prices!;
    const tia = prices.find((p) => p.pair === TIA)!;
    const record = { price: 1n, decimals: 8, height: HEIGHT - 1n, timeMs: 9000n, nonce: 4n };
    const tampered = prices.map((p) =>
      p.pair === TIA ? { pair: TIA, entry: { ...tia.entry!, value: encodePriceRecord(record) } } : p,
    );
    const cases: [OracleStateMessage, RegExp][] = [
      [{ ...after.oracleState, prices: tampered }, /written prices: oracle\/price\/TIA\/USD/],
      // The entries of the state before the block: proofs against block HEIGHT's root.
      [{ ...after.oracleState, prices: previous.oracleState.prices! }, /written prices/],
      [{ ...after.oracleState, prices: prices.filter((p) => p.pair !== TIA) }, /no price entry for TIA/],
      // A block built before the entries were carried.
      [{ ...after.oracleState, prices: [] }, /no price entry for BTC/],
    ];
    for (const [state, reason] of cases) {
      assert.throws(() => writtenPriceList(block, nextBlock(state)), BlockPricesError);
      assert.throws(() => writtenPriceList(block, nextBlock(state)), reason);
    }
    // The verifier refuses a next block whose entries do not hold, before any price is read.
    assert.throws(
      () => verifySequencerBlock(nextBlock({ ...after.oracleState, prices: tampered }), { chainId: CHAIN }),
      /oracle state: oracle\/price\/TIA\/USD/,
    );
    // Not the next height.
    assert.throws(() => writtenPriceList(block, block), /is not the next one/);
  });

  it("takes a pair with no price after the block as unpriced when the votes did not price it", () => {
    // First prices: nothing before, and ETH/USD, reported by too few, stays without one.
    const { set, block, next } = twoHeights((state) => {
      writePairs(state, PAIRS);
      writeVotePairs(state, PAIRS);
    });
    const byVotes = blockPriceList(block, { chainId: CHAIN, previousValidators: set.validators });
    assert.deepEqual(
      byVotes.map((p) => p.pair),
      [BTC, TIA],
    );
    assert.deepEqual(writtenPriceList(block, next), byVotes);
  });

  it("cannot say when governance removed a priced pair in the same block: the votes decide", () => {
    // FinalizeBlock wrote TIA/USD's price, then the block's end removed the pair with it.
    const { set, block, next } = twoHeights(before, (state) => {
      writePairs(
        state,
        PAIRS.filter((pair) => pair.id !== TIA),
      );
      state.delete(priceKey(TIA));
    });
    assert.throws(
      () => writtenPriceList(block, next),
      /TIA\/USD was priced but has no price after the block/,
    );
    const verified = verifyHeight(slice(block), context(set), slice(next));
    assert.equal(verified.pricesBy, "votes");
    assert.match(verified.proofRefused ?? "", /TIA\/USD was priced/);
    assert.deepEqual(
      verified.prices,
      blockPriceList(block, { chainId: CHAIN, previousValidators: set.validators }),
    );
  });
});

describe("verifyHeight with the next height at hand", () => {
  it("takes the prices by proof, and the next header's commit is then known to be signed", () => {
    const { set, block, next } = twoHeights();
    const byVotes = blockPriceList(block, { chainId: CHAIN, previousValidators: set.validators });
    const verified = verifyHeight(slice(block), context(set), slice(next));
    assert.equal(verified.pricesBy, "proof");
    assert.deepEqual(verified.prices, byVotes);
    assert.equal(toHex(verified.signedNext!), toHex(headerHash(next.header)));
    assert.equal(verified.proofRefused, undefined);
  });

  it("falls back to the votes when the next block cannot prove them, and says why", () => {
    const { set, block, after, nextBlock } = twoHeights();
    const byVotes = blockPriceList(block, { chainId: CHAIN, previousValidators: set.validators });
    const tia = after.oracleState.prices!.find((p) => p.pair === TIA)!;
    const record = { price: 1n, decimals: 8, height: HEIGHT - 1n, timeMs: 9000n, nonce: 4n };
    const tampered = after.oracleState.prices!.map((p) =>
      p.pair === TIA ? { pair: TIA, entry: { ...tia.entry!, value: encodePriceRecord(record) } } : p,
    );
    const unsigned = nextBlock(after.oracleState);
    unsigned.commit.signatures = unsigned.commit.signatures.map((sig) => ({
      ...sig,
      signature: new Uint8Array(64),
    }));
    const cases: [SequencerBlock, RegExp][] = [
      [nextBlock({ ...after.oracleState, prices: tampered }), /oracle\/price\/TIA\/USD/],
      [nextBlock({ ...after.oracleState, prices: [] }), /no price entry/],
      [nextBlock(after.oracleState, { lastBlockHash: new Uint8Array(32).fill(9) }), /does not follow/],
      [unsigned, /signature/],
    ];
    for (const [next, reason] of cases) {
      const verified = verifyHeight(slice(block), context(set), slice(next));
      assert.equal(verified.pricesBy, "votes");
      assert.deepEqual(verified.prices, byVotes);
      assert.equal(verified.signedNext, undefined);
      assert.match(verified.proofRefused ?? "", reason);
    }
  });

  it("refuses the height when the proof fails and its votes do not check out either", () => {
    const { set, block, after, nextBlock } = twoHeights();
    const byVotes = blockPriceList(block, { chainId: CHAIN, previousValidators: set.validators });
    // Votes checked against a set that did not cast them: every extension signature is wrong.
    const others = validatorSet(4, 11);
    const ctx = { ...context(set), validatorsAt: () => others.validators };
    const bad = nextBlock({ ...after.oracleState, prices: [] });
    assert.throws(() => verifyHeight(slice(block), ctx, slice(bad)), BlockPricesError);
    // With a next block that proves them, the same height runs on what FinalizeBlock wrote.
    const proven = verifyHeight(slice(block), context(set), slice(nextBlock(after.oracleState)));
    assert.equal(proven.pricesBy, "proof");
    assert.deepEqual(proven.prices, byVotes);
  });
});
