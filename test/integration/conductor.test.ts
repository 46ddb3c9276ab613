import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { signedBlockAt } from "../../chain/node/signed-block.js";
import { Conductor } from "../../conductor/conductor.js";
import { EvmChain } from "../../conductor/evm/chain.js";
import { EvmStore } from "../../conductor/evm/store.js";
import { toHex } from "../../core/bytes.js";
import { headerHash } from "../../core/comet/hashes.js";
import { createLogger } from "../../core/log.js";
import { rollupIdFromName } from "../../core/rollup.js";
import type { SequencerBlock } from "../../core/sequencer-block.js";
import { buildSequencerBlock } from "../../relayer/sequencer-block.js";
import { testRollupGenesis } from "../support/evm.js";
import { sleep } from "../support/network.js";
import { inProcessConductorConfig, type RollupStack, startRollupStack } from "../support/rollups.js";

const NAME = "forgery-test";

/** Each forgery keeps everything honest but one part. */
const FORGERIES: { name: string; forge: (block: SequencerBlock) => void; reason: RegExp }[] = [
  {
    name: "data that fails its proof",
    forge: (block) => {
      block.rollups.push({
        rollupId: rollupIdFromName(NAME),
        items: [new Uint8Array([1, 2, 3])],
        proof: { total: 1n, index: 0n, aunts: [] },
      });
    },
    reason: /not the block's rollups|rollup id list/,
  },
  {
    name: "a validator set that does not match its hash",
    forge: (block) => {
      block.validators[0]!.votingPower += 1n;
    },
    reason: /validator set does not match/,
  },
  {
    name: "a forged commit signature",
    forge: (block) => {
      const signature = block.commit.signatures[0]!.signature;
      signature[0]! ^= 0xff;
    },
    reason: /is invalid/,
  },
];

describe("conductor: every block verified like a light client before it executes", () => {
  let stack: RollupStack;
  let conductor: Conductor;
  let store: EvmStore;
  let engine: EvmChain;
  const dir = mkdtempSync(join(tmpdir(), "metro-conductor-"));
  const warnings: string[] = [];

  before(async () => {
    stack = await startRollupStack();
    const { height } = await nodeStatus(stack.net.rpc(0));
    const trusted = await signedBlockAt(stack.net.rpc(0), height);
    store = new EvmStore(join(dir, "evm"));
    engine = await EvmChain.open(store, testRollupGenesis({ name: NAME, sequencerStartHeight: height + 1 }));
    const log = createLogger("conductor-test", "warn");
    log.warn = ((payload: { err?: Error }, message?: string) => {
      warnings.push(`${message}: ${payload.err?.message ?? ""}`);
    }) as typeof log.warn;
    conductor = await Conductor.start({
      // No gossip peers: soft blocks come from what the test feeds, then from the RPC.
      config: inProcessConductorConfig({
        rollupName: NAME,
        metroChainId: trusted.header.chainId,
        trust: { height: height + 1, validatorsHash: toHex(trusted.header.nextValidatorsHash) },
        metroRpc: stack.net.rpc(0),
        daUrl: stack.daUrl,
        // The firm stream stays idle (no DA height this far), so each height comes through the soft path.
        daStartHeight: 1_000_000_000,
        gossipGraceMs: 4000,
      }),
      home: join(dir, "conductor"),
      engine,
      log,
    });
  });

  after(async () => {
    await conductor?.stop();
    await store?.close();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const { name, forge, reason } of FORGERIES) {
    it(`refuses ${name} and keeps following the honest chain`, async () => {
      const refusedBefore = conductor.stats.refused;
      const height = conductor.stats.softHeight + 1n;
      await waitForHeight(stack.net.rpc(0), Number(height));
      const honest = buildSequencerBlock(await signedBlockAt(stack.net.rpc(0), Number(height)));
      const forged = structuredClone(honest);
      forge(forged);
      conductor.onGossip(forged);
      const deadline = Date.now() + 30_000;
      while (conductor.stats.softHeight < height && Date.now() < deadline) await sleep(100);
      assert.equal(conductor.stats.refused, refusedBefore + 1, "the forged block was refused");
      assert.ok(
        warnings.some((line) => reason.test(line)),
        `a clear log line: ${warnings.join(" | ")}`,
      );
      const state = await engine.getCommitmentState();
      assert.equal(state.soft.sequencerHeight >= height, true);
      const executed = await engine.getBlock({
        number: height - engine.info.sequencerStartHeight + 1n,
        hash: new Uint8Array(),
      });
      assert.equal(
        toHex(executed!.sequencerBlockHash),
        toHex(headerHash(honest.header)),
        "the honest block ran",
      );
    });
  }

  it("after a restart, checks the first block's price votes against the voters' set read back from Metro", async () => {
    await conductor.stop();
    const log = createLogger("conductor-test", "silent");
    conductor = await Conductor.start({
      config: inProcessConductorConfig({
        rollupName: NAME,
        metroChainId: (await nodeStatus(stack.net.rpc(0))).chainId,
        // Only the first run reads the trust root; this one resumes from its trust file.
        trust: { height: 1, validatorsHash: "00".repeat(32) },
        metroRpc: stack.net.rpc(0),
        daUrl: stack.daUrl,
        daStartHeight: 1_000_000_000,
        gossipGraceMs: 500,
      }),
      home: join(dir, "conductor"),
      engine,
      log,
    });
    const resumed = conductor.stats.softHeight;
    const deadline = Date.now() + 30_000;
    while (conductor.stats.softHeight < resumed + 2n && Date.now() < deadline) await sleep(100);
    assert.ok(conductor.stats.softHeight >= resumed + 2n, "the restarted conductor follows the chain");
    assert.equal(conductor.stats.votersRecovered, 1, "the first block's voters came back from Metro, once");
  });
});
