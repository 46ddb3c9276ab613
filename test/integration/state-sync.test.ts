/**
 * State sync and pruning on real CometBFT: four validators take snapshots under load, two of
 * them pruning old state and blocks; a fifth node joins with `metro join`, restores a snapshot
 * instead of replaying the chain (while one validator serves corrupted chunks and is refused),
 * agrees on the app hash, then bonds and signs. A pruned node answers old heights with a clear
 * "pruned" error and recent ones with proofs, and catches up after a restart.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import { fetchAccount, LoadGenerator } from "../../chain/client/load.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { appConfigPath } from "../../chain/node/app-config.js";
import { configureComet, nodeId, readValidatorKey } from "../../chain/node/cometbft.js";
import { abciQuery, blockAt, nodeStatus, rpcGet, waitForHeight } from "../../chain/node/rpc.js";
import { signedBlockAt, validatorsAt } from "../../chain/node/signed-block.js";
import { fromHex, toHex, utf8 } from "../../core/bytes.js";
import { CORRUPT_SNAPSHOT_ENV } from "../../core/fault-injection.js";
import { QueryPath, QueryRollupDataRequestCodec } from "../../core/proto/sequencer.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";
import { METRO_CLI, metroCli } from "../support/cli.js";
import { appHashesAt, startNetwork, type TestNetwork, until } from "../support/network.js";
import { independentlyVerify } from "../support/smt-verifier.js";

/** The height the network reaches before the fifth node joins (timeout_commit 50 ms). */
const TARGET_HEIGHT = Number(process.env.METRO_STATE_SYNC_HEIGHT ?? 300);
const SNAPSHOT_INTERVAL = 20;
/** Validators 2 and 3 prune; 0 and 1 keep every height, so a joining node can fetch any block. */
const PRUNING = { pruning_keep_recent: 30, pruning_interval: 10, min_retain_blocks: 50 };
const PRUNED = [2, 3];
/** Evidence names blocks up to 20 back (max_age_num_blocks follows the 20 s unbonding). */
const STAKING = {
  unbonding_time_seconds: "20",
  max_validators: 100,
  max_entries: 7,
  epoch_length: "10",
  min_self_delegation: "1000000",
  min_commission_rate: "0",
};

const EarliestSchema = z.object({
  result: z.object({ sync_info: z.object({ earliest_block_height: z.string() }) }),
});

