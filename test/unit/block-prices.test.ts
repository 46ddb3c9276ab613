import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExtendedCommitInfo } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { applyPrices } from "../../chain/app/oracle.js";
import {
  readPrice,
  writePairs,
  writePrice,
  writeVoteBase,
  writeVotePairs,
} from "../../chain/modules/oracle.js";
import type { StateOverlay } from "../../chain/store/overlay.js";
import { utf8 } from "../../core/bytes.js";
import type { Validator } from "../../core/comet/types.js";
import type { OracleStateMessage } from "../../core/oracle-state.js";
import {
  RollupSliceCodec,
  SequencerBlockCodec,
  SequencerBlockError,
  sliceForRollup,
  verifyRollupSlice,
  verifySequencerBlock,
} from "../../core/sequencer-block.js";
import { BlockPricesError, blockPrices } from "../../oracle/index.js";
import { encodeInjectedCommit } from "../../oracle/injection.js";
import { encodePriceSnapshot } from "../../oracle/state.js";
import { type CurrencyPair, encodeOracleVote } from "../../oracle/vote.js";
import { type Ballot, oracleChainState, signedInjectedCommit } from "../support/oracle-blocks.js";
import { ALPHA, CHAIN, signedBlock, validatorSet } from "../support/signed-blocks.js";

const HEIGHT = 9n;
const ROUND = 1;
const BTC = "BTC/USD";
const ETH = "ETH/USD";
const TIA = "TIA/USD";
const PAIRS: CurrencyPair[] = [
  { id: BTC, decimals: 5 },
  { id: ETH, decimals: 6 },
  { id: TIA, decimals: 8 },
];

const injectedCommit = (
  set: { keys: Uint8Array[]; validators: Validator[] },
  votePairs: readonly CurrencyPair[],
  base: Map<string, bigint>,
  ballots: Ballot[],
) => signedInjectedCommit(set, votePairs, base, ballots, HEIGHT - 1n, ROUND);

/** Four validators of unequal power, so the median is weighted. */
function fourValidators() {
  const set = validatorSet(4, 3);
  set.validators.forEach((v, i) => {
    v.votingPower = [40n, 30n, 20n, 10n][i]!;
  });
  return set;
}

const prices = (btc: bigint, eth: bigint | undefined, tia: bigint) =>
  new Map<string, bigint>([[BTC, btc], ...(eth === undefined ? [] : [[ETH, eth] as const]), [TIA, tia]]);

/** What applyPrices writes at HEIGHT from the same state and tx, as blockPrices reports it. */
function chainWrites(state: StateOverlay, tx: Uint8Array) {
  const branch = state.branch();
  const { updated } = applyPrices(branch, HEIGHT, 9000n, tx);
  return new Map(
    updated.map((pair) => {
      const written = readPrice(branch, pair)!;
      assert.equal(written.height, HEIGHT - 1n);
      return [pair, { price: written.price, decimals: written.decimals }];
    }),
  );
}

