import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExtendedCommitInfo } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { msgAddCurrencyPairs, msgRemoveCurrencyPairs } from "../../chain/app/handlers/gov.js";
import type { MessageEnv } from "../../chain/app/handlers/index.js";
import { applyPrices, type PriceOutcome } from "../../chain/app/oracle.js";
import { readPairs, readPrice, writePairs, writeVotePairs } from "../../chain/modules/oracle.js";
import { DEFAULT_PARAMS, GOV_AUTHORITY } from "../../chain/modules/params.js";
import type { StateOverlay } from "../../chain/store/overlay.js";
import { encodeInjectedCommit } from "../../oracle/injection.js";
import { type CurrencyPair, encodeOracleVote } from "../../oracle/vote.js";
import { memoryState } from "../support/memory-state.js";

/** A vote as it sits in the commit: its prices, or a flag for a validator that sent none. */
type Ballot = Map<string, bigint> | BlockIDFlag.BLOCK_ID_FLAG_ABSENT | BlockIDFlag.BLOCK_ID_FLAG_NIL;

/** An injected commit of validators 1, 2, … (address filled with its number), power 10 each. */
function injected(pairs: readonly CurrencyPair[], votes: Ballot[], base: Map<string, bigint>): Uint8Array {
  const commit: ExtendedCommitInfo = {
    round: 0,
    votes: votes.map((ballot, i) => ({
      validator: { address: new Uint8Array(20).fill(i + 1), power: 10n },
      voteExtension: ballot instanceof Map ? encodeOracleVote(pairs, ballot, base) : new Uint8Array(),
      extensionSignature: ballot instanceof Map ? new Uint8Array(64) : new Uint8Array(),
      blockIdFlag: ballot instanceof Map ? BlockIDFlag.BLOCK_ID_FLAG_COMMIT : ballot,
    })),
  };
  return encodeInjectedCommit(commit);
}

/** Each faulty validator as [its number, missed pairs, deviating pairs]. */
const faultsOf = (outcome: PriceOutcome) =>
  outcome.faults.voters.map((v) => [v.address[0], v.missed, v.deviated]);

function govEnv(state: StateOverlay): MessageEnv {
  return {
    state,
    params: DEFAULT_PARAMS,
    height: 5n,
    blockTimeMs: () => 5000n,
    signer: GOV_AUTHORITY,
    msgIndex: 0,
    events: [],
    rollupItems: [],
  };
}

describe("oracle pairs changed by governance", () => {
  it("reads the next block's votes over the pairs they were cast over, then over the new ones", () => {
    const state = memoryState();
    const old: CurrencyPair[] = [
      { id: "BTC/USD", decimals: 5 },
      { id: "TIA/USD", decimals: 8 },
    ];
    writePairs(state, old);
    writeVotePairs(state, readPairs(state));
    const base = new Map<string, bigint>();
    const prices = new Map([
      ["BTC/USD", 9_700_000_000n],
      ["TIA/USD", 520_000_000n],
    ]);
    // Block 5 ends with a proposal adding ATOM/USD; the votes block 6 carries were cast before it.
    msgAddCurrencyPairs.execute(govEnv(state), {
      authority: GOV_AUTHORITY,
      pairs: [{ id: "ATOM/USD", decimals: 6 }],
    });
    assert.deepEqual(
      readPairs(state).map((p) => p.id),
      ["ATOM/USD", "BTC/USD", "TIA/USD"],
    );
    const six = applyPrices(state, 6n, 6000n, injected(old, [prices, prices, prices], base));
    assert.deepEqual(six.updated.sort(), ["BTC/USD", "TIA/USD"]);
    assert.deepEqual(faultsOf(six), [], "nobody is at fault for a pair added after it voted");
    assert.equal(readPrice(state, "TIA/USD")?.price, 520_000_000n);

    const now = readPairs(state);
    const withAtom = new Map([...prices, ["ATOM/USD", 7_000_000n]]);
    // Votes are deltas against the prices two blocks back: none before block 6 priced anything.
    const seven = applyPrices(state, 7n, 7000n, injected(now, [withAtom, withAtom, withAtom], base));
    assert.deepEqual(seven.updated.sort(), ["ATOM/USD", "BTC/USD", "TIA/USD"]);
    assert.equal(readPrice(state, "ATOM/USD")?.price, 7_000_000n);

    msgRemoveCurrencyPairs.execute(govEnv(state), { authority: GOV_AUTHORITY, pairIds: ["BTC/USD"] });
    assert.equal(readPrice(state, "BTC/USD"), undefined, "its price goes with it");
    const eight = applyPrices(state, 8n, 8000n, injected(now, [withAtom, withAtom, withAtom], prices));
    assert.deepEqual(eight.updated.sort(), ["ATOM/USD", "TIA/USD"], "a removed pair is no longer priced");
  });

  it("counts, per validator, the priced pairs it missed or reported outside the band", () => {
    const state = memoryState();
    const pairs: CurrencyPair[] = [
      { id: "BTC/USD", decimals: 5 },
      { id: "ETH/USD", decimals: 6 },
      { id: "TIA/USD", decimals: 8 },
    ];
    writePairs(state, pairs);
    writeVotePairs(state, pairs);
    const honest = new Map([
      ["BTC/USD", 9_700_000_000n],
      ["TIA/USD", 500_000_000n],
    ]);
    // Eight honest votes, so that 2/3 of the power reports TIA/USD even with five faulty ones.
    const votes: Ballot[] = [
      ...Array.from({ length: 8 }, () => honest),
      // 10% off is inside the 0.1 band; 10x is not.
      new Map([
        ["BTC/USD", 9_700_000_000n + 970_000_000n],
        ["TIA/USD", 5_000_000_000n],
      ]),
      new Map([["BTC/USD", 9_700_000_000n]]),
      new Map(),
      BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
      BlockIDFlag.BLOCK_ID_FLAG_NIL,
    ];
    const outcome = applyPrices(state, 2n, 2000n, injected(pairs, votes, new Map()));
    assert.deepEqual(outcome.updated, ["BTC/USD", "TIA/USD"], "ETH/USD: nobody reported it");
    assert.equal(outcome.faults.pricedPairs, 2);
    assert.deepEqual(faultsOf(outcome), [
      [9, 0, 1],
      [10, 1, 0],
      [11, 2, 0],
      [12, 2, 0],
      [13, 2, 0],
    ]);
    assert.equal(readPrice(state, "TIA/USD")?.price, 500_000_000n);
  });

  it("refuses pairs that exist, pairs that do not, and senders other than gov", () => {
    const state = memoryState();
    writePairs(state, [{ id: "TIA/USD", decimals: 8 }]);
    const env = govEnv(state);
    assert.throws(
      () =>
        msgAddCurrencyPairs.execute(env, {
          authority: GOV_AUTHORITY,
          pairs: [{ id: "TIA/USD", decimals: 8 }],
        }),
      /already exists/,
    );
    assert.throws(
      () => msgRemoveCurrencyPairs.execute(env, { authority: GOV_AUTHORITY, pairIds: ["X/Y"] }),
      /does not exist/,
    );
    assert.throws(
      () =>
        msgAddCurrencyPairs.execute(env, { authority: "metro1someone", pairs: [{ id: "A/B", decimals: 1 }] }),
      /only the gov module/,
    );
    assert.throws(
      () =>
        msgAddCurrencyPairs.validate?.(
          { authority: GOV_AUTHORITY, pairs: [{ id: "bad", decimals: 1 }] },
          DEFAULT_PARAMS,
        ),
      /BASE\/QUOTE/,
    );
  });
});
