/**
 * One network of four validators with unequal stakes and their own price sidecars, for what
 * only unit tests showed before: the stake-weighted median, voting power at an stTIA rate other
 * than 1.0, a bundle refused whole, a governance slash, and the absent-vote penalty.
 */

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { QueryClient, setupBankExtension, setupGovExtension, setupStakingExtension } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { ProposalStatus, VoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { operatorAccountIndex, operatorAddresses, TEST_MNEMONIC } from "../../chain/client/keys.js";
import { queryBlockRollups, queryOracleFaults, queryPrice } from "../../chain/client/queries.js";
import { connectSigner, type MetroSigner, sequenceMsg } from "../../chain/client/signing.js";
import { FAULT_UNITS_PER_BLOCK } from "../../chain/modules/oracle-penalties.js";
import { GOV_AUTHORITY } from "../../chain/modules/params.js";
import { REDEMPTION_RATE_PAIR } from "../../chain/modules/validator-set.js";
import { readValidatorKey } from "../../chain/node/cometbft.js";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { signedBlockAt, validatorsAt } from "../../chain/node/signed-block.js";
import { operatorAddress } from "../../core/address.js";
import { fromHex, toHex, utf8 } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { provenOracleState } from "../../core/oracle-state.js";
import { MsgSlashValidatorCodec } from "../../core/proto/gov.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { decodeInjectedCommit, decodeOracleVote, oracleInputs } from "../../oracle/index.js";
import { fastGovParams, feeFor } from "../support/accounts.js";
import { writtenAt } from "../support/chain-prices.js";
import { startNetwork, type TestNetwork, until } from "../support/network.js";
import { PriceServer } from "../support/price-server.js";

const STTIA = 1_000_000n;
const lst = (amount: bigint) => ({ denom: DEFAULT_LST_DENOM, amount: amount.toString() });
const TIA = "TIA/USD";
const BTC = "BTC/USD";
/** The stTIA redemption rate every sidecar reports: 1 stTIA is worth 1.25 TIA. */
const RATE = { text: "1.25000000", numerator: 125n, denominator: 100n };
/** Each validator's bonded stTIA once the test delegations land: 1 : 2 : 3 : 6. */
const STAKES = [10_000n, 20_000n, 30_000n, 60_000n].map((amount) => amount * STTIA);
const EPOCH = 5;
const PENALTY = { windowBlocks: 12, maxBadBlocks: 6, slashPercent: 2n };
const VOTING_SECONDS = 12;

interface PricedVote {
  price: bigint;
  power: bigint;
}

/** The median by stake, written out from its definition (not the chain's code). */
function weightedMedian(votes: readonly PricedVote[], totalPower: bigint): bigint | undefined {
  const reported = votes.reduce((sum, vote) => sum + vote.power, 0n);
  if (reported * 3n < totalPower * 2n) return undefined;
  const ascending = [...votes].sort((a, b) => Number(a.price - b.price));
  let below = 0n;
  return ascending.find((vote) => {
    below += vote.power;
    return below * 2n >= reported;
  })?.price;
}

/** The median a one-validator-one-vote oracle would write: the lower middle price. */
function plainMedian(votes: readonly PricedVote[]): bigint {
  const ascending = votes.map((vote) => vote.price).sort((a, b) => Number(a - b));
  return ascending[Math.ceil(ascending.length / 2) - 1]!;
}

/** Each pair's votes in block `height`'s injected commit, read against the state they were cast on. */
async function votesIn(rpc: string, height: number) {
  const block = await signedBlockAt(rpc, height);
  assert.ok(block.oracleState, `block ${height} carries an oracle commit`);
  const state = provenOracleState(block.header.appHash, block.oracleState);
  const inputs = oracleInputs((key) => state.get(key));
  const commit = decodeInjectedCommit(block.txs[1]!);
  const byPair = new Map<string, PricedVote[]>();
  for (const vote of commit.votes) {
    if (vote.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_COMMIT) continue;
    const prices = decodeOracleVote(inputs.votePairs, vote.voteExtension, inputs.voteBase);
    for (const [pair, price] of prices) {
      byPair.set(pair, [...(byPair.get(pair) ?? []), { price, power: vote.validator.power }]);
    }
  }
  const totalPower = commit.votes.reduce((sum, vote) => sum + vote.validator.power, 0n);
  return { byPair, totalPower, powers: commit.votes.map((vote) => vote.validator.power) };
}

async function queries(comet: Comet38Client) {
  return QueryClient.withExtensions(comet, setupBankExtension, setupStakingExtension, setupGovExtension);
}

const refusal = (outcome: unknown): string =>
  outcome instanceof Error ? outcome.message : ((outcome as { rawLog?: string }).rawLog ?? "");

describe("four validators with unequal stakes, an stTIA rate of 1.25 and their own sidecars", () => {
  let net: TestNetwork;
  let comet: Comet38Client | undefined;
  let q: Awaited<ReturnType<typeof queries>>;
  const sidecars = Array.from({ length: 4 }, () => new PriceServer());
  const operators: string[] = [];
  /** Each validator's consensus address, in the devnet's order. */
  const addresses: Uint8Array[] = [];
  let delegator: MetroSigner;
  let delegatedAt = 0;

  /** Prices spread 1% apart, the heaviest validator's highest (`heavyHigh`) or lowest. */
  const setPrices = (step: number, heavyHigh: boolean) => {
    sidecars.forEach((sidecar, i) => {
      const rank = BigInt(heavyHigh ? i : 3 - i);
      sidecar.prices = {
        [TIA]: (5 + step / 20 + Number(rank) / 20).toFixed(8),
        [BTC]: (97_000 + 10 * step + 970 * Number(rank)).toFixed(5),
        [REDEMPTION_RATE_PAIR]: RATE.text,
      };
    });
  };

  const tokensOf = async (index: number) =>
    BigInt((await q.staking.validator(operators[index]!)).validator.tokens);

  before(async () => {
    setPrices(0, true);
    const urls = await Promise.all(sidecars.map((sidecar) => sidecar.start()));
    net = await startNetwork(
      4,
      (devnet) => {
        for (const [i, spec] of devnet.specs.entries())
          writeFileSync(join(spec.home, "oracle-url"), urls[i]!);
      },
      {
        staking: {
          unbonding_time_seconds: "60",
          max_validators: 10,
          max_entries: 7,
          epoch_length: String(EPOCH),
          min_self_delegation: "1000000",
          min_commission_rate: "0",
        },
        gov: fastGovParams(VOTING_SECONDS),
        oraclePenalties: {
          window_blocks: String(PENALTY.windowBlocks),
          max_bad_blocks: String(PENALTY.maxBadBlocks),
          deviation_band: "0.1",
          slash_fraction: `0.0${PENALTY.slashPercent}`,
          jail_seconds: "600",
        },
      },
    );
    comet = await Comet38Client.connect(net.rpc(0));
    q = await queries(comet);
    operators.push(...(await operatorAddresses(4)).map(operatorAddress));
    addresses.push(...net.devnet.specs.map((spec) => fromHex(readValidatorKey(spec.home).address)));
    // Genesis bonds 10,000 stTIA each; one delegator makes the stakes 1 : 2 : 3 : 6.
    delegator = await connectSigner(net.rpc(0), TEST_MNEMONIC, 1);
    const delegations = STAKES.slice(1).map((stake, i) => ({
      typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
      value: {
        delegatorAddress: delegator.address,
        validatorAddress: operators[i + 1],
        amount: lst(stake - STAKES[0]!),
      },
    }));
    const delegated = await delegator.client.signAndBroadcast(delegator.address, delegations, "auto");
    assert.equal(delegated.code, 0, delegated.rawLog);
    delegatedAt = delegated.height;
  });

  after(async () => {
    delegator?.client.disconnect();
    comet?.disconnect();
    await net?.stop();
    for (const sidecar of sidecars) sidecar.stop();
  });

  it("gives each validator its bonded stTIA times the STTIA/TIA rate as CometBFT power", async () => {
    // The set changes at the end of the first epoch boundary after the delegations and
    // CometBFT uses it two heights later.
    const effective = Math.ceil(delegatedAt / EPOCH) * EPOCH + 2;
    await waitForHeight(net.rpc(0), effective);
    const rate = await queryPrice(net.rpc(0), REDEMPTION_RATE_PAIR);
    assert.equal(rate?.price, 125_000_000n, "the rate the sidecars vote");
    const set = await validatorsAt(net.rpc(0), effective);
    for (const [i, address] of addresses.entries()) {
      assert.equal(await tokensOf(i), STAKES[i], `validator ${i}'s bonded stTIA`);
      const power = set.find((v) => toHex(v.address) === toHex(address))?.votingPower;
      assert.equal(power, (STAKES[i]! * RATE.numerator) / (RATE.denominator * STTIA), `validator ${i}`);
    }
  });

  it("writes the stake-weighted median of the votes, not the plain one, at every height", async () => {
    const start = (await nodeStatus(net.rpc(0))).height + 1;
    const heights = 8;
    let priced = 0;
    let differed = 0;
    let heavyWasMedian = 0;
    for (let height = start; height < start + heights; height++) {
      // The heavy validator's price flips from highest to lowest every other height.
      setPrices(height - start, Math.floor((height - start) / 2) % 2 === 0);
      await waitForHeight(net.rpc(0), height + 1);
      const { byPair, totalPower, powers } = await votesIn(net.rpc(0), height);
      assert.equal(new Set(powers).size, 4, `unequal powers at ${height}: ${powers.join(", ")}`);
      const written = await writtenAt(net.rpc(0), height);
      for (const pair of [TIA, BTC]) {
        const votes = byPair.get(pair) ?? [];
        const expected = weightedMedian(votes, totalPower);
        assert.equal(written.get(pair)?.price, expected, `${pair} at ${height}`);
        if (expected === undefined || votes.length !== 4) continue;
        priced++;
        if (expected !== plainMedian(votes)) differed++;
        const heaviest = votes.reduce((a, b) => (b.power > a.power ? b : a));
        if (expected === heaviest.price) heavyWasMedian++;
      }
    }
    assert.ok(priced >= heights, `${priced} pairs priced by all four votes`);
    assert.ok(
      differed * 2 >= priced,
      `the weighted median differed from the plain one ${differed} of ${priced} times`,
    );
    assert.ok(heavyWasMedian >= 2, `the heaviest validator's price was the median ${heavyWasMedian} times`);
  });

  it("refuses a bundle with one oversized item whole: neither rollup gets its item, no fee is taken", async () => {
    const user = await connectSigner(net.rpc(0), TEST_MNEMONIC, 2);
    try {
      const limit = 256 * 1024;
      const [good, bad] = ["audit-a", "audit-b"];
      const bundle = (second: Uint8Array) => [
        sequenceMsg(user.address, good!, utf8("a's item")),
        sequenceMsg(user.address, bad!, second),
      ];
      const fee = { ...feeFor(3_000_000n), gas: "3000000" };
      const balance = async () => BigInt((await q.bank.balance(user.address, DEFAULT_LST_DENOM)).amount);
      const before = {
        balance: await balance(),
        sequence: (await user.client.getSequence(user.address)).sequence,
      };
      const from = (await nodeStatus(net.rpc(0))).height;
      const refused = await user.client
        .signAndBroadcast(user.address, bundle(new Uint8Array(limit + 1).fill(7)), fee)
        .catch((error: Error) => error);
      assert.match(
        refusal(refused),
        new RegExp(`rollup data is ${limit + 1} bytes, over the limit of ${limit}`),
      );
      const to = (await nodeStatus(net.rpc(0))).height + 2;
      await waitForHeight(net.rpc(0), to);
      const ids = [good, bad].map((name) => toHex(rollupIdFromName(name!)));
      for (let height = 1; height <= to; height++) {
        const touched = (await queryBlockRollups(net.rpc(0), BigInt(height))).map((r) => toHex(r.rollupId));
        assert.deepEqual(
          touched.filter((id) => ids.includes(id)),
          [],
          `neither rollup at ${height} (${from}…${to})`,
        );
      }
      assert.equal(await balance(), before.balance, "no fee for a refused bundle");
      assert.equal((await user.client.getSequence(user.address)).sequence, before.sequence);

      // The same bundle with a fitting second item lands whole, for exactly its fee.
      const landed = await user.client.signAndBroadcast(user.address, bundle(utf8("b's item")), fee);
      assert.equal(landed.code, 0, landed.rawLog);
      const rollups = await queryBlockRollups(net.rpc(0), BigInt(landed.height));
      assert.deepEqual(
        rollups.filter((r) => ids.includes(toHex(r.rollupId))).map((r) => r.txCount),
        [1, 1],
      );
      assert.equal(await balance(), before.balance - BigInt(fee.amount[0]!.amount));
    } finally {
      user.client.disconnect();
    }
  });

  it("slashes and jails a validator through a passed MsgSlashValidator proposal", async () => {
    const target = 1;
    const before = await tokensOf(target);
    const delegatedBefore = BigInt(
      (await q.staking.delegation(delegator.address, operators[target]!)).delegationResponse!.balance.amount,
    );
    const slash = MsgSlashValidatorCodec.encode({
      authority: GOV_AUTHORITY,
      validatorAddress: operators[target]!,
      slashFraction: "0.1",
      reason: "audit",
    });
    const submitted = await delegator.client.signAndBroadcast(
      delegator.address,
      [
        {
          typeUrl: "/cosmos.gov.v1.MsgSubmitProposal",
          value: {
            messages: [{ typeUrl: MsgSlashValidatorCodec.typeUrl, value: slash }],
            initialDeposit: [lst(10n * STTIA)],
            proposer: delegator.address,
            metadata: "",
            title: "Slash validator 1",
            summary: "by test",
            expedited: false,
          },
        },
      ],
      "auto",
    );
    assert.equal(submitted.code, 0, submitted.rawLog);
    const proposalId = BigInt(
      submitted.events
        .find((e) => e.type === "submit_proposal")!
        .attributes.find((a) => a.key === "proposal_id")!.value,
    );
    // Validators 2 and 3 (and the stake delegated to them, which follows their vote): 3/4 of the stake.
    for (const voter of [2, 3]) {
      const signer = await connectSigner(net.rpc(0), TEST_MNEMONIC, operatorAccountIndex(voter));
      const option = VoteOption.VOTE_OPTION_YES;
      const voted = await signer.client.signAndBroadcast(
        signer.address,
        [
          {
            typeUrl: "/cosmos.gov.v1.MsgVote",
            value: { proposalId, voter: signer.address, option, metadata: "" },
          },
        ],
        "auto",
      );
      signer.client.disconnect();
      assert.equal(voted.code, 0, voted.rawLog);
    }
    assert.equal(await tokensOf(target), before, "nothing happens before the vote ends");
    await until(
      "the voting period to end",
      async () =>
        (await q.gov.proposal(proposalId.toString())).proposal.status !==
        ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD,
      (VOTING_SECONDS + 30) * 1000,
      500,
    );
    const { proposal } = await q.gov.proposal(proposalId.toString());
    assert.equal(proposal.status, ProposalStatus.PROPOSAL_STATUS_PASSED);
    const { validator } = await q.staking.validator(operators[target]!);
    assert.equal(BigInt(validator.tokens), before - before / 10n, "10% of its stake is burned");
    assert.equal(validator.jailed, true);
    const delegatedAfter = BigInt(
      (await q.staking.delegation(delegator.address, operators[target]!)).delegationResponse!.balance.amount,
    );
    assert.equal(delegatedAfter, delegatedBefore - delegatedBefore / 10n, "its delegators share the slash");
    await until("CometBFT to drop it", async () => {
      const set = await validatorsAt(net.rpc(0), (await nodeStatus(net.rpc(0))).height);
      return !set.some((v) => toHex(v.address) === toHex(addresses[target]!));
    });
  });

  it("counts a validator whose sidecar is down as missing every pair, then slashes and jails it", async () => {
    const absent = 0;
    const before = await tokensOf(absent);
    sidecars[absent]!.down = true;
    // Each height's record, read at that height, until the validator is jailed.
    const records: { height: number; units: bigint }[] = [];
    let height = (await nodeStatus(net.rpc(0))).height;
    while (!(await q.staking.validator(operators[absent]!)).validator.jailed) {
      await waitForHeight(net.rpc(0), height + 1);
      records.push({ height, units: await queryOracleFaults(net.rpc(0), addresses[absent]!, height) });
      height++;
      assert.ok(records.length < 60, "jailed within 60 blocks");
    }
    const growing = records.filter(
      (r, i) => i > 0 && r.units === records[i - 1]!.units + FAULT_UNITS_PER_BLOCK,
    );
    assert.ok(
      growing.length >= 3,
      `the record grew a whole bad block per height: ${JSON.stringify(records, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`,
    );
    const peak = records.reduce((max, r) => (r.units > max ? r.units : max), 0n);
    assert.equal(
      peak,
      BigInt(PENALTY.maxBadBlocks) * FAULT_UNITS_PER_BLOCK,
      "at most max_bad_blocks before the penalty",
    );
    const { validator } = await q.staking.validator(operators[absent]!);
    assert.equal(BigInt(validator.tokens), before - (before * PENALTY.slashPercent) / 100n);
    assert.equal(await queryOracleFaults(net.rpc(0), addresses[absent]!), 0n, "its record starts over");
    // The others kept pricing all along.
    const tia = await queryPrice(net.rpc(0), TIA);
    assert.ok(tia && tia.height >= BigInt(height - 3), `TIA priced at ${tia?.height}, now ${height}`);
  });
});
