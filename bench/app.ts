/**
 * The app's own cost per tx, without CometBFT or sockets: CheckTx of new txs, a recheck pass,
 * PrepareProposal, ProcessProposal on another validator and FinalizeBlock + Commit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RequestFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { MetroApp } from "../chain/app/app.js";
import { TEST_MNEMONIC, testAccountAddresses } from "../chain/client/keys.js";
import { OfflineSigner } from "../chain/client/offline.js";
import { sequenceMsg } from "../chain/client/signing.js";
import { createLogger } from "../chain/log.js";
import { devnetAppState } from "../chain/node/home.js";
import { utf8 } from "../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../core/denom.js";
import { sha256 } from "../core/hash.js";

export interface AppStepCost {
  step: string;
  microsPerTx: number;
}

function timePerTx(count: number, work: () => void): number {
  const started = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - started) / 1000 / count;
}

function checkAll(app: MetroApp, txs: readonly Uint8Array[], type: 0 | 1): void {
  for (const tx of txs) app.checkTx({ tx, type });
}

function newApp(appState: Uint8Array): { app: MetroApp; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "metro-app-bench-"));
  const app = new MetroApp(dir, createLogger("bench-app", "error"));
  app.initChain({
    time: { seconds: 0n, nanos: 0 },
    chainId: "metro-devnet-1",
    validators: [],
    appStateBytes: appState,
    initialHeight: 1n,
  });
  return { app, dir };
}

export async function benchApp(txsPerAccount = 300): Promise<AppStepCost[]> {
  const appState = utf8(JSON.stringify(devnetAppState(await testAccountAddresses())));
  const signers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => OfflineSigner.fromMnemonic(TEST_MNEMONIC, i)),
  );
  const payload = new Uint8Array(256).fill(7);
  const txs: Uint8Array[] = [];
  for (let n = 0; n < txsPerAccount; n++) {
    signers.forEach((signer, i) => {
      txs.push(
        signer.signTx({
          chainId: "metro-devnet-1",
          accountNumber: BigInt(i),
          sequence: BigInt(n),
          fee: { amount: [{ denom: DEFAULT_LST_DENOM, amount: "200" }], gas: 100_000n },
          messages: [sequenceMsg(signer.address, `rollup-${n % 8}`, payload)],
        }),
      );
    });
  }
  const count = txs.length;
  const proposer = newApp(appState);
  const other = newApp(appState);
  const block = (): RequestFinalizeBlock => ({
    txs,
    decidedLastCommit: { round: 0, votes: [] },
    misbehavior: [],
    hash: sha256(...txs),
    height: 1n,
    time: { seconds: 1n, nanos: 0 },
    nextValidatorsHash: new Uint8Array(32),
    proposerAddress: new Uint8Array(20),
  });
  const proposal = () => ({ ...block(), proposedLastCommit: { round: 0, votes: [] } });
  const costs: AppStepCost[] = [
    {
      step: "CheckTx, new tx",
      microsPerTx: timePerTx(count, () => checkAll(proposer.app, txs, 0)),
    },
  ];
  checkAll(other.app, txs, 0);
  costs.push({
    step: "PrepareProposal (proposer)",
    microsPerTx: timePerTx(count, () =>
      proposer.app.prepareProposal({
        ...proposal(),
        maxTxBytes: 22_000_000n,
        localLastCommit: { round: 0, votes: [] },
      }),
    ),
  });
  costs.push({
    step: "ProcessProposal (other validator)",
    microsPerTx: timePerTx(count, () => other.app.processProposal(proposal())),
  });
  costs.push({
    step: "FinalizeBlock + Commit",
    microsPerTx: timePerTx(count, () => {
      other.app.finalizeBlock(block());
      other.app.commit();
    }),
  });
  costs.push({
    step: "CheckTx, recheck after commit",
    microsPerTx: timePerTx(count, () => checkAll(other.app, txs, 1)),
  });
  for (const { app, dir } of [proposer, other]) {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return costs;
}
