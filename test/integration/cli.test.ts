import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { testAccountAddresses } from "../../chain/client/keys.js";
import { waitForHeight } from "../../chain/node/rpc.js";
import { METRO_CLI, metroCli } from "../support/cli.js";
import { randomPortBase } from "../support/network.js";

describe("metro CLI on a single-validator home", () => {
  const home = mkdtempSync(join(tmpdir(), "metro-cli-"));
  const portBase = randomPortBase();
  const node = `--node=http://127.0.0.1:${portBase + 1}`;
  let started: ChildProcess;

  before(async () => {
    assert.match(await metroCli("init", "--home", home, "--port-base", String(portBase)), /initialized/);
    started = spawn(process.execPath, [METRO_CLI, "start", "--home", home], { stdio: "ignore" });
    await waitForHeight(`http://127.0.0.1:${portBase + 1}`, 2);
  });

  after(async () => {
    const exited = new Promise((resolve) => started.once("exit", resolve));
    started.kill("SIGINT");
    await exited;
    rmSync(home, { recursive: true, force: true });
  });

  it("sequences a bundle, finds it by rollup, sends stTIA and reads the balance", async () => {
    const sequenced = JSON.parse(
      await metroCli("tx", "sequence", node, "--rollup", "cli-a=hello", "--rollup", "cli-b=0xbeef"),
    );
    assert.equal(sequenced.code, 0, sequenced.rawLog);
    const data = JSON.parse(
      await metroCli("query", "rollup-data", node, "--height", String(sequenced.height), "--rollup", "cli-b"),
    );
    assert.deepEqual(
      data.txs.map((tx: { data: string }) => tx.data),
      ["beef"],
    );
    const recipient = (await testAccountAddresses())[4]!;
    const sent = JSON.parse(await metroCli("tx", "send", node, "--from", "1", recipient, "2.5stTIA"));
    assert.equal(sent.code, 0, sent.rawLog);
    const balance = JSON.parse(await metroCli("query", "balance", node, recipient));
    assert.equal(balance.amount, "1000002500000");
  });

  it("delegates, lists validators, proposes, votes and reads the proposal", async () => {
    const validators = JSON.parse(await metroCli("query", "validators", node));
    assert.equal(validators.length, 1);
    assert.equal(validators[0].status, "BOND_STATUS_BONDED");
    const operator = validators[0].operator as string;
    const delegated = JSON.parse(await metroCli("tx", "delegate", operator, "25stTIA", node, "--from", "3"));
    assert.equal(delegated.code, 0, delegated.rawLog);
    const [delegator] = (await testAccountAddresses(4)).slice(3);
    const delegations = JSON.parse(await metroCli("query", "delegations", delegator!, node));
    assert.equal(delegations[0].balance.amount, "25000000");
    const proposed = JSON.parse(
      await metroCli(
        "tx",
        "propose",
        node,
        "--from",
        "3",
        "--title",
        "Hello",
        "--deposit",
        "10stTIA",
        "--add-pair",
        "ATOM/USD:6",
      ),
    );
    assert.equal(proposed.code, 0, proposed.rawLog);
    const proposals = JSON.parse(await metroCli("query", "proposals", node));
    const id = String(proposals.at(-1).proposalId);
    const voted = JSON.parse(await metroCli("tx", "vote", id, "yes", node, "--from", "3"));
    assert.equal(voted.code, 0, voted.rawLog);
    const proposal = JSON.parse(await metroCli("query", "proposal", id, node));
    assert.equal(BigInt(proposal.tally.yes), 25_000_000n, "the delegator's own stake, voted yes");
  });

  it("explains bad usage instead of failing obscurely", async () => {
    await assert.rejects(metroCli("tx", "sequence", node), /needs at least one --rollup/);
    await assert.rejects(metroCli("tx", "send", node, "metro1xyz", "12 apples"), /cannot read amount/);
    await assert.rejects(
      metroCli("devnet", "--validators", "0", "--home", join(home, "nope")),
      /--validators must be 1 to 16/,
    );
  });
});
