/**
 * State sync on real CometBFT: four validators take snapshots under load; a fifth node joins
 * with `metro join`, restores a snapshot instead of replaying the chain (while one validator
 * serves corrupted chunks and is refused), agrees on the app hash, then bonds and signs.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import { connectSigner } from "../../chain/client/signing.js";
import { configureComet, nodeId, readValidatorKey } from "../../chain/node/cometbft.js";
import { nodeStatus, rpcGet, waitForHeight } from "../../chain/node/rpc.js";
import { signedBlockAt, validatorsAt } from "../../chain/node/signed-block.js";
import { appConfigPath } from "../../chain/statesync/index.js";
import { toHex } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { CORRUPT_SNAPSHOT_ENV } from "../../core/fault-injection.js";
import { METRO_CLI, metroCli } from "../support/cli.js";
import { appHashesAt, startNetwork, type TestNetwork, until } from "../support/network.js";

/** The height the network reaches before the fifth node joins (at 200 ms blocks). */
const TARGET_HEIGHT = Number(process.env.METRO_STATE_SYNC_HEIGHT ?? 300);
const SNAPSHOT_INTERVAL = 20;

const EarliestSchema = z.object({
  result: z.object({ sync_info: z.object({ earliest_block_height: z.string() }) }),
});

/** Sends small transfers from test account `index` until `stopped()`: load while blocks are made. */
async function keepSending(rpc: string, index: number, stopped: () => boolean): Promise<number> {
  const signer = await connectSigner(rpc, TEST_MNEMONIC, index);
  let sent = 0;
  try {
    while (!stopped()) {
      const result = await signer.client
        .sendTokens(signer.address, signer.address, [{ denom: DEFAULT_LST_DENOM, amount: "1" }], "auto")
        .catch(() => undefined);
      if (result?.code === 0) sent++;
    }
  } finally {
    signer.client.disconnect();
  }
  return sent;
}

describe("state sync: a fifth node joins a running network with metro join", () => {
  let net: TestNetwork;
  let joiner: ChildProcess | undefined;
  let joinerHome = "";
  let joinerRpc = "";
  let stopLoad = false;
  let load: Promise<number[]> = Promise.resolve([]);

  before(async () => {
    // Validator node1 serves every snapshot chunk corrupted.
    process.env[CORRUPT_SNAPSHOT_ENV] = "node1";
    net = await startNetwork(4, (devnet) => {
      for (const spec of devnet.specs) {
        configureComet(spec.home, { "consensus.timeout_commit": "200ms" });
        const settings = {
          snapshot_interval: SNAPSHOT_INTERVAL,
          snapshot_keep_recent: 2,
          snapshot_chunk_bytes: 1024,
        };
        writeFileSync(appConfigPath(spec.home), JSON.stringify(settings));
      }
    });
    load = Promise.all([1, 2, 3].map((index) => keepSending(net.rpc(index % 4), index, () => stopLoad)));
    await waitForHeight(net.rpc(0), TARGET_HEIGHT, 600_000);
  });

  after(async () => {
    stopLoad = true;
    await load;
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
});
