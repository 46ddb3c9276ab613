import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertIsDeliverTxSuccess, StargateClient } from "@cosmjs/stargate";
import { TEST_MNEMONIC, testAccountAddresses } from "../../chain/client/keys.js";
import { fetchAccount, LoadGenerator } from "../../chain/client/load.js";
import { connectSigner, sequenceMsg } from "../../chain/client/signing.js";
import type { ValidatorProcess } from "../../chain/node/process.js";
import { blockAt, nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { toHex, utf8 } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { sha256 } from "../../core/hash.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";
import { appHashesAt, sleep, startNetwork, type TestNetwork } from "../support/network.js";

async function assertSameAppHashes(net: TestNetwork, upTo: number): Promise<void> {
  const urls = net.devnet.validators.map((_, i) => net.rpc(i));
  for (let height = 1; height <= upTo; height++) {
    const hashes = await appHashesAt(urls, height);
    assert.equal(new Set(hashes).size, 1, `validators disagree at height ${height}: ${hashes.join(" ")}`);
  }
}

async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Waits for `victim` to restart after a kill and catch up with validator 0. */
async function waitForRecovery(
  net: TestNetwork,
  victim: ValidatorProcess,
  restartsBefore: number,
): Promise<void> {
  await waitUntil("the victim restarts", async () => victim.restarts > restartsBefore);
  await waitUntil("the victim catches up", async () => {
    const [leader, follower] = await Promise.all([nodeStatus(net.rpc(0)), nodeStatus(net.rpc(3))]);
    return !follower.catchingUp && follower.height >= leader.height;
  });
}

describe("sequencer chain, four validators", () => {
  let net: TestNetwork;

  before(async () => {
    net = await startNetwork(4);
  });

  after(async () => {
    await net?.stop();
  });

  it("come up, take a bundle through any validator, and agree on every app hash", async () => {
    const { client, address } = await connectSigner(net.rpc(2), TEST_MNEMONIC, 0);
    const bundle = await client.signAndBroadcast(
      address,
      ["alpha", "beta", "gamma"].map((name) => sequenceMsg(address, name, utf8(name))),
      "auto",
    );
    assertIsDeliverTxSuccess(bundle);
    const reader = await StargateClient.connect(net.rpc(3));
    await waitForHeight(net.rpc(3), bundle.height);
    assert.equal((await reader.getTx(bundle.transactionHash))?.height, bundle.height);
    const recipient = (await testAccountAddresses())[9]!;
    const send = await client.sendTokens(
      address,
      recipient,
      [{ denom: DEFAULT_LST_DENOM, amount: "777" }],
      "auto",
    );
    assertIsDeliverTxSuccess(send);
    await waitForHeight(net.rpc(1), send.height);
    const onOther = await StargateClient.connect(net.rpc(1));
    assert.equal((await onOther.getBalance(recipient, DEFAULT_LST_DENOM)).amount, "1000000000777");
    await assertSameAppHashes(net, send.height + 1);
    client.disconnect();
    reader.disconnect();
    onOther.disconnect();
  });

  it("survives kill -9 of a validator's app and of its CometBFT under load, losing no committed tx", async () => {
    const accounts = await Promise.all(
      [3, 4, 5, 6].map(async (i) => fetchAccount(net.rpc(0), await testSigner(i))),
    );
    const load = new LoadGenerator({
      rpcUrl: net.rpc(0),
      chainId: CHAIN_ID,
      accounts,
      messages: (signer, n) => [sequenceMsg(signer.address, `rollup-${n % 5}`, utf8(`load tx ${n}`))],
      fee: feeFor(100_000n),
      txsPerAccountPerTick: 5,
      tickMs: 250,
    });
    load.start();
    const victim = net.devnet.validators[3]!;
    try {
      for (const target of ["app", "app", "app", "comet", "comet"] as const) {
        await sleep(300 + Math.floor(Math.random() * 1200));
        const restartsBefore = victim.restarts;
        const child = target === "app" ? victim.app : victim.comet;
        assert.ok(child?.pid, `the victim's ${target} is running`);
        process.kill(child.pid, "SIGKILL");
        await waitForRecovery(net, victim, restartsBefore);
      }
    } finally {
      await load.stop();
    }
    assert.ok(load.accepted.length >= 100, `load was applied (${load.accepted.length} txs accepted)`);

    // Every accepted tx gets committed, and the restarted validator holds the same blocks.
    const committedAt = new Map<string, number>();
    let scanned = 0;
    await waitUntil("every accepted tx is committed", async () => {
      const { height } = await nodeStatus(net.rpc(0));
      for (; scanned < height; scanned++) {
        for (const tx of (await blockAt(net.rpc(0), scanned + 1)).txs) {
          committedAt.set(toHex(sha256(tx)).toUpperCase(), scanned + 1);
        }
      }
      return load.accepted.every((hash) => committedAt.has(hash));
    });
    const finalHeight = scanned + 1;
    for (let i = 0; i < 4; i++) await waitForHeight(net.rpc(i), finalHeight);
    for (const height of new Set(committedAt.values())) {
      const [leader, follower] = await Promise.all([
        blockAt(net.rpc(0), height),
        blockAt(net.rpc(3), height),
      ]);
      assert.deepEqual(
        follower.txs.map((tx) => toHex(sha256(tx))),
        leader.txs.map((tx) => toHex(sha256(tx))),
      );
    }
    await assertSameAppHashes(net, finalHeight);
    assert.equal(victim.restarts, 5);
  });
});
