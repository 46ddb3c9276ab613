/**
 * `metro devnet --init-only --hosts`: homes for validators on four machines (listen and external
 * addresses, peers at each other's host:port, one genesis, the sidecar and metrics addresses),
 * what it prints for each host, how validators sharing a host get ports, and the refusals.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { devnetCommand } from "../../chain/cli/devnet.js";
import { nodeId } from "../../chain/node/cometbft.js";
import { parseHosts, placeValidators } from "../../chain/node/hosts.js";
import { metroCli } from "../support/cli.js";
import { cometSetting } from "../support/comet-config.js";
import { rejectsUsage } from "../support/usage.js";

const root = mkdtempSync(join(tmpdir(), "metro-hosts-"));
after(() => rmSync(root, { recursive: true, force: true }));

const HOSTS = ["node-a.example.org", "10.0.0.2", "2001:db8::3", "node-d.example.org"];
/** How CometBFT's peer and external addresses spell each host, at the port base. */
const ADDRESSES = [
  "node-a.example.org:36656",
  "10.0.0.2:36656",
  "[2001:db8::3]:36656",
  "node-d.example.org:36656",
];

interface Genesis {
  chain_id: string;
  validators: { name: string }[];
  app_state: { staking: { validators: { moniker: string }[] } };
}

describe("metro devnet --init-only --hosts", () => {
  const home = join(root, "net");
  const homes = HOSTS.map((_, i) => join(home, `node${i}`));
  let printed = "";

  it("writes one home per host: listening on 0.0.0.0, announcing host_i, dialing host_j, one genesis", async () => {
    printed = await metroCli(
      ...["devnet", "--init-only", "--hosts", HOSTS.join(","), "--home", home],
      ...["--port-base", "36656", "--chain-id", "metro-hosts-1", "--validators", "4"],
    );
    const ids = homes.map((dir) => nodeId(dir));
    homes.forEach((dir, i) => {
      assert.equal(cometSetting(dir, "p2p", "laddr"), '"tcp://0.0.0.0:36656"');
      assert.equal(cometSetting(dir, "rpc", "laddr"), '"tcp://0.0.0.0:36657"');
      assert.equal(cometSetting(dir, "p2p", "external_address"), `"${ADDRESSES[i]}"`);
      const peers = ids.flatMap((id, j) => (j === i ? [] : [`${id}@${ADDRESSES[j]}`]));
      assert.equal(cometSetting(dir, "p2p", "persistent_peers"), `"${peers.join(",")}"`);
      assert.equal(cometSetting(dir, "instrumentation", "prometheus_listen_addr"), '"127.0.0.1:36660"');
      assert.equal(cometSetting(dir, "", "proxy_app"), `"unix://${join(dir, "app.sock")}"`);
      assert.equal(readFileSync(join(dir, "oracle-url"), "utf8"), "http://127.0.0.1:36662");
    });
    const genesis = homes.map((dir) => readFileSync(join(dir, "config", "genesis.json"), "utf8"));
    assert.ok(
      genesis.every((text) => text === genesis[0]),
      "every home holds the same genesis",
    );
    const parsed = JSON.parse(genesis[0]!) as Genesis;
    assert.equal(parsed.chain_id, "metro-hosts-1");
    assert.deepEqual(
      parsed.validators.map((v) => v.name),
      ["validator-0", "validator-1", "validator-2", "validator-3"],
    );
    assert.equal(parsed.app_state.staking.validators.length, 4, "each validator is bonded at genesis");
  });

  it("prints for each host what to copy there and the commands that start it", () => {
    const lines = printed.split("\n");
    const block = (i: number) => lines.slice(lines.findIndex((line) => line.startsWith(`validator ${i} on`)));
    assert.match(block(2)[0]!, /^validator 2 on 2001:db8::3: p2p \[2001:db8::3\]:36656/);
    assert.ok(block(2)[1]!.includes(`scp -r ${homes[2]} [2001:db8::3]:metro-node2`));
    assert.equal(block(0)[2], "    npm run metro -- market --host 0.0.0.0 --port 36663");
    const oracle =
      "    npm run metro -- oracle --host 127.0.0.1 --port 36662 --market-url http://node-a.example.org:36663";
    assert.equal(block(3)[2], `${oracle} --metrics-host 127.0.0.1 --metrics-port 36661`);
    assert.equal(
      block(3)[3],
      "    npm run metro -- start --home ~/metro-node3 --metrics-host 127.0.0.1 --metrics-port 36659",
    );
  });

  it("refuses a home that holds one unless --fresh, and then starts over", async () => {
    const again = ["devnet", "--init-only", "--hosts", HOSTS.join(","), "--home", home];
    await assert.rejects(metroCli(...again), /already exists; use --fresh/);
    const before = nodeId(homes[0]!);
    await metroCli(...again, "--fresh");
    assert.notEqual(nodeId(homes[0]!), before, "new keys");
  });

  it("gives validators sharing a host the next slots, and distinct hosts the port base", () => {
    const placed = placeValidators(parseHosts("a,b,a,[::1]:40000,A"), 26656);
    assert.deepEqual(
      placed.map((v) => `${v.host} ${v.ports.p2p} ${v.ports.rpc}`),
      ["a 26656 26657", "b 26656 26657", "a 26666 26667", "::1 40000 40001", "a 26676 26677"],
    );
  });

  it("refuses bad hosts, clashing host:ports and a count that is not --validators, writing nothing", async () => {
    const dir = join(root, "refused");
    const refused = (hosts: string, message: RegExp, more: string[] = []) =>
      rejectsUsage(devnetCommand(["--init-only", "--hosts", hosts, "--home", dir, ...more]), message);
    await refused("a,,b", /entry 2 is empty/);
    await refused("a,", /entry 2 is empty/);
    await refused("a,under_score", /"under_score": a hostname or an IP address/);
    await refused("300.1.2.3", /a hostname or an IP address/);
    await refused("[node-a]:26656", /only an IPv6 address goes in brackets/);
    await refused("a:70000", /port must be 1 to 65526/);
    await refused("a,a", /validator 1 on a no ports below 65536/, ["--port-base", "65520"]);
    await refused("a,a:26656", /validators 0 and 1 would both use a:26656/);
    await refused("a:26656,a:26660", /validators 0 and 1 would both use a:26660/);
    await refused("a,b,c", /--validators 4 does not match the 3 --hosts/, ["--validators", "4"]);
    await refused("a", /--listen-host "a\.b": an IPv4 or IPv6 address/, ["--listen-host", "a.b"]);
    await refused("a", /--rest-port is for a running devnet/, ["--rest-port", "1317"]);
    await rejectsUsage(devnetCommand(["--hosts", "a,b"]), /--hosts needs --init-only/);
    assert.equal(existsSync(dir), false);
  });
});
