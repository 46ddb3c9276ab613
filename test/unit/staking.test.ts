import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ValidatorUpdate } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { endBlock } from "../../chain/app/end-block.js";
import { FEE_COLLECTOR } from "../../chain/app/execute.js";
import { getBalance, getSupply, mint } from "../../chain/modules/bank.js";
import { delegate, redelegate, type StakingEnv, undelegate } from "../../chain/modules/delegations.js";
import {
  DISTRIBUTION_MODULE,
  getCommunityPool,
  getUnsettled,
  getValidatorRewards,
  startDelegation,
  withdrawCommission,
  withdrawDelegation,
} from "../../chain/modules/distribution.js";
import { writePrice } from "../../chain/modules/oracle.js";
import { DEFAULT_PARAMS } from "../../chain/modules/params.js";
import {
  consensusAddress,
  currentPowers,
  DEFAULT_STAKING_PARAMS,
  getDelegationShares,
  getTotalPower,
  getValidator,
  writeStakingParams,
} from "../../chain/modules/staking.js";
import { validatorSetChange } from "../../chain/modules/validator-set.js";
import type { StateOverlay } from "../../chain/store/overlay.js";
import { TxError } from "../../chain/tx/errors.js";
import { moduleAddress, operatorAccount } from "../../core/address.js";
import { memoryState } from "../support/memory-state.js";
import { bondTestValidator } from "../support/validators.js";

const DENOM = "ulst";
const _seedOf = (i: number, salt: number) => new Uint8Array(48).fill(i * 7 + salt);

