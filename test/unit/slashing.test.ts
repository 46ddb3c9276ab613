import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { RequestInitChain } from "cosmjs-types/tendermint/abci/types";
import { MetroApp } from "../../chain/app/app.js";
import { GenesisError } from "../../chain/app/genesis.js";
import { validStakingParams } from "../../chain/app/handlers/authority.js";
import { exportState } from "../../chain/app/hard-fork.js";
import { blockRequest, inProcessApp } from "../../chain/app/in-process.js";
import { testAccountAddresses } from "../../chain/client/keys.js";
import { getBalance, getSupply, mint } from "../../chain/modules/bank.js";
import {
  createValidator,
  delegate,
  redelegate,
  type StakingEnv,
  undelegate,
} from "../../chain/modules/delegations.js";
import {
  DEFAULT_SLASHING_PARAMS,
  getSigningInfo,
  handleDoubleSign,
  handleLiveness,
  type SlashOutcome,
  startSigning,
  unjail,
  writeSlashingParams,
} from "../../chain/modules/slashing.js";
import {
  BONDED_POOL,
  consensusAddress,
  DEFAULT_STAKING_PARAMS,
  getDelegationShares,
  getPower,
  getUnbondingEntries,
  getValidator,
  NOT_BONDED_POOL,
  operatorByConsensusAddress,
  tokensOfShares,
  writeEvidenceMaxAgeMs,
  writeStakingParams,
} from "../../chain/modules/staking.js";
import { validatorSetChange } from "../../chain/modules/validator-set.js";
import { DEVNET_CHAIN_ID, devnetAppState } from "../../chain/node/home.js";
import type { StateOverlay } from "../../chain/store/overlay.js";
import { GovCode, SlashingCode, StakingCode, TxError } from "../../chain/tx/errors.js";
import { moduleAddress, operatorAccount } from "../../core/address.js";
import { blsProvePOP } from "../../core/bls.js";
import { utf8 } from "../../core/bytes.js";
import { createLogger } from "../../core/log.js";
import { memoryState } from "../support/memory-state.js";
import { bondTestValidator, testBlsKeys } from "../support/validators.js";

const DENOM = "ulst";
const DAY_SECONDS = 86_400n;
/** Blocks one second apart: height h is at h × 1000 ms. */
const env = (height: bigint): StakingEnv => ({ height, timeMs: height * 1000n, denom: DENOM });
const operatorOf = (state: StateOverlay) => (address: Uint8Array) =>
  operatorByConsensusAddress(state, address);
const addressOf = (state: StateOverlay, operator: string): Uint8Array =>
  consensusAddress(getValidator(state, operator)!.consensusPubkey);
const tokensOf = (state: StateOverlay, operator: string): bigint =>
  BigInt(getValidator(state, operator)!.tokens);
/** What `delegator`'s delegation to `operator` is worth now. */
const stakeOf = (state: StateOverlay, delegator: string, operator: string): bigint =>
  tokensOfShares(getValidator(state, operator)!, getDelegationShares(state, delegator, operator));

/** Every key and value, to show that a rejected message wrote nothing. */
function snapshot(state: StateOverlay): Map<string, string> {
  return new Map(Array.from(state.scan(""), ([key, value]) => [key, Buffer.from(value).toString("hex")]));
}

/** The sum of every account's balance of the bond denom: it must equal the supply. */
function heldEverywhere(state: StateOverlay): bigint {
  let held = 0n;
  for (const [key, value] of state.scan("bank/balance/"))
    if (key.endsWith(`/${DENOM}`)) held += BigInt(Buffer.from(value).toString());
  return held;
}

function funded(state: StateOverlay, name: string, amount: bigint): string {
  const address = moduleAddress(name);
  mint(state, address, DENOM, amount);
  return address;
}

/** Two validators of 10 LST each, power 10 each in CometBFT since height 1; unbonding 1000 s. */
function twoValidators(): { state: StateOverlay; operator: string; other: string } {
  const state = memoryState();
  writeStakingParams(state, { ...DEFAULT_STAKING_PARAMS, unbondingTimeSeconds: 1000n, epochLength: 1n });
  const operator = bondTestValidator(state, 5, 10_000_000n, "0.1", env(1n));
  const other = bondTestValidator(state, 6, 10_000_000n, "0.1", env(1n));
  validatorSetChange(state, 1n);
  return { state, operator, other };
}

