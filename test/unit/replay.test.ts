import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { MetroApp } from "../../chain/app/app.js";
import { testAccountAddresses } from "../../chain/client/keys.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { createLogger } from "../../chain/log.js";
import { devnetAppState } from "../../chain/node/home.js";
import { toHex, utf8 } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";

const dirs: string[] = [];

async function freshApp(): Promise<MetroApp> {
  const dir = mkdtempSync(join(tmpdir(), "metro-replay-"));
  dirs.push(dir);
  const app = new MetroApp(dir, createLogger("unit", "silent"));
  const appState = utf8(JSON.stringify(devnetAppState(await testAccountAddresses())));
  app.initChain({
    time: { seconds: 0n, nanos: 0 },
    chainId: CHAIN_ID,
    validators: [],
    appStateBytes: appState,
    initialHeight: 1n,
  });
  return app;
}

function block(txs: Uint8Array[]) {
  return {
    txs,
    decidedLastCommit: { round: 0, votes: [] },
    proposedLastCommit: { round: 0, votes: [] },
    misbehavior: [],
    hash: sha256(...txs),
    height: 1n,
    time: { seconds: 1n, nanos: 0 },
    nextValidatorsHash: new Uint8Array(32),
    proposerAddress: new Uint8Array(20),
  };
}

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
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
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
    assert.equal(proposal.txs.length, txs.length);
    assert.equal(checked.processProposal(block(proposal.txs)).status, 1);
    const cold = await freshApp();
    assert.deepEqual(summary(checked, proposal.txs), summary(cold, txs));
  });

  it("switches to execution where the block's order leaves CheckTx's", async () => {
    const txs = await workload();
    // Accounts interleaved differently from the check order, same per-account sequence order.
    const reordered = [txs[3]!, txs[0]!, txs[4]!, txs[1]!, txs[6]!, txs[2]!, txs[5]!, txs[7]!, txs[8]!];
    const checked = await freshApp();
    for (const tx of txs) await checked.checkTx({ tx, type: 0 });
    const cold = await freshApp();
    assert.deepEqual(summary(checked, reordered), summary(cold, reordered));
  });
});
