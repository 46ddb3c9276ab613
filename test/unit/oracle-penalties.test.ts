import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExtendedCommitInfo } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { endBlock } from "../../chain/app/end-block.js";
import { applyPrices } from "../../chain/app/oracle.js";
import type { StakingEnv } from "../../chain/modules/delegations.js";
import { writePairs, writeVotePairs } from "../../chain/modules/oracle.js";
import {
  type BlockOracleFaults,
  FAULT_UNITS_PER_BLOCK,
  readFaultRecord,
  recordOracleFaults,
  writeOracleParams,
} from "../../chain/modules/oracle-penalties.js";
import { DEFAULT_PARAMS } from "../../chain/modules/params.js";
import { getSigningInfo } from "../../chain/modules/slashing.js";
import { consensusAddress, getValidator } from "../../chain/modules/staking.js";
import { validatorSetChange } from "../../chain/modules/validator-set.js";
import type { StateOverlay } from "../../chain/store/overlay.js";
import { timestampToMs } from "../../core/timestamp.js";
import { encodeInjectedCommit } from "../../oracle/injection.js";
import { oracleInputs } from "../../oracle/state.js";
import { type CurrencyPair, encodeOracleVote } from "../../oracle/vote.js";
import { memoryState } from "../support/memory-state.js";
import { bondTestValidator } from "../support/validators.js";

const DENOM = DEFAULT_PARAMS.feeDenom;
const SELF_BOND = 10_000_000_000n;
const WINDOW = 10n;
const MAX_BAD_BLOCKS = 3n;
const JAIL_SECONDS = 600n;
const envAt = (height: bigint): StakingEnv => ({ height, timeMs: height * 1000n, denom: DENOM });

/** Four bonded validators with penalties over a 10-block window, more than 3 bad blocks punished. */
function chain(): { state: StateOverlay; operators: string[]; addresses: Uint8Array[] } {
  const state = memoryState();
  const operators = [0, 1, 2, 3].map((i) => bondTestValidator(state, i, SELF_BOND, "0.05", envAt(0n)));
  validatorSetChange(state, 0n);
  writeOracleParams(state, {
    windowBlocks: WINDOW,
    maxBadBlocks: MAX_BAD_BLOCKS,
    deviationBand: "0.1",
    slashFraction: "0.01",
    jailSeconds: JAIL_SECONDS,
  });
  const addresses = operators.map((operator) =>
    consensusAddress(getValidator(state, operator)!.consensusPubkey),
  );
  return { state, operators, addresses };
}

/** A block that priced two pairs, in which each listed validator got `wrong` of them wrong. */
function block(faulty: { address: Uint8Array; missed?: number; deviated?: number }[]): BlockOracleFaults {
  return {
    pricedPairs: 2,
    voters: faulty.map(({ address, missed = 0, deviated = 0 }) => ({ address, missed, deviated })),
  };
}

/** Runs heights from..to, each with the faults `at(height)` gives; returns who was penalised when. */
function run(
  state: StateOverlay,
  from: bigint,
  to: bigint,
  at: (height: bigint) => BlockOracleFaults,
): [bigint, string][] {
  const penalised: [bigint, string][] = [];
  for (let height = from; height <= to; height++) {
    for (const outcome of recordOracleFaults(state, at(height), envAt(height))) {
      assert.equal(outcome.reason, "oracle");
      penalised.push([height, outcome.operator]);
    }
  }
  return penalised;
}