describe("slashing amounts follow the stake at the infraction (the Cosmos SDK's Slash)", () => {
  it("does not let stake bonded after the fault raise a double-sign slash", () => {
    // Double sign at height 5 with power 10 (10 LST at rate 1.0); evidence lands at height 12.
    const slash = (bondedAfter: bigint, epochSince: boolean, evidencePower: bigint | undefined) => {
      const { state, operator } = twoValidators();
      if (bondedAfter > 0n) {
        delegate(state, funded(state, "late", bondedAfter), operator, bondedAfter, env(8n));
      }
      if (epochSince) validatorSetChange(state, 9n);
      const supply = getSupply(state, DENOM);
      const tokens = tokensOf(state, operator);
      const outcome = handleDoubleSign(
        state,
        addressOf(state, operator),
        5n,
        operatorOf(state),
        env(12n),
        evidencePower,
      );
      assert.ok(outcome, "slashed");
      assert.equal(supply - getSupply(state, DENOM), outcome.burned, "burned, not moved");
      assert.equal(tokensOf(state, operator), tokens - outcome.burned);
      return outcome.burned;
    };
    assert.equal(slash(0n, false, 10n), 500_000n, "5% of the 10 LST bonded at the fault");
    assert.equal(slash(40_000_000n, true, 10n), 500_000n, "40 LST bonded later, already in CometBFT's power");
    assert.equal(
      slash(40_000_000n, false, undefined),
      500_000n,
      "without the evidence's power: CometBFT's power now, which the later 40 LST has not reached",
    );
  });

  it("slashes unbondings and redelegations begun at or after the infraction, not before, exactly", () => {
    const { state, operator, other } = twoValidators();
    const early = funded(state, "early", 2_000_000n);
    const atFault = funded(state, "at-fault", 2_000_000n);
    const late = funded(state, "late", 2_000_000n);
    for (const delegator of [early, atFault, late]) delegate(state, delegator, operator, 2_000_000n, env(2n));
    validatorSetChange(state, 2n);
    assert.equal(getPower(state, operator), 16n, "16 LST bonded when it double signs at height 5");
    undelegate(state, early, operator, 1_000_000n, env(3n));
    redelegate(state, early, operator, other, 1_000_000n, env(4n));
    undelegate(state, atFault, operator, 1_000_000n, env(5n));
    // Two entries maturing at different times: two queue slots, one key; each is slashed once.
    undelegate(state, late, operator, 500_000n, env(7n));
    redelegate(state, late, operator, other, 1_000_000n, env(8n));
    undelegate(state, late, operator, 500_000n, env(9n));
    const supply = getSupply(state, DENOM);

    const outcome = handleDoubleSign(state, addressOf(state, operator), 5n, operatorOf(state), env(12n), 16n);

    // 5% of 16 LST = 800 000: the entries from height 5 on cover 50 000 + 25 000 + 25 000 +
    // 50 000 (redelegated), and the validator's 11 LST pay the other 650 000.
    assert.equal(outcome?.burned, 800_000n);
    assert.equal(supply - getSupply(state, DENOM), 800_000n, "all of it burned");
    assert.equal(heldEverywhere(state), getSupply(state, DENOM), "every unit of supply sits in a balance");
    assert.equal(tokensOf(state, operator), 11_000_000n - 650_000n);
    const balances = (delegator: string) =>
      getUnbondingEntries(state, delegator, operator).map((entry) => entry.balance);
    assert.deepEqual(balances(early), ["1000000"], "unbonding begun before the fault is not touched");
    assert.deepEqual(balances(atFault), ["950000"], "begun at the infraction height: slashed");
    assert.deepEqual(balances(late), ["475000", "475000"], "each later entry slashed once");
    assert.equal(stakeOf(state, early, other), 1_000_000n, "redelegated before the fault: untouched");
    assert.equal(stakeOf(state, late, other), 950_000n, "redelegated after: 5% taken at the destination");
    assert.equal(tokensOf(state, other), 12_000_000n - 50_000n);
    assert.equal(getBalance(state, NOT_BONDED_POOL, DENOM), 1_000_000n + 950_000n + 475_000n * 2n);
    assert.equal(getBalance(state, BONDED_POOL, DENOM), tokensOf(state, operator) + tokensOf(state, other));
  });
});

