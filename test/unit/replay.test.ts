import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { MetroApp } from "../../chain/app/app.js";
import { commitmentTxFor } from "../../chain/app/block-layout.js";
import { blockRequest, type InProcessApp, inProcessApp } from "../../chain/app/in-process.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { moduleAddress } from "../../core/address.js";
import { fromUtf8, toHex, utf8 } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";

const opened: InProcessApp[] = [];

async function freshApp(): Promise<MetroApp> {
  const app = await inProcessApp();
  opened.push(app);
  return app.app;
}

const block = (txs: Uint8Array[]) => blockRequest(1n, txs);

/** Txs from three accounts, three each, in sequence order per account. */
async function workload(): Promise<Uint8Array[]> {
  const txs: Uint8Array[] = [];
  for (const index of [0, 1, 2]) {
    const signer = await testSigner(index);
    for (let n = 0; n < 3; n++) {
      txs.push(
        signer.signTx({
          chainId: CHAIN_ID,
          accountNumber: BigInt(index),
          sequence: BigInt(n),
          fee: feeFor(200_000n),
          messages: [sequenceMsg(signer.address, `rollup-${n}`, utf8(`${index}/${n}`))],
        }),
      );
    }
  }
  return txs;
}

function summary(app: MetroApp, txs: Uint8Array[]) {
  const result = app.finalizeBlock(block(txs));
  app.commit();
  return {
    appHash: toHex(result.appHash),
    results: result.txResults.map((r) => [r.code, r.gasUsed, JSON.stringify(r.events), toHex(r.data)]),
  };
}

describe("replaying CheckTx's work in a block", () => {
  after(async () => {
    for (const app of opened) await app.close();
  });

  it("gives the same state and results as executing the block cold", async () => {
    const txs = await workload();
    const checked = await freshApp();
    for (const tx of txs) assert.equal((await checked.checkTx({ tx, type: 0 })).code, 0);
    const proposal = checked.prepareProposal({
      ...block(txs),
      maxTxBytes: 1_000_000n,
      localLastCommit: { round: 0, votes: [] },
    });
    assert.equal(proposal.txs.length, txs.length + 1, "the block commitment comes first");
    assert.equal(checked.processProposal(block(proposal.txs)).status, 1);
    const cold = await freshApp();
    assert.deepEqual(summary(checked, proposal.txs), summary(cold, proposal.txs));
  });

  it("switches to execution where the block's order leaves CheckTx's", async () => {
    const txs = await workload();
    // Accounts interleaved differently from the check order, same per-account sequence order.
    const reordered = [txs[3]!, txs[0]!, txs[4]!, txs[1]!, txs[6]!, txs[2]!, txs[5]!, txs[7]!, txs[8]!];
    const checked = await freshApp();
    for (const tx of txs) await checked.checkTx({ tx, type: 0 });
    const proposal = checked.prepareProposal({
      ...block(reordered),
      maxTxBytes: 1_000_000n,
      localLastCommit: { round: 0, votes: [] },
    });
    assert.equal(proposal.txs.length, reordered.length + 1);
    assert.equal(checked.replayedThisHeight, reordered.length, "accounts share no key, so all replay");
    const cold = await freshApp();
    assert.equal(cold.processProposal(block(proposal.txs)).status, 1);
    assert.deepEqual(summary(checked, proposal.txs), summary(cold, proposal.txs));
  });

  it("executes a checked tx again when what it read has changed", async () => {
    const checkedTxs = await workload();
    const first = checkedTxs[0]!;
    const second = checkedTxs[3]!;
    const payer = await testSigner(0);
    const recipient = await testSigner(1);
    const send = payer.signTx({
      chainId: CHAIN_ID,
      accountNumber: 0n,
      sequence: 0n,
      fee: feeFor(200_000n),
      messages: [
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: {
            fromAddress: payer.address,
            toAddress: recipient.address,
            amount: [{ denom: DEFAULT_LST_DENOM, amount: "5" }],
          },
        },
      ],
    });
    const checked = await freshApp();
    for (const tx of [first, second]) assert.equal((await checked.checkTx({ tx, type: 0 })).code, 0);
    // `send` takes account 0's sequence 0 and changes account 1's balance, which `second` read.
    const txs = [commitmentTxFor([]), send, first, second];
    assert.equal(checked.processProposal(block(txs)).status, 2, "first now has a stale sequence");
    assert.equal(checked.replayedThisHeight, 0);
    const cold = await freshApp();
    assert.deepEqual(summary(checked, txs), summary(cold, txs));
  });

  it("collects the block's fees once, after its last tx, and hands them to distribution", async () => {
    const txs = await workload();
    const app = await freshApp();
    // The fee collector is emptied into the distribution module at the end of every block.
    const collector = utf8(`bank/balance/${moduleAddress("distribution")}/${DEFAULT_LST_DENOM}`);
    const read = () => app.query({ path: "/store/metro/key", data: collector, height: 0n, prove: false });
    const before = BigInt(fromUtf8(read().value) || "0");
    summary(app, txs);
    const paid = txs.length * Number(feeFor(200_000n).amount[0]!.amount);
    assert.equal(BigInt(fromUtf8(read().value)), before + BigInt(paid));
  });
});
