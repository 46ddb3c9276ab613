import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  QueryClient,
  setupBankExtension,
  setupDistributionExtension,
  setupSlashingExtension,
  setupStakingExtension,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { operatorAccountIndex, TEST_MNEMONIC } from "../../chain/client/keys.js";
import { connectSigner, type MetroSigner } from "../../chain/client/signing.js";
import { createValidatorMsg } from "../../chain/client/staking.js";
import { readValidatorKey } from "../../chain/node/cometbft.js";
import { DEVNET_SELF_BOND } from "../../chain/node/home.js";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { signedBlockAt, validatorsAt } from "../../chain/node/signed-block.js";
import { consensusAddressText, operatorAddress } from "../../core/address.js";
import { toHex } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { createLogger } from "../../core/log.js";
import { SequencerBlockCodec } from "../../core/sequencer-block.js";
import { BlockGossip, buildSequencerBlock } from "../../relayer/index.js";
import { CHAIN_ID } from "../support/accounts.js";
import { type ExtraNode, startExtraNode } from "../support/extra-node.js";
import { sleep, startNetwork, type TestNetwork } from "../support/network.js";
import { signedBlock, validatorSetFromHomes } from "../support/signed-blocks.js";

const lst = (amount: bigint | string) => ({ denom: DEFAULT_LST_DENOM, amount: amount.toString() });
const STTIA = 1_000_000n;

