/**
 * `metro init` for a real network (the operator's own key, only the funding asked for, the
 * listen addresses given) beside the devnet home it still makes by default, and the rollup
 * home settings that keep the test mnemonic to devnet homes.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { TEST_MNEMONIC, testAccountAddresses, walletFromMnemonic } from "../../chain/client/keys.js";
import { EvmSettingsSchema } from "../../conductor/rollup-home.js";
import { startGossipNode } from "../../relayer/gossip-node.js";
import { metroCli } from "../support/cli.js";
import { cometSetting } from "../support/comet-config.js";

const root = mkdtempSync(join(tmpdir(), "metro-init-"));
after(() => rmSync(root, { recursive: true, force: true }));

interface Genesis {
  chain_id: string;
  app_state: {
    accounts: { address: string; coins: { denom: string; amount: string }[] }[];
    staking: { validators: { operator: string; self_bond: string }[] };
  };
}
const genesisOf = (home: string): Genesis =>
  JSON.parse(readFileSync(join(home, "config", "genesis.json"), "utf8"));

/** An account of another mnemonic than the test one (BIP-39's all-"abandon" vector). */
const FUNDED = (await (await walletFromMnemonic(`${"abandon ".repeat(11)}about`)).getAccounts())[0]!.address;

describe("metro init", () => {
  it("without a chain id still makes the devnet home: test accounts and a test operator", async () => {
    const home = join(root, "devnet");
    await metroCli("init", "--home", home);
    const genesis = genesisOf(home);
    assert.equal(genesis.chain_id, "metro-devnet-1");
    const tests = await testAccountAddresses(11);
    assert.deepEqual(
      genesis.app_state.accounts.map((a) => a.address),
      tests,
    );
    assert.equal(genesis.app_state.staking.validators[0]!.operator, tests[10]);
    assert.equal(cometSetting(home, "p2p", "pex"), "false");
    assert.equal(cometSetting(home, "rpc", "laddr"), '"tcp://127.0.0.1:26657"');
  });

  it("with a chain id bonds a new operator key, funds only --fund and writes the listen addresses", async () => {
    const home = join(root, "mainnet");
    const out = await metroCli(
      "init",
      ...["--home", home, "--chain-id", "metro-1", "--fund", `${FUNDED}=2.5stTIA`, "--self-bond", "20stTIA"],
      ...["--p2p-laddr", "tcp://0.0.0.0:36656", "--host", "0.0.0.0", "--port-base", "36656"],
      ...["--external-address", "203.0.113.7:36656"],
    );
    const keyFile = join(home, "keys", "operator.json");
    const key = JSON.parse(readFileSync(keyFile, "utf8")) as { address: string; mnemonic: string };
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.ok(out.includes(key.mnemonic), "the new mnemonic is shown once");
    const genesis = genesisOf(home);
    assert.equal(genesis.chain_id, "metro-1");
    assert.deepEqual(genesis.app_state.accounts, [
      {
        address: FUNDED,
        coins: [{ denom: genesis.app_state.accounts[0]!.coins[0]!.denom, amount: "2500000" }],
      },
    ]);
    assert.deepEqual(
      genesis.app_state.staking.validators.map((v) => [v.operator, v.self_bond]),
      [[key.address, "20000000"]],
    );
    const tests = new Set(await testAccountAddresses(20));
    assert.ok(
      !JSON.stringify(genesis)
        .split('"')
        .some((word) => tests.has(word)),
      "no test account anywhere",
    );
    assert.equal(cometSetting(home, "p2p", "laddr"), '"tcp://0.0.0.0:36656"');
    assert.equal(cometSetting(home, "rpc", "laddr"), '"tcp://0.0.0.0:36657"');
    assert.equal(cometSetting(home, "p2p", "external_address"), '"203.0.113.7:36656"');
    assert.equal(cometSetting(home, "p2p", "pex"), "true");
  });

  it("bonds a keyring key given by --key and writes no key into the home", async () => {
    const keyring = join(root, "keyring");
    const added = await metroCli("keys", "add", "val", "--keyring-dir", keyring);
    const address = /^val {2}(\S+)/.exec(added)![1]!;
    const home = join(root, "keyed");
    await metroCli("init", "--home", home, "--chain-id", "metro-2", "--key", "val", "--keyring-dir", keyring);
    assert.equal(genesisOf(home).app_state.staking.validators[0]!.operator, address);
    assert.deepEqual(genesisOf(home).app_state.accounts, []);
    assert.equal(existsSync(join(home, "keys")), false);
  });

  it("refuses bad input before writing anything", async () => {
    const cases = [
      ["--chain-id", "x", "--fund", "metro1nope=5"],
      ["--chain-id", "x", "--fund", `${FUNDED}=lots`],
      ["--chain-id", "x", "--host", "localhost"],
      ["--chain-id", "x", "--p2p-laddr", "0.0.0.0:1"],
      ["--chain-id", "x", "--external-address", "no port"],
      ["--chain-id", "x", "--persistent-peers", "abc@1.2.3.4:5"],
      ["--chain-id", "x", "--key", "missing", "--keyring-dir", join(root, "keyring")],
      ["--chain-id", "x", "--self-bond", "0.5stTIA"],
      ["--key", "val"],
    ];
    for (const [i, flags] of cases.entries()) {
      const home = join(root, `bad-${i}`);
      await assert.rejects(
        metroCli("init", "--home", home, ...flags),
        (error: { code?: number; stderr?: string }) =>
          error.code === 2 && /^metro init: /.test(error.stderr ?? ""),
        flags.join(" "),
      );
      assert.equal(existsSync(home), false, `${flags.join(" ")} left ${home} behind`);
    }
  });
});

describe("rollup home settings", () => {
  const base = {
    rpcPort: 8545,
    executionPort: 8551,
    metroRpc: "http://127.0.0.1:26657",
    composerAccountIndex: 9,
  };

  it("loads an old devnet home with the test mnemonic and loopback listeners", () => {
    const settings = EvmSettingsSchema.parse({ ...base, faucetAccountIndex: 100 });
    assert.equal(settings.composerMnemonic, TEST_MNEMONIC);
    assert.equal(settings.faucetMnemonic, TEST_MNEMONIC);
    assert.equal(settings.rpcHost, "127.0.0.1");
    assert.equal(settings.executionHost, "127.0.0.1");
  });

  it("never falls back to the test mnemonic outside a devnet", () => {
    assert.throws(() => EvmSettingsSchema.parse({ ...base, devnet: false }), /composerMnemonic/);
    const own = { ...base, devnet: false, composerMnemonic: "own words" };
    assert.equal(EvmSettingsSchema.parse(own).faucetMnemonic, undefined);
    assert.throws(() => EvmSettingsSchema.parse({ ...own, faucetAccountIndex: 0 }), /faucetMnemonic/);
    assert.throws(() => EvmSettingsSchema.parse({ ...own, rpcHost: "localhost" }), /IPv4 or IPv6/);
  });
});

describe("gossip listen and announce addresses", () => {
  it("listens where told and announces the external address instead", async () => {
    const node = await startGossipNode({
      topic: "t",
      maxMessageBytes: 1024,
      host: "127.0.0.1",
      announce: ["/ip4/203.0.113.7/tcp/4001"],
    });
    try {
      const listening = node.getMultiaddrs().map((address) => address.toString());
      assert.equal(listening.length, 1);
      assert.match(listening[0]!, /^\/ip4\/203\.0\.113\.7\/tcp\/4001\/p2p\//);
    } finally {
      await node.stop();
    }
  });
});
