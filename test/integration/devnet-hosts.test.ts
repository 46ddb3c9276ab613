/**
 * `metro devnet --init-only --hosts` for four validators that share one host (127.0.0.1): the
 * homes get distinct ports, and the commands it prints (market, sidecars, `metro start`), run as
 * printed, make a network where all four sign blocks, agree on the app hash and vote prices.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { queryPrice } from "../../chain/client/queries.js";
import { stopChild } from "../../chain/node/process.js";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { signedBlockAt } from "../../chain/node/signed-block.js";
import { METRO_CLI, metroCli } from "../support/cli.js";
import { appHashesAt, randomPortBase, until } from "../support/network.js";

/** CometBFT's flag for a precommit for the block. */
const BLOCK_ID_FLAG_COMMIT = 2;

describe("devnet homes for four validators on one host, started as printed", () => {
  const root = mkdtempSync(join(tmpdir(), "metro-hosts-net-"));
  const started: ChildProcess[] = [];
  let rpcs: string[] = [];
  let appMetricsPort = "";

  before(async () => {
    const printed = await metroCli(
      ...["devnet", "--init-only", "--hosts", "127.0.0.1,127.0.0.1,127.0.0.1,127.0.0.1"],
      ...["--home", join(root, "net"), "--port-base", String(randomPortBase())],
    );
    rpcs = [...printed.matchAll(/RPC (http:\/\/127\.0\.0\.1:\d+)$/gm)].map((match) => match[1]!);
    const commands = [...printed.matchAll(/^ {4}npm run metro -- (.+)$/gm)].map((match) =>
      match[1]!.split(" "),
    );
    assert.equal(commands.length, 9, "a market, then a sidecar and a node per validator");
    appMetricsPort = commands.find((args) => args[0] === "start")!.at(-1)!;
    for (const args of commands)
      started.push(spawn(process.execPath, [METRO_CLI, ...args], { stdio: "ignore" }));
  });

  after(async () => {
    await Promise.all(started.map((child) => stopChild(child)));
    rmSync(root, { recursive: true, force: true });
  });

  it("gives each validator its own ports on the shared host", () => {
    assert.equal(new Set(rpcs).size, 4);
  });

  it("makes blocks signed by all four, with one app hash on every node", async () => {
    for (const rpc of rpcs) await waitForHeight(rpc, 5);
    const hashes = await appHashesAt(rpcs, 5);
    assert.equal(new Set(hashes).size, 1, `app hashes at height 5: ${hashes.join(" ")}`);
    await until("a block signed by all four validators", async () => {
      // Below the latest block, the commit is the canonical one, gathered over timeout_commit.
      const { commit } = await signedBlockAt(rpcs[0]!, (await nodeStatus(rpcs[0]!)).height - 1);
      return commit.signatures.filter((sig) => sig.blockIdFlag === BLOCK_ID_FLAG_COMMIT).length === 4;
    });
  });

  it("votes the sidecars' prices into the chain and serves the app's metrics where printed", async () => {
    await until("TIA/USD is on chain", async () => (await queryPrice(rpcs[0]!, "TIA/USD")) !== undefined);
    const metrics = await (await fetch(`http://127.0.0.1:${appMetricsPort}/metrics`)).text();
    assert.match(metrics, /^metro_height\{service="metro-app"\} \d+$/m);
  });
});