async function queries(rpc: string) {
  const comet = await Comet38Client.connect(rpc);
  return QueryClient.withExtensions(
    comet,
    setupBankExtension,
    setupStakingExtension,
    setupDistributionExtension,
    setupSlashingExtension,
  );
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(500);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function latestValidators(rpc: string) {
  const { height } = await nodeStatus(rpc);
  return validatorsAt(rpc, Number(height));
}

describe("staking on real CometBFT: four validators, then a fifth", () => {
  let net: TestNetwork;
  let q: Awaited<ReturnType<typeof queries>>;
  const extras: ExtraNode[] = [];
  const operators: string[] = [];

  before(async () => {
    net = await startNetwork(4, undefined, {
      staking: {
        unbonding_time_seconds: "20",
        max_validators: 10,
        max_entries: 7,
        epoch_length: "3",
        min_self_delegation: "1000000",
        min_commission_rate: "0",
      },
      slashing: {
        params: {
          signed_blocks_window: "10",
          min_signed_per_window: "0.5",
          downtime_jail_seconds: "5",
          slash_fraction_double_sign: "0.05",
          slash_fraction_downtime: "0.01",
        },
      },
    });
    q = await queries(net.rpc(0));
    for (let i = 0; i < 4; i++) {
      const signer = await connectSigner(net.rpc(0), TEST_MNEMONIC, operatorAccountIndex(i));
      operators.push(operatorAddress(signer.address));
      signer.client.disconnect();
    }
  });

  after(async () => {
    for (const extra of extras) await extra.process.stop();
    await net?.stop();
  });

  it("bonds the genesis validators with power from their LST", async () => {
    const { validators } = await q.staking.validators("BOND_STATUS_BONDED");
    assert.equal(validators.length, 4);
    for (const validator of validators) assert.equal(validator.tokens, DEVNET_SELF_BOND);
    const set = await latestValidators(net.rpc(0));
    assert.deepEqual(
      set.map((v) => v.votingPower),
      Array(4).fill(BigInt(DEVNET_SELF_BOND) / STTIA),
    );
    const pool = await q.staking.pool();
    assert.equal(pool.pool.bondedTokens, (4n * BigInt(DEVNET_SELF_BOND)).toString());
  });

  it("delegates, pays rewards, redelegates and unbonds through cosmjs, and refuses bad requests", async () => {
    const user: MetroSigner = await connectSigner(net.rpc(0), TEST_MNEMONIC, 1);
    try {
      const delegated = await user.client.delegateTokens(
        user.address,
        operators[0]!,
        lst(1000n * STTIA),
        "auto",
      );
      assert.equal(delegated.code, 0, delegated.rawLog);
      const { delegationResponse } = await q.staking.delegation(user.address, operators[0]!);
      assert.equal(delegationResponse?.balance.amount, (1000n * STTIA).toString());

      // Fees from these txs are what the delegation earns.
      for (let i = 0; i < 3; i++) {
        const sent = await user.client.sendTokens(user.address, user.address, [lst(1n)], "auto");
        assert.equal(sent.code, 0, sent.rawLog);
      }
      const rewards = await until("delegation rewards", 20_000, async () => {
        const { rewards } = await q.distribution.delegationRewards(user.address, operators[0]!);
        return rewards.length > 0 ? rewards : undefined;
      });
      assert.equal(rewards[0]!.denom, DEFAULT_LST_DENOM);
      const withdrawn = await user.client.withdrawRewards(user.address, operators[0]!, "auto");
      assert.equal(withdrawn.code, 0, withdrawn.rawLog);
      const paid = withdrawn.events
        .find((e) => e.type === "withdraw_rewards")
        ?.attributes.find((a) => a.key === "amount");
      assert.ok(paid && BigInt(paid.value.replace(DEFAULT_LST_DENOM, "")) > 0n, "withdrawal pays something");

      const before = await q.staking.delegatorDelegations(user.address);
      const tooMuch = await user.client
        .undelegateTokens(user.address, operators[0]!, lst(5000n * STTIA), "auto")
        .catch((error: Error) => error);
      assert.match(
        String(tooMuch instanceof Error ? tooMuch.message : tooMuch.rawLog),
        /cannot unbond .* is worth/,
      );
      assert.deepEqual(await q.staking.delegatorDelegations(user.address), before, "state unchanged");

      const moved = await user.client.signAndBroadcast(
        user.address,
        [
          {
            typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegate",
            value: {
              delegatorAddress: user.address,
              validatorSrcAddress: operators[0],
              validatorDstAddress: operators[1],
              amount: lst(100n * STTIA),
            },
          },
        ],
        "auto",
      );
      assert.equal(moved.code, 0, moved.rawLog);
      const atOne = await q.staking.delegation(user.address, operators[1]!);
      assert.equal(atOne.delegationResponse?.balance.amount, (100n * STTIA).toString());

      const balanceBefore = BigInt((await q.bank.balance(user.address, DEFAULT_LST_DENOM)).amount);
      const unbonded = await user.client.undelegateTokens(
        user.address,
        operators[0]!,
        lst(400n * STTIA),
        "auto",
      );
      assert.equal(unbonded.code, 0, unbonded.rawLog);
      const { unbond } = await q.staking.unbondingDelegation(user.address, operators[0]!);
      assert.equal(unbond.entries[0]?.balance, (400n * STTIA).toString());
      const returned = await until("the unbonding to mature", 60_000, async () => {
        const balance = BigInt((await q.bank.balance(user.address, DEFAULT_LST_DENOM)).amount);
        return balance >= balanceBefore + 400n * STTIA - 1_000_000n ? balance : undefined;
      });
      assert.ok(returned > balanceBefore);
    } finally {
      user.client.disconnect();
    }
  });

  it("refuses a validator without a valid BLS proof of possession, or with a taken consensus key", async () => {
    const user = await connectSigner(net.rpc(0), TEST_MNEMONIC, 2);
    try {
      const reused = createValidatorMsg(net.devnet.specs[0]!.home, user.address, lst(5000n * STTIA), {
        moniker: "copycat",
      });
      const duplicate = await user.client
        .signAndBroadcast(user.address, [reused], 400_000)
        .catch((e: Error) => e);
      assert.match(
        duplicate instanceof Error ? duplicate.message : (duplicate.rawLog ?? ""),
        /already used by/,
      );
      const forged = {
        ...reused,
        value: { ...(reused.value as object), blsProofOfPossession: new Uint8Array(96) },
      };
      const badPop = await user.client
        .signAndBroadcast(user.address, [forged], 400_000)
        .catch((e: Error) => e);
      assert.match(badPop instanceof Error ? badPop.message : (badPop.rawLog ?? ""), /proof of possession/);
      const { validators } = await q.staking.validators("");
      assert.equal(validators.length, 4, "no validator was created");
    } finally {
      user.client.disconnect();
    }
  });

  it("lets a fifth validator join: CometBFT's set shows it and it signs blocks", async () => {
    const base = net.devnet.specs[0]!.ports.p2p;
    const fifth = await startExtraNode(net.devnet, "node4", { p2p: base + 50, rpc: base + 51 });
    extras.push(fifth);
    const { height } = await nodeStatus(net.rpc(0));
    await waitForHeight(fifth.rpc, Number(height));
    const operator = await connectSigner(net.rpc(0), TEST_MNEMONIC, 5);
    try {
      const message = createValidatorMsg(fifth.home, operator.address, lst(5000n * STTIA), {
        moniker: "validator-4",
      });
      const created = await operator.client.signAndBroadcast(operator.address, [message], "auto");
      assert.equal(created.code, 0, created.rawLog);
    } finally {
      operator.client.disconnect();
    }
    const address = Buffer.from(readValidatorKey(fifth.home).address, "hex");
    const joinedAt = await until("the fifth validator in CometBFT's set", 30_000, async () => {
      const { height } = await nodeStatus(net.rpc(0));
      const set = await validatorsAt(net.rpc(0), Number(height));
      return set.some((v) => toHex(v.address) === toHex(address)) ? Number(height) : undefined;
    });
    const set = await validatorsAt(net.rpc(0), joinedAt);
    assert.equal(set.find((v) => toHex(v.address) === toHex(address))?.votingPower, 5000n);
    await until("a block signed by the fifth validator", 30_000, async () => {
      const { height } = await nodeStatus(net.rpc(0));
      const block = await signedBlockAt(net.rpc(0), Number(height));
      return block.commit.signatures.some(
        (sig) => sig.blockIdFlag === 2 && toHex(sig.validatorAddress) === toHex(address),
      )
        ? true
        : undefined;
    });
  });

  it("gossip trusts the four-validator set only at the heights it governed, not after the fifth joined", async () => {
    const rpc = net.rpc(0);
    const latest = Number((await nodeStatus(rpc)).height);
    const setHashAt = async (height: number) =>
      toHex((await signedBlockAt(rpc, height)).header.validatorsHash);
    const current = await setHashAt(latest);
    let change = latest;
    while ((await setHashAt(change - 1)) === current) change--;
    const from = change - 2;
    const root = {
      height: BigInt(from),
      validatorsHash: (await signedBlockAt(rpc, from)).header.validatorsHash,
    };
    const log = createLogger("gossip", "silent");
    const receiver = await BlockGossip.start({ chainId: CHAIN_ID, trust: root, log });
    const source = await BlockGossip.start({ chainId: CHAIN_ID, trust: root, log });
    try {
      const delivered: bigint[] = [];
      receiver.onBlock((block) => delivered.push(block.header.height));
      await source.dial(receiver.addresses()[0]!);
      await source.waitForTopicPeers(1, 10_000);
      // The real blocks across the change, in order: the chain of trust follows the new set.
      for (let height = from; height < latest; height++)
        await source.publish(buildSequencerBlock(await signedBlockAt(rpc, height)));
      await until("gossip delivers the real blocks", 30_000, async () =>
        delivered.includes(BigInt(latest - 1)) ? true : undefined,
      );

      // The four genesis validators' real keys sign a block at a height the five govern.
      const oldSet = validatorSetFromHomes(
        await validatorsAt(rpc, change - 1),
        net.devnet.specs.map((spec) => spec.home),
      );
      const forged = signedBlock({ chainId: CHAIN_ID, height: BigInt(latest), set: oldSet });
      await source.node.services.pubsub.publish(source.topic, SequencerBlockCodec.encode(forged));
      await until("the old set's block is rejected", 30_000, async () =>
        receiver.stats.rejected === 1 ? true : undefined,
      );
      // ... and the honest block at that height still lands.
      await source.publish(buildSequencerBlock(await signedBlockAt(rpc, latest)));
      await until("the honest block at that height arrives", 30_000, async () =>
        delivered.includes(BigInt(latest)) ? true : undefined,
      );
      assert.equal(delivered.length, latest - from + 1, "every real block once, the forged one never");
    } finally {
      await source.stop();
      await receiver.stop();
    }
  });

  it("slashes, jails and tombstones a double signer: a twin node signing with validator 3's key", async () => {
    const victim = net.devnet.specs[3]!;
    const address = readValidatorKey(victim.home).address;
    const consensus = consensusAddressText(Buffer.from(address, "hex"));
    assert.equal((await q.slashing.signingInfo(consensus)).valSigningInfo.tombstoned, false);
    const tokensBefore = BigInt((await q.staking.validator(operators[3]!)).validator.tokens);
    const base = victim.ports.p2p;
    extras.push(
      await startExtraNode(
        net.devnet,
        "node3-twin",
        { p2p: base + 70, rpc: base + 71 },
        { keyFrom: victim.home },
      ),
    );
    const jailed = await until("the double signer to be tombstoned", 240_000, async () => {
      const { validator } = await q.staking.validator(operators[3]!);
      return validator.jailed ? validator : undefined;
    });
    assert.equal((await q.slashing.signingInfo(consensus)).valSigningInfo.tombstoned, true);
    assert.equal(BigInt(jailed.tokens), tokensBefore - tokensBefore / 20n, "5% of its stake is burned");
    await until("CometBFT to drop it", 30_000, async () => {
      const set = await latestValidators(net.rpc(0));
      return set.some((v) => toHex(v.address).toUpperCase() === address) ? undefined : true;
    });
    const unjail = await connectSigner(net.rpc(0), TEST_MNEMONIC, operatorAccountIndex(3));
    try {
      const refused = await unjail.client
        .signAndBroadcast(
          unjail.address,
          [{ typeUrl: "/cosmos.slashing.v1beta1.MsgUnjail", value: { validatorAddr: operators[3] } }],
          300_000,
        )
        .catch((e: Error) => e);
      assert.match(refused instanceof Error ? refused.message : (refused.rawLog ?? ""), /tombstoned/);
    } finally {
      unjail.client.disconnect();
    }
  });

  it("jails a validator that stops signing, keeps the chain going, and lets it unjail", async () => {
    const stopped = net.devnet.validators[2]!;
    await stopped.stop();
    const jailedAt = await until("the stopped validator to be jailed", 90_000, async () => {
      const { validator } = await q.staking.validator(operators[2]!);
      return validator.jailed ? Number((await nodeStatus(net.rpc(0))).height) : undefined;
    });
    await waitForHeight(net.rpc(0), jailedAt + 3);
    const address = readValidatorKey(net.devnet.specs[2]!.home).address;
    const set = await latestValidators(net.rpc(0));
    assert.ok(!set.some((v) => toHex(v.address).toUpperCase() === address), "out of CometBFT's set");
    await stopped.start();
    await sleep(5_000);
    const operator = await connectSigner(net.rpc(0), TEST_MNEMONIC, operatorAccountIndex(2));
    try {
      const result = await operator.client.signAndBroadcast(
        operator.address,
        [{ typeUrl: "/cosmos.slashing.v1beta1.MsgUnjail", value: { validatorAddr: operators[2] } }],
        "auto",
      );
      assert.equal(result.code, 0, result.rawLog);
    } finally {
      operator.client.disconnect();
    }
    await until("the unjailed validator back in CometBFT's set", 30_000, async () => {
      const set = await latestValidators(net.rpc(0));
      return set.some((v) => toHex(v.address).toUpperCase() === address) ? true : undefined;
    });
  });
});