describe("state sync and pruning: a fifth node joins a running network with metro join", () => {
  let net: TestNetwork;
  let joiner: ChildProcess | undefined;
  let joinerHome = "";
  let joinerRpc = "";
  let load: LoadGenerator | undefined;

  before(async () => {
    // Validator node1 serves every snapshot chunk corrupted.
    process.env[CORRUPT_SNAPSHOT_ENV] = "node1";
    net = await startNetwork(
      4,
      (devnet) => {
        for (const [index, spec] of devnet.specs.entries()) {
          configureComet(spec.home, { "consensus.timeout_commit": "50ms" });
          const settings = {
            snapshot_interval: SNAPSHOT_INTERVAL,
            snapshot_keep_recent: 2,
            snapshot_chunk_bytes: 1024,
            ...(PRUNED.includes(index) ? PRUNING : {}),
          };
          writeFileSync(appConfigPath(spec.home), JSON.stringify(settings));
        }
      },
      { staking: STAKING },
    );
    // A few txs a block while the chain grows and snapshots are taken.
    load = new LoadGenerator({
      rpcUrl: net.rpc(0),
      chainId: CHAIN_ID,
      accounts: await Promise.all([1, 2, 3].map(async (i) => fetchAccount(net.rpc(0), await testSigner(i)))),
      messages: (signer, n) => [sequenceMsg(signer.address, `rollup-${n % 3}`, utf8(`load ${n}`))],
      fee: feeFor(100_000n),
      txsPerAccountPerTick: 2,
      tickMs: 500,
    });
    load.start();
    await waitForHeight(net.rpc(0), TARGET_HEIGHT, 600_000);
  });

  after(async () => {
    await load?.stop();
    if (joiner && joiner.exitCode === null) {
      const exited = new Promise((resolve) => joiner!.once("exit", resolve));
      joiner.kill("SIGTERM");
      await exited;
    }
    await net?.stop();
    delete process.env[CORRUPT_SNAPSHOT_ENV];
  });

  it("restores a snapshot from the honest peer, refusing the one serving corrupted chunks", async () => {
    joinerHome = join(net.devnet.options.home, "joiner");
    const portBase = net.devnet.specs[0]!.ports.p2p + 60;
    joinerRpc = `http://127.0.0.1:${portBase + 1}`;
    const log = createWriteStream(join(net.devnet.options.home, "joiner.log"));
    joiner = spawn(
      process.execPath,
      [METRO_CLI, "join", "--rpc", `${net.rpc(1)},${net.rpc(2)}`, "--home", joinerHome].concat([
        "--port-base",
        String(portBase),
        "--moniker",
        "joiner",
      ]),
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    joiner.stdout!.pipe(log);
    joiner.stderr!.pipe(log);
    const { height } = await nodeStatus(net.rpc(0));
    await waitForHeight(joinerRpc, height, 180_000);
    const { result } = await rpcGet(`${joinerRpc}/status`, EarliestSchema);
    const earliest = Number(result.sync_info.earliest_block_height);
    assert.ok(
      earliest > TARGET_HEIGHT - 3 * SNAPSHOT_INTERVAL,
      `blocks start at ${earliest}: no replay from 1`,
    );
    const output = readFileSync(join(net.devnet.options.home, "joiner.log"), "utf8");
    assert.match(output, /state restored from a snapshot/);
    const liar = nodeId(net.devnet.specs[1]!.home);
    const refusals = output.split("\n").filter((line) => line.includes("refused a snapshot chunk"));
    assert.ok(
      refusals.some((line) => line.includes(liar)),
      `the corrupt peer ${liar} was refused (${refusals.length} refusals)`,
    );
    assert.ok(
      refusals.every((line) => line.includes(liar)),
      "the honest peer's chunks were all accepted",
    );
  });

  it("reaches the same app hash as its peers at a later height", async () => {
    const { height } = await nodeStatus(net.rpc(0));
    await waitForHeight(joinerRpc, height + 2);
    const rpcs = [0, 1, 2, 3].map((i) => net.rpc(i)).concat(joinerRpc);
    const hashes = await appHashesAt(rpcs, height + 2);
    assert.equal(new Set(hashes).size, 1, hashes.join(" "));
    assert.ok(load!.accepted.length >= TARGET_HEIGHT, `under load: ${load!.accepted.length} txs accepted`);
    // Blocks before the snapshot never reached it, so neither did their rollup data.
    const before = await abciQuery(joinerRpc, QueryPath.rollupData, rollupDataRequest(5n), height);
    assert.match(before.log, /rollup data at height 5 is pruned/);
  });

  it("bonds with metro tx create-validator, enters the set and signs blocks", async () => {
    const created = JSON.parse(
      await metroCli(
        ...["tx", "create-validator", "--home", joinerHome, "--amount", "5000stTIA"],
        ...["--moniker", "joiner", "--from", "5", "--node", net.rpc(0)],
      ),
    );
    assert.equal(created.code, 0, created.rawLog);
    const address = toHex(Buffer.from(readValidatorKey(joinerHome).address, "hex"));
    await until("the joined node is in CometBFT's validator set", async () => {
      const { height } = await nodeStatus(net.rpc(0));
      return (await validatorsAt(net.rpc(0), height)).some((v) => toHex(v.address) === address);
    });
    await until("a block signed by the joined node", async () => {
      const { height } = await nodeStatus(net.rpc(0));
      const block = await signedBlockAt(net.rpc(0), height);
      return block.commit.signatures.some(
        (sig) => sig.blockIdFlag === 2 && toHex(sig.validatorAddress) === address,
      );
    });
  });

  it("a pruned node answers old heights with a clear pruned error and recent ones with proofs", async () => {
    const pruned = net.rpc(PRUNED[0]);
    const { height } = await nodeStatus(pruned);
    const { result } = await rpcGet(`${pruned}/status`, EarliestSchema);
    const earliest = Number(result.sync_info.earliest_block_height);
    // Retain height: 50 blocks back, pruned every 10 heights.
    assert.ok(
      earliest > height - 50 - 20 && earliest <= height - 49,
      `blocks kept from ${earliest} at ${height}`,
    );
    const oldBlock = await fetch(`${pruned}/block?height=5`).then((response) => response.text());
    assert.match(oldBlock, /height 5 is not available, lowest height is \d+/);
    const key = utf8("sequencer/params");
    const old = await abciQuery(pruned, "/store/metro/key", key, 5);
    assert.notEqual(old.code, 0);
    assert.match(old.log, /state at height 5 is pruned: this node keeps heights from \d+/);
    const oldData = await abciQuery(pruned, QueryPath.rollupData, rollupDataRequest(5n), height);
    assert.match(oldData.log, /rollup data at height 5 is pruned/);
    assert.equal((await abciQuery(net.rpc(0), QueryPath.rollupData, rollupDataRequest(5n), height)).code, 0);

    const recent = height - 5;
    const reply = await abciQuery(pruned, "/store/metro/key", key, recent, true);
    assert.equal(reply.code, 0, reply.log);
    const appHash = (await blockAt(pruned, recent + 1)).appHash;
    const proof = reply.proofOps[0]?.data;
    assert.ok(proof && independentlyVerify(fromHex(appHash), key, reply.value, proof), "proof verifies");
  });

  it("a pruned validator restarted after pruning catches up to the same app hash", async () => {
    const validator = net.devnet.validators[PRUNED[1]!]!;
    await validator.stop();
    const { height: stoppedAt } = await nodeStatus(net.rpc(0));
    await waitForHeight(net.rpc(0), stoppedAt + 20);
    await validator.start();
    const { height } = await nodeStatus(net.rpc(0));
    await waitForHeight(net.rpc(PRUNED[1]), height + 2, 60_000);
    const hashes = await appHashesAt(
      [0, 1, 2, 3].map((i) => net.rpc(i)),
      height + 2,
    );
    assert.equal(new Set(hashes).size, 1, hashes.join(" "));
  });
});

const rollupDataRequest = (height: bigint): Uint8Array =>
  QueryRollupDataRequestCodec.encode({ height, rollupId: rollupIdFromName("rollup-0") });
