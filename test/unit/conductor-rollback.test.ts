import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createAddressFromString } from "@ethereumjs/util";
import { hexToBytes } from "viem";
import { Conductor } from "../../conductor/conductor.js";
import { EvmChain } from "../../conductor/evm/chain.js";
import { EvmStore } from "../../conductor/evm/store.js";
import { toHex } from "../../core/bytes.js";
import { headerHash, validatorSetHash } from "../../core/comet/hashes.js";
import { createLogger } from "../../core/log.js";
import { CelestiaClient } from "../../relayer/celestia/client.js";
import { LocalDa } from "../../relayer/da/server.js";
import { planSubmissions } from "../../relayer/da-batch.js";
import { ETHER, ethAccount, testRollupGenesis } from "../support/evm.js";
import { until } from "../support/network.js";
import { inProcessConductorConfig } from "../support/rollups.js";
import { ALPHA, CHAIN, signedBlock, validatorSet } from "../support/signed-blocks.js";

const HEIGHT = 7n;

async function transferTo(index: number): Promise<Uint8Array> {
  return hexToBytes(
    await ethAccount(0).signTransaction({
      chainId: 1337,
      type: "eip1559",
      to: ethAccount(index).address,
      value: ETHER,
      nonce: 0,
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
    }),
  );
}

/**
 * Two validly signed versions of one Metro height (what only an equivocating 1/3 could make):
 * the soft stream sees one, the DA the other, and the DA wins.
 */
describe("conductor: the firm version wins when the DA disagrees with what ran softly", () => {
  const dir = mkdtempSync(join(tmpdir(), "metro-rollback-"));
  const set = validatorSet(4);
  let da: LocalDa;
  let daUrl: string;
  let store: EvmStore;
  let engine: EvmChain;
  let conductor: Conductor;

  before(async () => {
    const log = createLogger("rollback-test", "silent");
    da = new LocalDa({ dataDir: join(dir, "da"), blockTimeMs: 100, log });
    daUrl = `http://127.0.0.1:${await da.listen(0)}`;
    store = new EvmStore(join(dir, "evm"));
    engine = await EvmChain.open(
      store,
      testRollupGenesis({ name: "alpha", sequencerStartHeight: Number(HEIGHT) }),
    );
    conductor = await Conductor.start({
      config: inProcessConductorConfig({
        rollupName: "alpha",
        metroChainId: CHAIN,
        trust: { height: Number(HEIGHT), validatorsHash: toHex(validatorSetHash(set.validators)) },
        metroRpc: "http://127.0.0.1:1",
        daUrl,
        gossipGraceMs: 600_000,
      }),
      home: join(dir, "conductor"),
      engine,
      log,
    });
  });

  after(async () => {
    await conductor?.stop();
    await store?.close();
    await da?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("rolls back to the DA's block and keeps both signed versions as evidence", async () => {
    const soft = signedBlock({
      set,
      height: HEIGHT,
      items: [{ rollupId: ALPHA, data: await transferTo(5) }],
    });
    const firm = signedBlock({
      set,
      height: HEIGHT,
      items: [{ rollupId: ALPHA, data: await transferTo(6) }],
    });
    conductor.onGossip(soft);
    await until("the soft block runs", () => conductor.stats.softNumber === 1n);
    assert.equal(conductor.stats.firmNumber, 0n);

    const client = new CelestiaClient({ url: daUrl });
    for (const submission of planSubmissions(CHAIN, [firm], { maxBlobBytes: 1_000_000 })) {
      await client.submit(submission.blobs);
    }
    await until("the firm block replaces it", () => conductor.stats.rollbacks === 1);
    const state = await engine.getCommitmentState();
    assert.equal(state.firm.number, 1n);
    assert.equal(toHex(state.soft.hash), toHex(state.firm.hash));
    assert.equal(toHex(state.firm.sequencerBlockHash), toHex(headerHash(firm.header)));
    const vm = await engine.vmAt(state.firm.hash);
    const balance = async (i: number) =>
      (await vm.stateManager.getAccount(createAddressFromString(ethAccount(i).address)))?.balance ?? 0n;
    assert.equal(await balance(6), ETHER, "the firm block's transfer ran");
    assert.equal(await balance(5), 0n, "the soft block's transfer was rolled back");
    assert.ok(existsSync(join(dir, "conductor", "evidence", "1-soft.bin")));
    assert.ok(existsSync(join(dir, "conductor", "evidence", "1-firm.bin")));
  });
});