describe("oracle penalties (in process)", () => {
  it("slashes the parameter fraction and jails a validator once it passes the threshold, not before", () => {
    const { state, operators, addresses } = chain();
    const missesAll = block([{ address: addresses[0]!, missed: 2 }]);
    assert.deepEqual(
      run(state, 1n, 3n, () => missesAll),
      [],
      "three bad blocks is the most allowed",
    );
    assert.equal(readFaultRecord(state, addresses[0]!), 3n * FAULT_UNITS_PER_BLOCK);
    assert.equal(getValidator(state, operators[0]!)!.jailed, false);

    const [outcome] = recordOracleFaults(state, missesAll, envAt(4n));
    assert.equal(outcome?.operator, operators[0]);
    const validator = getValidator(state, operators[0]!)!;
    assert.equal(validator.jailed, true);
    assert.equal(BigInt(validator.tokens), SELF_BOND - SELF_BOND / 100n, "slashed slash_fraction (1%)");
    assert.equal(outcome?.burned, SELF_BOND / 100n);
    const info = getSigningInfo(state, addresses[0]!);
    assert.equal(timestampToMs(info?.jailedUntil), 4000n + JAIL_SECONDS * 1000n, "jailed for jail_seconds");
    assert.equal(readFaultRecord(state, addresses[0]!), 0n, "its record starts over");

    assert.deepEqual(
      run(state, 5n, 30n, () => missesAll),
      [],
      "a jailed validator still in the commit is not punished again",
    );
    for (const other of operators.slice(1)) {
      assert.equal(BigInt(getValidator(state, other)!.tokens), SELF_BOND, "others untouched");
    }
  });

  it("weighs a block by the share of priced pairs missed or out of band", () => {
    const { state, operators, addresses } = chain();
    // Validator 1 misses one pair of two, validator 2 strays on one of two: half a bad block each,
    // every block. Three bad blocks' worth after six blocks is not over; seven blocks are.
    const half = block([
      { address: addresses[1]!, missed: 1 },
      { address: addresses[2]!, deviated: 1 },
    ]);
    assert.deepEqual(
      run(state, 1n, 6n, () => half),
      [],
    );
    assert.equal(readFaultRecord(state, addresses[1]!), 3n * FAULT_UNITS_PER_BLOCK);
    assert.deepEqual(
      run(state, 7n, 7n, () => half),
      [
        [7n, operators[1]],
        [7n, operators[2]],
      ],
    );
  });

  it("slides the window: faults older than window_blocks stop counting, newer ones add up across it", () => {
    const { state, operators, addresses } = chain();
    const missesAll = (address: Uint8Array) => ({ address, missed: 2 });
    // Validator 0: bad at 8, 9, 10 and 11, four within the ten blocks 2..11, which a window
    // restarting at 11 would not see. Validator 1: bad at 1, 2, 3, then 12, when 1 and 2 are gone.
    const faulty = (height: bigint): BlockOracleFaults => {
      const list: { address: Uint8Array; missed: number }[] = [];
      if (height >= 8n && height <= 11n) list.push(missesAll(addresses[0]!));
      if (height <= 3n || height === 12n) list.push(missesAll(addresses[1]!));
      return block(list);
    };
    assert.deepEqual(run(state, 1n, 40n, faulty), [[11n, operators[0]]]);
    assert.equal(getValidator(state, operators[1]!)!.jailed, false);
    assert.equal(readFaultRecord(state, addresses[1]!), 0n, "every fault has left the window by 40");
  });

  it("tracks only bonded validators, and nothing for a block that priced no pair", () => {
    const { state, addresses } = chain();
    const stranger = new Uint8Array(20).fill(0xee);
    run(state, 1n, 20n, () => block([{ address: stranger, missed: 2 }]));
    assert.equal(readFaultRecord(state, stranger), 0n);
    run(state, 21n, 40n, () => ({
      pricedPairs: 0,
      voters: [{ address: addresses[0]!, missed: 0, deviated: 0 }],
    }));
    assert.equal(readFaultRecord(state, addresses[0]!), 0n);
  });

  it("penalises a bonded validator absent from the commit, from the injected commit through FinalizeBlock's end", () => {
    const { state, operators, addresses } = chain();
    const pairs: CurrencyPair[] = [{ id: "TIA/USD", decimals: 8 }];
    writePairs(state, pairs);
    writeVotePairs(state, pairs);
    const honest = new Map([["TIA/USD", 500_000_000n]]);
    const slashed: string[] = [];
    for (let height = 2n; height <= 6n; height++) {
      // Validators 0-2 vote the same price each block; validator 3 is absent every time.
      const { voteBase } = oracleInputs((key) => state.get(key));
      const commit: ExtendedCommitInfo = {
        round: 0,
        votes: addresses.map((address, i) => {
          const absent = i === 3;
          return {
            validator: { address, power: 10_000n },
            voteExtension: absent ? new Uint8Array() : encodeOracleVote(pairs, honest, voteBase),
            extensionSignature: new Uint8Array(absent ? 0 : 64),
            blockIdFlag: absent ? BlockIDFlag.BLOCK_ID_FLAG_ABSENT : BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
          };
        }),
      };
      const prices = applyPrices(state, height, height * 1000n, encodeInjectedCommit(commit));
      assert.deepEqual(prices.updated, ["TIA/USD"]);
      const end = endBlock(
        state,
        {
          height,
          timeMs: height * 1000n,
          decidedLastCommit: undefined,
          misbehavior: [],
          oracleFaults: prices.faults,
        },
        DEFAULT_PARAMS,
      );
      for (const event of end.events.filter((e) => e.type === "slash")) {
        const reason = event.attributes.find((a) => a.key === "reason")?.value;
        if (reason === "oracle")
          slashed.push(`${height}:${event.attributes.find((a) => a.key === "validator")?.value}`);
      }
    }
    assert.deepEqual(slashed, [`5:${operators[3]}`], "the fourth missed block is one over the three allowed");
    assert.equal(getValidator(state, operators[3]!)!.jailed, true);
    for (const honestOperator of operators.slice(0, 3)) {
      assert.equal(getValidator(state, honestOperator)!.jailed, false);
    }
  });
});
