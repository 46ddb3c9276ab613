import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertIsDeliverTxSuccess, StargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { TEST_MNEMONIC, testAccountAddresses } from "../../chain/client/keys.js";
import { fetchAccount } from "../../chain/client/load.js";
import { MetroTxRefusedError, MetroTxSender } from "../../chain/client/sender.js";
import { connectSigner, sequenceMsg } from "../../chain/client/signing.js";
import { abciQuery, blockAt, broadcastTxs, nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { fromHex, toHex, utf8 } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { QueryRollupDataRequestCodec, QueryRollupDataResponseCodec } from "../../core/proto/sequencer.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";
import { startNetwork, type TestNetwork } from "../support/network.js";
import { independentlyVerify } from "../support/smt-verifier.js";

const LST = DEFAULT_LST_DENOM;

function feePaid(
  events: readonly { type: string; attributes: readonly { key: string; value: string }[] }[],
): bigint {
  const fee = events.find((e) => e.type === "tx" && e.attributes.some((a) => a.key === "fee"));
  const amount = fee?.attributes.find((a) => a.key === "fee")?.value ?? "";
  return BigInt(amount.replace(LST, ""));
}

describe("sequencer chain, one validator", () => {
  let net: TestNetwork;
  let accounts: string[];

  before(async () => {
    net = await startNetwork(1);
    accounts = await testAccountAddresses();
  });

  after(async () => {
    await net?.stop();
  });

  it("takes MsgSend and a 3-rollup atomic bundle from SigningStargateClient with fee auto", async () => {
    const { client, address } = await connectSigner(net.rpc(), TEST_MNEMONIC, 0);
    const reader = await StargateClient.connect(net.rpc());
    const recipient = accounts[5]!;
    const senderBefore = BigInt((await reader.getBalance(address, LST)).amount);
    const recipientBefore = BigInt((await reader.getBalance(recipient, LST)).amount);

    const send = await client.sendTokens(address, recipient, [{ denom: LST, amount: "12345" }], "auto");
    assertIsDeliverTxSuccess(send);
    assert.equal(BigInt((await reader.getBalance(recipient, LST)).amount), recipientBefore + 12345n);

    const rollups = ["rollup-a", "rollup-b", "rollup-c"];
    const bundle = await client.signAndBroadcast(
      address,
      rollups.map((name) => sequenceMsg(address, name, utf8(`tx for ${name}`))),
      "auto",
    );
    assertIsDeliverTxSuccess(bundle);

    const fees = feePaid(send.events) + feePaid(bundle.events);
    assert.ok(fees > 0n);
    assert.equal(BigInt((await reader.getBalance(address, LST)).amount), senderBefore - 12345n - fees);

    const indexed = await reader.getTx(bundle.transactionHash);
    assert.ok(indexed, "getTx finds the bundle");
    const sequenced = indexed.events.filter((e) => e.type === "sequence");
    assert.deepEqual(
      sequenced.map((e) => e.attributes.find((a) => a.key === "rollup_id")?.value),
      rollups.map((name) => toHex(rollupIdFromName(name))),
    );
    for (const name of rollups) {
      const found = await reader.searchTx(`sequence.rollup_id='${toHex(rollupIdFromName(name))}'`);
      assert.deepEqual(
        found.map((tx) => tx.hash),
        [bundle.transactionHash],
      );
      const request = QueryRollupDataRequestCodec.encode({
        height: BigInt(bundle.height),
        rollupId: rollupIdFromName(name),
      });
      const reply = await abciQuery(net.rpc(), "/metro.sequencer.v1.Query/RollupData", request);
      assert.equal(reply.code, 0, reply.log);
      const data = QueryRollupDataResponseCodec.decode(reply.value);
      assert.deepEqual(
        data.txs.map((tx) => Buffer.from(tx.data).toString()),
        [`tx for ${name}`],
      );
      assert.equal(toHex(data.txs[0]!.txHash).toUpperCase(), bundle.transactionHash);
    }
    client.disconnect();
    reader.disconnect();
  });

  it("answers Query with proofs that verify against the app hash in the next header", async () => {
    const comet = await Comet38Client.connect(net.rpc());
    const { height } = await nodeStatus(net.rpc());
    const present = utf8(`bank/balance/${accounts[5]}/${LST}`);
    const absent = utf8(`bank/balance/${accounts[5]}/no-such-denom`);
    const proved = await comet.abciQuery({ path: "/store/metro/key", data: present, prove: true, height });
    const missing = await comet.abciQuery({ path: "/store/metro/key", data: absent, prove: true, height });
    await waitForHeight(net.rpc(), height + 1);
    const appHash = fromHex((await blockAt(net.rpc(), height + 1)).appHash);

    assert.equal(proved.code, 0);
    assert.ok(proved.value.length > 0);
    const proof = proved.proof!.ops[0]!.data;
    assert.ok(independentlyVerify(appHash, present, proved.value, proof), "membership proof verifies");
    assert.ok(!independentlyVerify(appHash, present, utf8("999"), proof), "a wrong value does not");
    assert.ok(
      independentlyVerify(appHash, absent, undefined, missing.proof!.ops[0]!.data),
      "absence proof verifies",
    );
    const tamperedHash = Uint8Array.from(appHash);
    tamperedHash[0]! ^= 1;
    assert.ok(!independentlyVerify(tamperedHash, present, proved.value, proof), "another app hash does not");
    comet.disconnect();
  });

  it("rejects each kind of bad tx in CheckTx with its own code and keeps making blocks", async () => {
    const signer = await testSigner(1);
    const reader = await StargateClient.connect(net.rpc());
    const { accountNumber, sequence } = await reader.getSequence(signer.address);
    const base = {
      chainId: CHAIN_ID,
      accountNumber: BigInt(accountNumber),
      sequence: BigInt(sequence),
      fee: feeFor(200_000n),
    };
    const send = (amount: string, from = signer.address) => ({
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: from, toAddress: accounts[6]!, amount: [{ denom: LST, amount }] },
    });
    const valid = signer.signTx({ ...base, messages: [send("1")] });
    const badSignature = Uint8Array.from(valid);
    badSignature[badSignature.length - 5]! ^= 0xff;
    const cases: { name: string; tx: Uint8Array; codespace: string; code: number }[] = [
      { name: "malformed bytes", tx: Uint8Array.of(0xde, 0xad, 0xbe, 0xef), codespace: "sdk", code: 2 },
      {
        name: "unknown message",
        tx: signer.signTx({
          ...base,
          messages: [
            {
              // Fee grants are not part of Metro.
              typeUrl: "/cosmos.feegrant.v1beta1.MsgRevokeAllowance",
              value: { granter: signer.address, grantee: accounts[6]! },
            },
          ],
        }),
        codespace: "sdk",
        code: 6,
      },
      {
        name: "wrong chain id",
        tx: signer.signTx({ ...base, chainId: "other-chain", messages: [send("1")] }),
        codespace: "sdk",
        code: 4,
      },
      { name: "bad signature", tx: badSignature, codespace: "sdk", code: 4 },
      {
        name: "replayed sequence",
        tx: signer.signTx({ ...base, sequence: base.sequence + 100n, messages: [send("1")] }),
        codespace: "sdk",
        code: 32,
      },
      {
        name: "fee below minimum",
        tx: signer.signTx({
          ...base,
          fee: { amount: [{ denom: LST, amount: "1" }], gas: 200_000n },
          messages: [send("1")],
        }),
        codespace: "sdk",
        code: 13,
      },
      {
        name: "fee in another denom",
        tx: signer.signTx({
          ...base,
          fee: { amount: [{ denom: "utia", amount: "100000" }], gas: 200_000n },
          messages: [send("1")],
        }),
        codespace: "sdk",
        code: 13,
      },
      {
        name: "gas limit below cost",
        tx: signer.signTx({ ...base, fee: feeFor(1_000n), messages: [send("1")] }),
        codespace: "sdk",
        code: 11,
      },
      {
        name: "insufficient balance",
        tx: signer.signTx({ ...base, messages: [send("10000000000000000")] }),
        codespace: "sdk",
        code: 5,
      },
      {
        name: "oversized rollup data",
        tx: signer.signTx({
          ...base,
          fee: feeFor(4_000_000n),
          messages: [sequenceMsg(signer.address, "big", new Uint8Array(300 * 1024))],
        }),
        codespace: "sequencer",
        code: 4,
      },
      {
        name: "message signed for someone else",
        tx: signer.signTx({ ...base, messages: [send("1", accounts[7]!)] }),
        codespace: "sequencer",
        code: 5,
      },
    ];
    const heightBefore = (await nodeStatus(net.rpc())).height;
    const outcomes = await broadcastTxs(
      net.rpc(),
      cases.map((c) => c.tx),
    );
    outcomes.forEach((outcome, i) => {
      const expected = cases[i]!;
      assert.equal(outcome.kind, "checked", `${expected.name}: ${JSON.stringify(outcome)}`);
      if (outcome.kind !== "checked") return;
      assert.deepEqual(
        { codespace: outcome.codespace, code: outcome.code },
        { codespace: expected.codespace, code: expected.code },
        `${expected.name}: ${outcome.log}`,
      );
      assert.ok(outcome.log.length > 0, `${expected.name} has a log`);
    });
    // A replay of a committed tx: first it lands, then the same sequence with new bytes is refused.
    const [accepted] = await broadcastTxs(net.rpc(), [valid]);
    assert.equal(accepted?.kind === "checked" && accepted.code, 0);
    await waitForHeight(net.rpc(), heightBefore + 3);
    const [replayed] = await broadcastTxs(net.rpc(), [
      signer.signTx({ ...base, memo: "again", messages: [send("1")] }),
    ]);
    assert.equal(replayed?.kind === "checked" && replayed.code, 32, JSON.stringify(replayed));
    assert.equal(net.devnet.validators[0]!.restarts, 0);
    reader.disconnect();
  });

  it("sends a service's txs at the minimum fee, rereading the sequence once when another sender used it", async () => {
    const signer = await testSigner(8);
    const { sequence: before } = await fetchAccount(net.rpc(), signer);
    const first = await MetroTxSender.start(net.rpc(), signer);
    const second = await MetroTxSender.start(net.rpc(), signer);
    const data = utf8("sender");
    await first.send([sequenceMsg(signer.address, "sender-test", data)], BigInt(data.length));
    // `second` still holds the sequence `first` just used: refused once, it rereads and succeeds.
    await second.send([sequenceMsg(signer.address, "sender-test", data)], BigInt(data.length));
    const tooMuch = { denom: LST, amount: "1000000000000000000000000" };
    await assert.rejects(
      first.send([
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: { fromAddress: signer.address, toAddress: accounts[1], amount: [tooMuch] },
        },
      ]),
      (error: Error) =>
        error instanceof MetroTxRefusedError && /spendable balance .* is smaller than/.test(error.reason),
      "a refusal other than the sequence comes back with Metro's reason",
    );
    const { height } = await nodeStatus(net.rpc());
    await waitForHeight(net.rpc(), height + 2);
    assert.equal((await fetchAccount(net.rpc(), signer)).sequence, before + 2n, "both txs were committed");
  });

  it("survives 10,000 fuzzed and mutated txs: every one rejected with a code, blocks keep coming", async () => {
    const signer = await testSigner(2);
    const base = { chainId: CHAIN_ID, accountNumber: 2n, sequence: 0n, fee: feeFor(200_000n) };
    const seeds = [
      signer.signTx({
        ...base,
        messages: [
          sequenceMsg(signer.address, "fuzz-a", utf8("a")),
          sequenceMsg(signer.address, "fuzz-b", utf8("b")),
        ],
        memo: "seed",
      }),
      signer.signTx({
        ...base,
        messages: [
          {
            typeUrl: "/cosmos.bank.v1beta1.MsgSend",
            value: {
              fromAddress: signer.address,
              toAddress: accounts[3]!,
              amount: [{ denom: LST, amount: "5" }],
            },
          },
        ],
      }),
    ];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const mutate = (tx: Uint8Array): Uint8Array => {
      const bytes = Array.from(tx);
      const kind = random(6);
      const at = random(bytes.length);
      if (kind === 0) bytes[at] = bytes[at]! ^ (1 << random(8));
      else if (kind === 1) bytes.splice(at, 1 + random(8));
      else if (kind === 2) bytes.splice(at, 0, ...Array.from({ length: 1 + random(8) }, () => random(256)));
      else if (kind === 3) return Uint8Array.from(bytes.slice(0, at));
      else if (kind === 4) return Uint8Array.from({ length: 1 + random(400) }, () => random(256));
      else bytes.push(...Array.from({ length: 1 + random(16) }, () => random(256)));
      return Uint8Array.from(bytes);
    };
    const heightBefore = (await nodeStatus(net.rpc())).height;
    const counts = { rejected: 0, refused: 0, accepted: 0, internal: 0 };
    const codes = new Map<string, number>();
    for (let batch = 0; batch < 40; batch++) {
      const txs = Array.from({ length: 250 }, () => mutate(seeds[random(seeds.length)]!));
      for (const outcome of await broadcastTxs(net.rpc(), txs)) {
        if (outcome.kind === "refused") counts.refused++;
        else if (outcome.code === 0) counts.accepted++;
        else if (outcome.codespace === "metro") counts.internal++;
        else {
          counts.rejected++;
          const id = `${outcome.codespace}/${outcome.code}`;
          codes.set(id, (codes.get(id) ?? 0) + 1);
          assert.ok(outcome.log.length > 0);
        }
      }
    }
    assert.equal(counts.rejected + counts.refused + counts.accepted + counts.internal, 10_000);
    assert.equal(counts.accepted, 0, "no mutation of a signed tx is valid");
    assert.equal(counts.internal, 0, "no tx reaches an internal error");
    assert.ok(counts.rejected > 9_000, `most reach CheckTx (${JSON.stringify(counts)})`);
    assert.ok(codes.size >= 3, `several distinct rejection codes: ${[...codes.keys()]}`);
    await waitForHeight(net.rpc(), heightBefore + 2);
    const [seedOutcome] = await broadcastTxs(net.rpc(), [seeds[0]!]);
    assert.equal(
      seedOutcome?.kind === "checked" && seedOutcome.code,
      0,
      "the unmutated seed is still accepted",
    );
    assert.equal(net.devnet.validators[0]!.restarts, 0);
  });
});