describe("double signing", () => {
  it("jails and tombstones once, and takes the validator out of CometBFT's set", () => {
    const { state, operator } = twoValidators();
    const address = addressOf(state, operator);
    const first = handleDoubleSign(state, address, 5n, operatorOf(state), env(12n), 10n);
    assert.equal(first?.reason, "double_sign");
    assert.equal(getValidator(state, operator)!.jailed, true);
    const info = getSigningInfo(state, address)!;
    assert.equal(info.tombstoned, true);
    assert.equal(info.jailedUntil?.seconds, 253402300799n, "jailed forever, as the SDK writes it");
    const before = snapshot(state);
    assert.equal(
      handleDoubleSign(state, address, 6n, operatorOf(state), env(13n), 10n),
      undefined,
      "a tombstoned validator is not slashed again",
    );
    assert.deepEqual(snapshot(state), before);
    assert.deepEqual(
      validatorSetChange(state, 14n).updates,
      [{ pubKey: { ed25519: getValidator(state, operator)!.consensusPubkey }, power: 0n }],
      "power 0 for the jailed validator, at once",
    );
    assert.throws(
      () => unjail(state, getValidator(state, operator)!, env(1_000_000n)),
      (error: unknown) => error instanceof TxError && error.code === SlashingCode.Tombstoned,
    );
  });
});

describe("downtime", () => {
  it("slashes exactly the downtime fraction, jails, and refuses to unjail with the self-bond under its minimum", () => {
    const state = memoryState();
    writeStakingParams(state, { ...DEFAULT_STAKING_PARAMS, epochLength: 1n });
    writeSlashingParams(state, {
      ...DEFAULT_SLASHING_PARAMS,
      signedBlocksWindow: 10n,
      minSignedPerWindow: "0.5",
      downtimeJailSeconds: 600n,
      slashFractionDowntime: "0.01",
    });
    // Self-bond exactly at its minimum (1 LST), 19 LST delegated: power 20.
    const operator = bondTestValidator(state, 5, 1_000_000n, "0.1", env(1n));
    delegate(state, funded(state, "delegator", 19_000_000n), operator, 19_000_000n, env(1n));
    const other = bondTestValidator(state, 6, 20_000_000n, "0.1", env(1n));
    for (const validator of validatorSetChange(state, 1n).entered) startSigning(state, validator, 1n);
    const supply = getSupply(state, DENOM);

    const slashed: { height: bigint; outcome: SlashOutcome }[] = [];
    for (let height = 2n; height <= 12n; height++) {
      const votes = [
        { address: addressOf(state, operator), signed: false },
        { address: addressOf(state, other), signed: true },
      ];
      for (const outcome of handleLiveness(state, votes, operatorOf(state), env(height)))
        slashed.push({ height, outcome });
    }

    // Window 10, at least 5 signed: it is slashed once the first full window has passed.
    assert.deepEqual(slashed, [
      { height: 12n, outcome: { operator, burned: 200_000n, reason: "missing_signature" } },
    ]);
    assert.equal(supply - getSupply(state, DENOM), 200_000n, "1% of its 20 LST, burned");
    assert.equal(tokensOf(state, operator), 19_800_000n);
    assert.equal(tokensOf(state, other), 20_000_000n, "the validator that signed is untouched");
    const validator = getValidator(state, operator)!;
    assert.equal(validator.jailed, true);
    const info = getSigningInfo(state, addressOf(state, operator))!;
    assert.equal(info.jailedUntil?.seconds, 12n + 600n, "jailed for downtime_jail_duration");
    assert.equal(info.missedBlocksCounter, 0n, "a fresh window after the jail");
    assert.equal(info.tombstoned, false);

    const self = operatorAccount(operator);
    assert.equal(stakeOf(state, self, operator), 990_000n, "the slash took its self-bond under 1 LST");
    const rejected = (height: bigint, code: number, message: RegExp) => {
      const before = snapshot(state);
      assert.throws(
        () => unjail(state, getValidator(state, operator)!, env(height)),
        (error: unknown) => error instanceof TxError && error.code === code && message.test(error.message),
      );
      assert.deepEqual(snapshot(state), before, "a refused unjail changes nothing");
    };
    rejected(13n, SlashingCode.ValidatorStillJailed, /is jailed until/);
    rejected(
      700n,
      SlashingCode.SelfBondTooLow,
      /self-bond 990000 is below the validator's min_self_delegation 1000000/,
    );
    mint(state, self, DENOM, 20_000n);
    delegate(state, self, operator, 20_000n, env(700n));
    unjail(state, getValidator(state, operator)!, env(700n));
    assert.equal(getValidator(state, operator)!.jailed, false, "back over its minimum: unjailed");
  });

  it("refuses a validator whose self-bond is below its minimum, writing nothing", () => {
    const state = memoryState();
    const delegator = funded(state, "operator-9", 5_000_000n);
    const bls = testBlsKeys(9);
    const message = {
      moniker: "v9",
      commissionRate: "0.1",
      minSelfDelegation: "1000000",
      delegatorAddress: delegator,
      consensusPubkey: new Uint8Array(32).fill(10),
      blsPubkey: bls.publicKey,
      blsProofOfPossession: blsProvePOP(bls),
      value: { denom: DENOM, amount: "999999" },
    };
    const refused = (overrides: Partial<typeof message>, pattern: RegExp) => {
      const before = snapshot(state);
      assert.throws(
        () => createValidator(state, { ...message, ...overrides }, env(1n)),
        (error: unknown) =>
          error instanceof TxError &&
          error.code === StakingCode.SelfBondBelowMinimum &&
          pattern.test(error.message),
      );
      assert.deepEqual(snapshot(state), before, "state unchanged");
    };
    refused({}, /self-bond 999999 is below min_self_delegation 1000000/);
    refused(
      { minSelfDelegation: "999999", value: { denom: DENOM, amount: "5000000" } },
      /min_self_delegation 999999 is below the chain's minimum 1000000/,
    );
    assert.equal(getBalance(state, delegator, DENOM), 5_000_000n);
  });
});

