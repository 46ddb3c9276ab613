import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { MetroApp } from "../../chain/app/app.js";
import { commitmentTxFor } from "../../chain/app/block-layout.js";
import { blockRequest, type InProcessApp, inProcessApp } from "../../chain/app/in-process.js";
import { testAccountAddresses } from "../../chain/client/keys.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { requiredFee } from "../../chain/modules/params.js";
import { utf8 } from "../../core/bytes.js";
import { parseDecimal } from "../../core/decimal.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";

describe("fees", () => {
  it("rounds the required fee up, exactly", () => {
    assert.equal(requiredFee(84_196n, parseDecimal("0.002")), 169n);
    assert.equal(requiredFee(1_000n, parseDecimal("0.002")), 2n);
    assert.equal(requiredFee(1n, parseDecimal("0")), 0n);
    assert.equal(requiredFee(3n, parseDecimal("1.5")), 5n);
    assert.throws(() => parseDecimal("1e-3"));
    assert.throws(() => parseDecimal("-1"));
  });
});

describe("block execution (in process)", () => {
  let opened: InProcessApp;
  let app: MetroApp;
  let height = 0n;

  const block = (txs: Uint8Array[]) => {
    height += 1n;
    return blockRequest(height, txs);
  };

  before(async () => {
    opened = await inProcessApp();
    app = opened.app;
  });

  after(async () => {
    await opened.close();
  });

  it("keeps a bundle whole: one bad message and none of it lands, nor its fee", async () => {
    const signer = await testSigner(0);
    const good = sequenceMsg(signer.address, "a", utf8("ok"));
    const bad = {
      ...sequenceMsg(signer.address, "b", utf8("x")),
      value: { signer: signer.address, rollupId: new Uint8Array(5), data: utf8("x") },
    };
    const base = { chainId: CHAIN_ID, accountNumber: 0n, sequence: 0n, fee: feeFor(200_000n) };
    const broken = signer.signTx({ ...base, messages: [good, bad] });
    const whole = signer.signTx({
      ...base,
      messages: [good, sequenceMsg(signer.address, "b", utf8("also ok"))],
    });

    const proposal = app.prepareProposal({
      ...block([broken, whole]),
      maxTxBytes: 1_000_000n,
      localLastCommit: { round: 0, votes: [] },
    });
    height -= 1n;
    assert.deepEqual(proposal.txs.slice(1), [whole], "PrepareProposal drops the broken bundle");
    assert.equal(
      app.processProposal(block([commitmentTxFor([]), broken])).status,
      2,
      "ProcessProposal rejects a block holding it",
    );
    height -= 1n;
    const result = app.finalizeBlock(block([broken, whole]));
    assert.deepEqual(
      result.txResults.map((r) => [r.codespace, r.code]),
      [
        ["sequencer", 2],
        ["", 0],
      ],
    );
    app.commit();
    const events = result.txResults[1]!.events.filter((e) => e.type === "sequence");
    assert.equal(events.length, 2, "both halves of the good bundle are sequenced");
  });

  it("charges exactly the fee and moves exactly the amount", async () => {
    const [from, to] = await testAccountAddresses(2);
    const signer = await testSigner(0);
    const { query } = app;
    const balance = (address: string) => {
      const key = utf8(`bank/balance/${address}/${DEFAULT_LST_DENOM}`);
      const reply = query.call(app, { path: "/store/metro/key", data: key, height: 0n, prove: false });
      return BigInt(Buffer.from(reply.value).toString() || "0");
    };
    const before = [balance(from!), balance(to!)];
    const tx = signer.signTx({
      chainId: CHAIN_ID,
      accountNumber: 0n,
      sequence: 1n,
      fee: { amount: [{ denom: DEFAULT_LST_DENOM, amount: "1000" }], gas: 200_000n },
      messages: [
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: { fromAddress: from, toAddress: to, amount: [{ denom: DEFAULT_LST_DENOM, amount: "42" }] },
        },
      ],
    });
    const result = app.finalizeBlock(block([tx]));
    assert.equal(result.txResults[0]!.code, 0, result.txResults[0]!.log);
    app.commit();
    assert.deepEqual([balance(from!), balance(to!)], [before[0]! - 1042n, before[1]! + 42n]);
  });

  it("credits the canonical account when a MsgSend names it in upper case", async () => {
    const [from, to] = await testAccountAddresses(2);
    const signer = await testSigner(0);
    const balance = (address: string) => {
      const reply = app.query({
        path: "/store/metro/key",
        data: utf8(`bank/balance/${address}/${DEFAULT_LST_DENOM}`),
        height: 0n,
        prove: false,
      });
      return BigInt(Buffer.from(reply.value).toString() || "0");
    };
    const before = balance(to!);
    const tx = signer.signTx({
      chainId: CHAIN_ID,
      accountNumber: 0n,
      sequence: 2n,
      fee: feeFor(200_000n),
      messages: [
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: {
            fromAddress: from,
            toAddress: to!.toUpperCase(),
            amount: [{ denom: DEFAULT_LST_DENOM, amount: "7" }],
          },
        },
      ],
    });
    const result = app.finalizeBlock(block([tx]));
    assert.equal(result.txResults[0]!.code, 0, result.txResults[0]!.log);
    app.commit();
    assert.equal(balance(to!), before + 7n);
    assert.equal(balance(to!.toUpperCase()), 0n, "no second account under the upper-case key");
  });

  it("rejects a gas limit CometBFT could not report", async () => {
    const signer = await testSigner(1);
    const tx = signer.signTx({
      chainId: CHAIN_ID,
      accountNumber: 1n,
      sequence: 0n,
      fee: { amount: [{ denom: DEFAULT_LST_DENOM, amount: "1" }], gas: 2n ** 63n },
      messages: [sequenceMsg(signer.address, "g", utf8("x"))],
    });
    const response = await app.checkTx({ tx, type: 0 });
    assert.deepEqual([response.codespace, response.code], ["sdk", 41]);
  });
});

describe("genesis with an initial height", () => {
  it("expects its first block at that height", async () => {
    const opened = await inProcessApp({ initialHeight: 5n });
    try {
      assert.throws(() => opened.app.finalizeBlock(blockRequest(1n, [])), /expected 5/);
      opened.app.finalizeBlock(blockRequest(5n, []));
      opened.app.commit();
      assert.equal(
        opened.app.info({ version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" }).lastBlockHeight,
        5n,
      );
    } finally {
      await opened.close();
    }
  });
});
