/**
 * A real-network home (`metro init --chain-id` with the operator's own key) under real
 * CometBFT: it makes blocks, holds only the funding asked for, and the operator's key signs.
 * `metro rollup init` then writes rollup homes against it with their own keys.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { mnemonicToAccount } from "viem/accounts";
import { TEST_MNEMONIC, testAccountAddresses } from "../../chain/client/keys.js";
import { waitForHeight } from "../../chain/node/rpc.js";
import { operatorAddress } from "../../core/address.js";
import { METRO_CLI, metroCli } from "../support/cli.js";
import { randomPortBase } from "../support/network.js";

const CHAIN_ID = "metro-testnet-7";

describe("a real-network home and a rollup home for it", () => {
  const root = mkdtempSync(join(tmpdir(), "metro-real-"));
  const home = join(root, "node");
  const keyring = join(root, "keys");
  const portBase = randomPortBase();
  const rpc = `http://127.0.0.1:${portBase + 1}`;
  let operator = "";
  let started: ChildProcess;

  before(async () => {
    operator = /^op {2}(\S+)/.exec(await metroCli("keys", "add", "op", "--keyring-dir", keyring))![1]!;
    await metroCli(
      "init",
      ...["--home", home, "--chain-id", CHAIN_ID, "--key", "op", "--keyring-dir", keyring],
      ...["--fund", `${operator}=100stTIA`, "--port-base", String(portBase)],
    );
    started = spawn(process.execPath, [METRO_CLI, "start", "--home", home], { stdio: "ignore" });
    await waitForHeight(rpc, 2);
  });

  after(async () => {
    const exited = new Promise((resolve) => started.once("exit", resolve));
    started.kill("SIGINT");
    await exited;
    rmSync(root, { recursive: true, force: true });
  });

  it("makes blocks bonded by the operator, who holds its funding and signs with its own key", async () => {
    const validators = JSON.parse(await metroCli("query", "validators", "--node", rpc));
    assert.deepEqual(
      validators.map((v: { operator: string }) => v.operator),
      [operatorAddress(operator)],
    );
    const balance = JSON.parse(await metroCli("query", "balance", operator, "--node", rpc));
    assert.equal(balance.amount, "100000000");
    const [stranger] = await testAccountAddresses(1);
    const unfunded = JSON.parse(await metroCli("query", "balance", stranger!, "--node", rpc));
    assert.equal(unfunded.amount, "0", "the test accounts hold nothing on a real network");
    const sent = JSON.parse(
      await metroCli(
        "tx",
        "send",
        stranger!,
        "1stTIA",
        "--from",
        "op",
        "--keyring-dir",
        keyring,
        "--node",
        rpc,
      ),
    );
    assert.equal(sent.code, 0, sent.rawLog);
  });

  it("writes a rollup home with its own composer key, faucet off, at the listen address given", async () => {
    const dir = join(root, "gm");
    await metroCli(
      "rollup",
      ...["init", "--home", dir, "--name", "gm", "--chain-id", "4242", "--node", rpc],
      ...["--metro-chain-id", CHAIN_ID, "--da-url", "http://127.0.0.1:9", "--host", "0.0.0.0"],
      ...["--gossip-host", "0.0.0.0", "--announce", "/ip4/203.0.113.7/tcp/4001"],
    );
    const settings = JSON.parse(readFileSync(join(dir, "evm.json"), "utf8"));
    assert.equal(statSync(join(dir, "evm.json")).mode & 0o777, 0o600);
    assert.equal(settings.devnet, false);
    assert.notEqual(settings.composerMnemonic, TEST_MNEMONIC);
    assert.equal(settings.faucetAccountIndex, undefined);
    assert.equal(settings.rpcHost, "0.0.0.0");
    const genesis = JSON.parse(readFileSync(join(dir, "genesis.json"), "utf8"));
    assert.equal(Object.keys(genesis.alloc).length, 1, "only the oracle contract");
    const conductor = JSON.parse(readFileSync(join(dir, "conductor.json"), "utf8"));
    assert.equal(conductor.metroChainId, CHAIN_ID);
    assert.deepEqual(conductor.gossip, {
      port: 0,
      host: "0.0.0.0",
      announce: ["/ip4/203.0.113.7/tcp/4001"],
      peers: [],
    });
  });

  it("serves a faucet only when asked, from its own funded key, and checks the Metro chain id", async () => {
    const dir = join(root, "faucet");
    await metroCli(
      "rollup",
      ...["init", "--home", dir, "--name", "tap", "--chain-id", "4243", "--node", rpc, "--faucet"],
      ...["--composer-key", "op", "--keyring-dir", keyring, "--da-url", "http://127.0.0.1:9"],
    );
    const settings = JSON.parse(readFileSync(join(dir, "evm.json"), "utf8"));
    const key = JSON.parse(readFileSync(join(keyring, "op.json"), "utf8"));
    assert.equal(settings.composerMnemonic, key.mnemonic);
    assert.notEqual(settings.faucetMnemonic, TEST_MNEMONIC);
    const faucet = mnemonicToAccount(settings.faucetMnemonic, { addressIndex: settings.faucetAccountIndex });
    const genesis = JSON.parse(readFileSync(join(dir, "genesis.json"), "utf8"));
    assert.ok(genesis.alloc[faucet.address], "the faucet is funded at genesis");
    await assert.rejects(
      metroCli(
        "rollup",
        "init",
        "--home",
        join(root, "wrong"),
        "--name",
        "w",
        "--chain-id",
        "1",
        "--node",
        rpc,
        "--metro-chain-id",
        "metro-1",
      ),
      /serves chain metro-testnet-7, not metro-1/,
    );
  });
});