describe("evidence max age at least the unbonding time", () => {
  const SHORT = { seconds: 20n * DAY_SECONDS, nanos: 0 };
  const LONG = { seconds: 30n * DAY_SECONDS, nanos: 0 };
  const TOO_SHORT =
    /consensus_params\.evidence\.max_age_duration: the evidence max age \(1728000s\) is shorter than the unbonding time \(1814400s\)/;

  const initChain = (
    chainId: string,
    appState: unknown,
    maxAge: { seconds: bigint; nanos: number },
    initialHeight = 1n,
  ): RequestInitChain => ({
    time: { seconds: 0n, nanos: 0 },
    chainId,
    validators: [],
    appStateBytes: utf8(JSON.stringify(appState)),
    initialHeight,
    consensusParams: {
      evidence: { maxAgeNumBlocks: 1_000_000n, maxAgeDuration: maxAge, maxBytes: 1_048_576n },
    },
  });

  /** Runs `body` with a fresh MetroApp in a temporary folder. */
  async function withApp(body: (app: MetroApp) => void | Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), "metro-evidence-"));
    const app = new MetroApp(dir, createLogger("test", "silent"));
    try {
      await body(app);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("refuses it at InitChain when genesis bonds no validators", async () => {
    const appState = devnetAppState(await testAccountAddresses());
    await withApp((app) => {
      assert.throws(
        () => app.initChain(initChain(DEVNET_CHAIN_ID, appState, SHORT)),
        (error: unknown) => error instanceof GenesisError && TOO_SHORT.test(error.message),
      );
    });
  });

  it("refuses it when a hard fork imports an exported state", async () => {
    const source = await inProcessApp();
    let exported: ReturnType<typeof exportState>;
    try {
      source.app.finalizeBlock(blockRequest(1n, []));
      source.app.commit();
      exported = exportState(source.app.store, 1n, DEVNET_CHAIN_ID);
    } finally {
      await source.close();
    }
    const fork = (maxAge: { seconds: bigint; nanos: number }) =>
      initChain("metro-fork", { metro_export: exported }, maxAge, 2n);
    await withApp((app) => {
      assert.throws(
        () => app.initChain(fork(SHORT)),
        (error: unknown) => error instanceof GenesisError && TOO_SHORT.test(error.message),
      );
    });
    await withApp((app) => {
      assert.deepEqual(app.initChain(fork(LONG)).validators, [], "a long enough max age is taken");
    });
  });

  it("refuses a staking parameter change that would outlast it, as a gov error", () => {
    const state = memoryState();
    const params = (days: bigint) => ({
      ...DEFAULT_STAKING_PARAMS,
      unbondingTimeSeconds: days * DAY_SECONDS,
    });
    const refused = (days: bigint, maxAge: string) => (error: unknown) =>
      error instanceof TxError &&
      error.codespace === "gov" &&
      error.code === GovCode.InvalidParams &&
      error.message ===
        `invalid staking parameters: the evidence max age (${maxAge}s) is shorter than the unbonding time (${days * DAY_SECONDS}s): a fault could be forgotten while the stake that committed it is still unbonding, and escape its slash`;
    assert.throws(() => validStakingParams(state, params(21n)), refused(21n, "0"), "no max age recorded");
    writeEvidenceMaxAgeMs(state, 30n * DAY_SECONDS * 1000n);
    assert.throws(() => validStakingParams(state, params(31n)), refused(31n, "2592000"));
    assert.equal(
      validStakingParams(state, params(30n)).unbondingTimeSeconds,
      30n * DAY_SECONDS,
      "equal is enough",
    );
  });
});