/** A deterministic pseudo-random sequence, so a failure replays exactly. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

function signedCommit(state: StateOverlay, operators: string[]) {
  return {
    round: 0,
    votes: operators.map((operator) => {
      const validator = getValidator(state, operator)!;
      return {
        validator: {
          address: consensusAddress(validator.consensusPubkey),
          power: BigInt(validator.tokens) / 1_000_000n,
        },
        blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
      };
    }),
  };
}

describe("staking and F1 rewards (in process)", () => {
  it("pays out exactly the fees it collected: nothing created or lost in rounding", () => {
    const state = memoryState();
    writeStakingParams(state, { ...DEFAULT_STAKING_PARAMS, unbondingTimeSeconds: 5n, epochLength: 1n });
    let env: StakingEnv = { height: 1n, timeMs: 1_000n, denom: DENOM };
    const operators = [0, 1, 2].map((i) =>
      bondTestValidator(state, i, 3_000_000n + BigInt(i) * 777_777n, ["0.05", "0.1", "0.333"][i]!, env),
    );
    validatorSetChange(state, 1n);
    const delegators = Array.from({ length: 40 }, (_, i) => moduleAddress(`delegator-${i}`));
    for (const delegator of delegators) mint(state, delegator, DENOM, 10_000_000_000n);
    const supply = getSupply(state, DENOM);
    const next = random(42);
    let fees = 0n;
    let paid = 0n;
    for (let height = 2n; height < 300n; height++) {
      env = { height, timeMs: height * 1000n, denom: DENOM };
      for (let action = 0; action < 3; action++) {
        const delegator = delegators[Math.floor(next() * delegators.length)]!;
        const operator = operators[Math.floor(next() * operators.length)]!;
        const branch = state.branch();
        try {
          const roll = next();
          if (roll < 0.4)
            delegate(branch, delegator, operator, BigInt(1 + Math.floor(next() * 50_000_000)), env);
          else if (roll < 0.6)
            undelegate(branch, delegator, operator, BigInt(1 + Math.floor(next() * 20_000_000)), env);
          else if (roll < 0.7)
            redelegate(
              branch,
              delegator,
              operator,
              operators[(operators.indexOf(operator) + 1) % 3]!,
              1_000_000n,
              env,
            );
          else {
            const validator = getValidator(branch, operator)!;
            if (getDelegationShares(branch, delegator, operator) > 0n) {
              withdrawDelegation(branch, delegator, validator, DENOM);
              startDelegation(branch, delegator, validator, height);
            }
          }
        } catch (error) {
          if (!(error instanceof TxError)) throw error;
          continue;
        }
        branch.mergeInto(state);
      }
      const fee = BigInt(Math.floor(next() * 1_000_003));
      mint(state, FEE_COLLECTOR, DENOM, fee);
      fees += fee;
      endBlock(
        state,
        { height, timeMs: env.timeMs, decidedLastCommit: signedCommit(state, operators), misbehavior: [] },
        { ...DEFAULT_PARAMS, feeDenom: DENOM },
      );
    }
    const everyone = [...delegators, ...operators.map((_, i) => moduleAddress(`operator-${i}`))];
    for (const operator of operators) {
      const validator = getValidator(state, operator)!;
      for (const delegator of everyone) {
        if (getDelegationShares(state, delegator, operator) > 0n)
          paid += withdrawDelegation(state, delegator, validator, DENOM);
      }
      paid += withdrawCommission(
        state,
        getValidator(state, operator)!,
        moduleAddress(`commission-${operator}`),
        DENOM,
      );
    }
    const outstanding = operators.reduce(
      (sum, op) => sum + BigInt(getValidatorRewards(state, op).outstanding),
      0n,
    );
    const pool = getCommunityPool(state);
    const unsettled = getUnsettled(state);
    assert.equal(
      getBalance(state, DISTRIBUTION_MODULE, DENOM),
      outstanding + pool + unsettled,
      "module balance = outstanding + community pool + not yet credited",
    );
    assert.equal(getBalance(state, FEE_COLLECTOR, DENOM), 0n, "every fee was allocated");
    assert.equal(getSupply(state, DENOM), supply + fees, "only the fees were minted; nothing burned");
    let held = 0n;
    for (const [key, value] of state.scan("bank/balance/"))
      if (key.endsWith(`/${DENOM}`)) held += BigInt(Buffer.from(value).toString());
    assert.equal(held, getSupply(state, DENOM), "every unit of supply sits in some balance");
    assert.ok(paid > 0n, "the final withdrawals paid something");
    // After everyone has withdrawn, what stays owed is rounding dust, not rewards.
    assert.ok(outstanding + unsettled < 5_000n, `dust ${outstanding} + ${unsettled}`);
    assert.ok(
      fees - outstanding - pool - unsettled > (fees * 99n) / 100n,
      "almost all fees reached delegators and commission",
    );
  });

  it("values power in TIA: bonded LST times the oracle's redemption rate, recomputed at epochs", () => {
    const state = memoryState();
    writeStakingParams(state, { ...DEFAULT_STAKING_PARAMS, epochLength: 5n });
    const env: StakingEnv = { height: 1n, timeMs: 1000n, denom: DENOM };
    const operator = bondTestValidator(state, 11, 10_000_000_000n, "0.1", env);
    assert.deepEqual(
      validatorSetChange(state, 5n).updates.map((u) => u.power),
      [10_000n],
      "1.0 until the oracle has a rate",
    );
    writePrice(state, "STTIA/TIA", {
      price: 105_000_000n,
      decimals: 8,
      height: 6n,
      timeMs: 6000n,
      nonce: 1n,
    });
    assert.deepEqual(validatorSetChange(state, 6n).updates, [], "not between epochs");
    assert.deepEqual(
      validatorSetChange(state, 10n).updates.map((u) => u.power),
      [10_500n],
      "1.05 TIA per stTIA at the next epoch",
    );
    assert.equal(getValidator(state, operator)!.tokens, "10000000000", "the stake itself is unchanged");
  });

  it("keeps only the top max_validators by power in CometBFT's set, ties broken by operator address", () => {
    const env: StakingEnv = { height: 1n, timeMs: 1000n, denom: DENOM };
    // Test validator i's consensus key is 32 bytes of i + 1; updates are compared as [key, power].
    const keyOf = (index: number) => Buffer.from(new Uint8Array(32).fill(index + 1)).toString("hex");
    const view = (updates: ValidatorUpdate[]) =>
      updates.map((update) => [Buffer.from(update.pubKey!.ed25519!).toString("hex"), update.power]);
    const bonds: [number, bigint][] = [
      [20, 50_000_000n],
      [21, 40_000_000n],
      [22, 30_000_000n],
      [23, 30_000_000n],
      [24, 20_000_000n],
    ];
    const genesis = (order: readonly [number, bigint][]) => {
      const state = memoryState();
      writeStakingParams(state, { ...DEFAULT_STAKING_PARAMS, maxValidators: 3, epochLength: 1n });
      const operators = new Map(
        order.map(([index, bond]) => [index, bondTestValidator(state, index, bond, "0.1", env)]),
      );
      return { state, operators, updates: view(validatorSetChange(state, 1n).updates) };
    };
    const { state, operators, updates } = genesis(bonds);
    // Validators 22 and 23 tie at 30: the lower operator address takes the last seat.
    const tieWinner = operators.get(22)! < operators.get(23)! ? 22 : 23;
    const expected = [
      [keyOf(20), 50n],
      [keyOf(21), 40n],
      [keyOf(tieWinner), 30n],
    ];
    assert.deepEqual(updates, expected, "five bonded candidates, three seats");
    assert.deepEqual(
      genesis([...bonds].reverse()).updates,
      expected,
      "the same set whatever order the validators were created in",
    );

    // A stronger newcomer takes the weakest seat at the next epoch: CometBFT is told power 0.
    const newcomer = bondTestValidator(state, 25, 45_000_000n, "0.1", { ...env, height: 2n });
    assert.deepEqual(
      new Map(view(validatorSetChange(state, 2n).updates) as [string, bigint][]),
      new Map([
        [keyOf(tieWinner), 0n],
        [keyOf(25), 45n],
      ]),
    );
    assert.deepEqual(
      currentPowers(state),
      new Map([
        [operators.get(20)!, 50n],
        [operators.get(21)!, 40n],
        [newcomer, 45n],
      ]),
      "exactly max_validators in the set",
    );
    assert.equal(getTotalPower(state), 135n);
  });

  it("refuses bad validators and over-large undelegations with clear errors", () => {
    const state = memoryState();
    const env: StakingEnv = { height: 1n, timeMs: 1000n, denom: DENOM };
    const operator = bondTestValidator(state, 8, 5_000_000n, "0.1", env);
    assert.throws(() => bondTestValidator(state, 9, 999_999n, "0.1", env), /below min_self_delegation/);
    assert.throws(() => bondTestValidator(state, 8, 5_000_000n, "0.1", env), /already exists/);
    assert.throws(() => bondTestValidator(state, 10, 5_000_000n, "1.5", env), /more than 1/);
    const self = operatorAccount(operator);
    assert.throws(() => undelegate(state, self, operator, 6_000_000n, env), /is worth 5000000/);
    assert.throws(() => undelegate(state, moduleAddress("nobody"), operator, 1n, env), /has no delegation/);
  });
});
