/**
 * The app's own cost per tx, without CometBFT or sockets: CheckTx of new txs, a recheck pass,
 * PrepareProposal, ProcessProposal on another validator and FinalizeBlock + Commit.
 */

import type { MetroApp } from "../chain/app/app.js";
import { blockRequest, inProcessApp } from "../chain/app/in-process.js";
import { TEST_MNEMONIC } from "../chain/client/keys.js";
import { OfflineSigner } from "../chain/client/offline.js";
import { sequenceMsg } from "../chain/client/signing.js";
import { DEVNET_CHAIN_ID } from "../chain/node/home.js";
import { DEFAULT_LST_DENOM } from "../core/denom.js";

export interface AppStepCost {
  step: string;
  microsPerTx: number;
}

function timePerTx(count: number, work: () => void): number {
  const started = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - started) / 1000 / count;
}

/** CheckTx answers synchronously when no signature check was prefetched, as here. */
function checkAll(app: MetroApp, txs: readonly Uint8Array[], type: 0 | 1): void {
  for (const tx of txs) void app.checkTx({ tx, type });
}

async function signedTxs(txsPerAccount: number): Promise<Uint8Array[]> {
  const signers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => OfflineSigner.fromMnemonic(TEST_MNEMONIC, i)),
  );
  const payload = new Uint8Array(256).fill(7);
  const txs: Uint8Array[] = [];
  for (let n = 0; n < txsPerAccount; n++) {
    signers.forEach((signer, i) => {
      txs.push(
        signer.signTx({
          chainId: DEVNET_CHAIN_ID,
          accountNumber: BigInt(i),
          sequence: BigInt(n),
          fee: { amount: [{ denom: DEFAULT_LST_DENOM, amount: "200" }], gas: 100_000n },
          messages: [sequenceMsg(signer.address, `rollup-${n % 8}`, payload)],
        }),
      );
    });
  }
  return txs;
}

export async function benchApp(txsPerAccount = 300): Promise<AppStepCost[]> {
  const txs = await signedTxs(txsPerAccount);
  const count = txs.length;
  const proposer = await inProcessApp();
  const other = await inProcessApp();
  const mempool = blockRequest(1n, txs);
  let block = mempool;
  const costs: AppStepCost[] = [
    { step: "CheckTx, new tx", microsPerTx: timePerTx(count, () => checkAll(proposer.app, txs, 0)) },
  ];
  checkAll(other.app, txs, 0);
  costs.push({
    step: "PrepareProposal (proposer)",
    microsPerTx: timePerTx(count, () => {
      const { txs: proposed } = proposer.app.prepareProposal({
        ...mempool,
        maxTxBytes: 22_000_000n,
        localLastCommit: { round: 0, votes: [] },
      });
      // The proposal as the network sees it: the block commitment first.
      block = blockRequest(1n, proposed);
    }),
  });
  costs.push({
    step: "ProcessProposal (other validator)",
    microsPerTx: timePerTx(count, () => other.app.processProposal(block)),
  });
  costs.push({
    step: "FinalizeBlock + Commit",
    microsPerTx: timePerTx(count, () => {
      other.app.finalizeBlock(block);
      other.app.commit();
    }),
  });
  costs.push({
    step: "CheckTx, recheck after commit",
    microsPerTx: timePerTx(count, () => checkAll(other.app, txs, 1)),
  });
  await proposer.close();
  await other.close();
  return costs;
}