describe("blockPrices: a block's prices from its signed votes and proven oracle state", () => {
  it("equals what applyPrices writes: first prices, without a vote base", () => {
    const set = fourValidators();
    const { state, appHash, oracleState } = oracleChainState((s) => {
      writePairs(s, PAIRS);
      writeVotePairs(s, PAIRS);
    });
    assert.equal(oracleState.voteBase?.present, false, "no vote base before the first prices");
    const commit = injectedCommit(set, PAIRS, new Map(), [
      { vote: prices(9_700_000_000n, 3_000_000_000n, 520_000_000n) },
      { vote: prices(9_710_000_000n, undefined, 530_000_000n) },
      { vote: prices(9_720_000_000n, 3_100_000_000n, 510_000_000n) },
      { vote: utf8("not a vote") },
    ]);
    const tx = encodeInjectedCommit(commit);
    const block = signedBlock({ set, height: HEIGHT, appHash, oracleCommitTx: tx, oracleState });
    verifySequencerBlock(block, { chainId: CHAIN });

    const expected = chainWrites(state, tx);
    // ETH: 40 + 20 of 100 reported, under 2/3: no price. BTC and TIA: weighted medians.
    assert.deepEqual(
      expected,
      new Map([
        [BTC, { price: 9_710_000_000n, decimals: 5 }],
        [TIA, { price: 520_000_000n, decimals: 8 }],
      ]),
    );
    assert.deepEqual(blockPrices(block, { chainId: CHAIN }), expected);
    assert.deepEqual(blockPrices(block, { chainId: CHAIN, previousValidators: set.validators }), expected);
  });

  it("equals what applyPrices writes: deltas against a base, a pair removed since the votes", () => {
    const set = fourValidators();
    const base = prices(9_000_000_000n, 2_900_000_000n, 500_000_000n);
    const { state, appHash, oracleState } = oracleChainState((s) => {
      // Governance removed ETH/USD at the end of the previous block; the votes were cast before.
      writePairs(
        s,
        PAIRS.filter((p) => p.id !== ETH),
      );
      writeVotePairs(s, PAIRS);
      writeVoteBase(s, base);
      for (const [pair, price] of base) {
        const decimals = PAIRS.find((p) => p.id === pair)!.decimals;
        writePrice(s, pair, { price, decimals, height: HEIGHT - 3n, timeMs: 1n, nonce: 4n });
      }
    });
    const commit = injectedCommit(set, PAIRS, base, [
      { vote: prices(9_100_000_000n, 3_000_000_000n, 530_000_000n) },
      { vote: new Map(), flag: BlockIDFlag.BLOCK_ID_FLAG_NIL },
      { vote: prices(9_050_000_000n, 3_000_000_000n, 540_000_000n) },
      { vote: prices(9_300_000_000n, 3_000_000_000n, 510_000_000n) },
    ]);
    const tx = encodeInjectedCommit(commit);
    const block = signedBlock({ set, height: HEIGHT, appHash, oracleCommitTx: tx, oracleState });
    const expected = chainWrites(state, tx);
    assert.deepEqual([...expected.keys()], [BTC, TIA], "the removed pair gets no price");
    const options = { chainId: CHAIN, previousValidators: set.validators };
    assert.deepEqual(blockPrices(block, options), expected);
    // Through the wire, and from a rollup's slice of the block.
    const decoded = SequencerBlockCodec.decode(SequencerBlockCodec.encode(block));
    verifySequencerBlock(decoded, { chainId: CHAIN });
    assert.deepEqual(blockPrices(decoded, options), expected);
    const slice = RollupSliceCodec.decode(RollupSliceCodec.encode(sliceForRollup(block, ALPHA)));
    verifyRollupSlice(slice, ALPHA, { chainId: CHAIN });
    assert.deepEqual(blockPrices(slice, options), expected);
  });

  it("is empty for a block without an oracle commit", () => {
    const block = signedBlock();
    assert.deepEqual(blockPrices(block, { chainId: CHAIN }), new Map());
  });

  it("refuses a tampered oracle state, in verification and in blockPrices", () => {
    const set = fourValidators();
    const base = prices(9_000_000_000n, 2_900_000_000n, 500_000_000n);
    const { appHash, oracleState } = oracleChainState((s) => {
      writePairs(s, PAIRS);
      writeVotePairs(s, PAIRS);
      writeVoteBase(s, base);
    });
    const vote = prices(9_100_000_000n, 3_000_000_000n, 530_000_000n);
    const tx = encodeInjectedCommit(
      injectedCommit(set, PAIRS, base, [{ vote }, { vote }, { vote }, { vote }]),
    );
    const make = (state: OracleStateMessage | undefined) =>
      signedBlock({
        set,
        height: HEIGHT,
        appHash,
        oracleCommitTx: tx,
        ...(state ? { oracleState: state } : {}),
      });
    assert.equal(blockPrices(make(oracleState), { chainId: CHAIN }).get(TIA)?.price, 530_000_000n);

    // A base 10% lower would shift every decoded price by it.
    const lowered = new Map([...base].map(([pair, price]) => [pair, (price * 9n) / 10n]));
    const tampered: OracleStateMessage = {
      ...oracleState,
      voteBase: { ...oracleState.voteBase!, value: encodePriceSnapshot(lowered) },
    };
    const absent: OracleStateMessage = {
      ...oracleState,
      voteBase: { ...oracleState.voteBase!, value: new Uint8Array(), present: false },
    };
    const otherKey: OracleStateMessage = { ...oracleState, votePairs: oracleState.pairs! };
    const noBase: OracleStateMessage = { pairs: oracleState.pairs!, votePairs: oracleState.votePairs! };
    for (const bad of [tampered, absent, otherKey, noBase]) {
      const block = make(bad);
      assert.throws(() => verifySequencerBlock(block, { chainId: CHAIN }), SequencerBlockError);
      assert.throws(() => verifySequencerBlock(block, { chainId: CHAIN }), /oracle state/);
      const slice = sliceForRollup(block, ALPHA);
      assert.throws(() => verifyRollupSlice(slice, ALPHA, { chainId: CHAIN }), /oracle state/);
      assert.throws(() => blockPrices(block, { chainId: CHAIN }), BlockPricesError);
    }
    // A proof against another root: the block's header names the state it was built on.
    const elsewhere = signedBlock({
      set,
      height: HEIGHT,
      appHash: new Uint8Array(32).fill(5),
      oracleCommitTx: tx,
      oracleState,
    });
    assert.throws(() => verifySequencerBlock(elsewhere, { chainId: CHAIN }), /oracle state/);
    // Without its oracle state its prices cannot be known: such a copy is refused (a peer that
    // strips it must not get its copy accepted in place of the whole block).
    const bare = make(undefined);
    assert.throws(
      () => verifySequencerBlock(bare, { chainId: CHAIN }),
      /oracle commit without its oracle state/,
    );
    assert.throws(() => blockPrices(bare, { chainId: CHAIN }), /oracle state missing/);
  });

  it("refuses, given the previous validator set, a vote the proposer altered or re-weighted", () => {
    const set = fourValidators();
    const { appHash, oracleState } = oracleChainState((s) => {
      writePairs(s, PAIRS);
      writeVotePairs(s, PAIRS);
    });
    const vote = prices(9_100_000_000n, 3_000_000_000n, 530_000_000n);
    const commit = injectedCommit(set, PAIRS, new Map(), [{ vote }, { vote }, { vote }, { vote }]);
    const options = { chainId: CHAIN, previousValidators: set.validators };
    const priced = (c: ExtendedCommitInfo) =>
      blockPrices(
        signedBlock({ set, height: HEIGHT, appHash, oracleCommitTx: encodeInjectedCommit(c), oracleState }),
        options,
      );
    assert.equal(priced(commit).get(BTC)?.price, 9_100_000_000n);

    const forged = encodeOracleVote(PAIRS, prices(1n, 1n, 1n), new Map());
    const altered = {
      ...commit,
      votes: commit.votes.map((v, i) => (i === 0 ? { ...v, voteExtension: forged } : v)),
    };
    assert.throws(() => priced(altered), BlockPricesError);
    assert.throws(() => priced(altered), /extension signature is invalid/);
    const otherRound = { ...commit, round: 0 };
    assert.throws(() => priced(otherRound), /extension signature is invalid/);
    const reweighted = {
      ...commit,
      votes: commit.votes.map((v, i) =>
        i === 3 ? { ...v, validator: { ...v.validator, power: 1000n } } : v,
      ),
    };
    assert.throws(() => priced(reweighted), /differs from the last commit's validator, power or flag/);
    const dropped = { ...commit, votes: commit.votes.slice(0, 3) };
    assert.throws(() => priced(dropped), /3 votes for 4 validators/);
    // The extension signatures are over the previous height: the same votes replayed a height on fail.
    const replayed = signedBlock({
      set,
      height: HEIGHT + 1n,
      appHash,
      oracleCommitTx: encodeInjectedCommit(commit),
      oracleState,
    });
    assert.throws(() => blockPrices(replayed, options), /extension signature is invalid/);
  });
});
