import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { createPublicClient, createWalletClient, defineChain, http, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { METRO_CLI, metroCli } from "../support/cli.js";
import { randomPortBase, sleep, until } from "../support/network.js";

const run = promisify(execFile);

async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(body.error.message);
  return body.result as T;
}

describe("npm run devnet with its rollup, and metro rollup deploy", () => {
  const home = mkdtempSync(join(tmpdir(), "metro-devnet-cli-"));
  const portBase = randomPortBase();
  const rollupPort = portBase + 90;
  const dashboardPort = portBase + 85;
  let devnet: ChildProcess | undefined;
  let output = "";

  const startDevnet = () => {
    output = "";
    devnet = spawn(
      process.execPath,
      [
        METRO_CLI,
        "devnet",
        "--home",
        home,
        "--port-base",
        String(portBase),
        "--rest-port",
        "0",
        "--dashboard-port",
        String(dashboardPort),
        "--rollup-rpc-port",
        String(rollupPort),
        "--da-port",
        String(portBase + 95),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    devnet.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    devnet.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
  };

  const stopDevnet = async () => {
    if (!devnet || devnet.exitCode !== null) return;
    const exited = new Promise((resolve) => devnet!.once("exit", resolve));
    devnet.kill("SIGINT");
    await exited;
  };

  const waitFor = async (pattern: RegExp, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (Date.now() > deadline || devnet?.exitCode !== null)
        throw new Error(`devnet never printed ${pattern}:\n${output}`);
      await sleep(200);
    }
  };

  after(async () => {
    await stopDevnet();
    rmSync(home, { recursive: true, force: true });
  });

  it("starts rollup devnet on its RPC port, deploys gm beside it, and its faucet funds a new user", async () => {
    startDevnet();
    await waitFor(new RegExp(`rollup devnet: EVM chain id 1337, RPC http://127.0.0.1:${rollupPort}`));
    assert.equal(await rpc(`http://127.0.0.1:${rollupPort}`, "eth_chainId", []), "0x539");
    // Every metrics URL it printed answers: the validator's app, CometBFT and sidecar, the
    // relayer, the local DA, and the rollup's EVM node and conductor.
    const metricsUrls = [...output.matchAll(/^ {4}(.+?) +(http:\/\/127\.0\.0\.1:\d+\/metrics)$/gm)];
    assert.deepEqual(
      metricsUrls.map(([, what]) => what),
      [
        "validator 0 app",
        "validator 0 CometBFT",
        "validator 0 oracle sidecar",
        "relayer",
        "local DA",
        "rollup devnet EVM",
        "rollup devnet conductor",
      ],
      output,
    );
    // The conductor serves its metrics once it has reached its engine: a moment after the RPC.
    for (const [, what, url] of metricsUrls) {
      await until(
        `${what} serves ${url}`,
        async () => {
          const response = await fetch(url!);
          return response.status === 200 && /^# HELP /m.test(await response.text());
        },
        30_000,
      );
    }
    assert.ok(output.includes(`[7/7] 1 rollup(s) up`), output);
    // The dashboard reads the devnet's node, REST and DA, every metrics URL it printed (the
    // relayer's and the DA's for their progress), and offers its chain to Keplr.
    const dashboard = `http://127.0.0.1:${dashboardPort}`;
    assert.ok(output.includes(`dashboard: ${dashboard}`), output);
    type Health = { name: string; url: string; up: boolean };
    type State = {
      endpoints: Health[];
      metrics: Health[];
      chainInfo?: { chainId: string };
      relayer: { progress?: { postedThrough: number } };
      da: { metroFoundThrough?: number };
    };
    let state: State = { endpoints: [], metrics: [], relayer: {}, da: {} };
    const allUp = (list: Health[], count: number) => list.length === count && list.every((e) => e.up);
    const read = (s: State) =>
      allUp(s.endpoints, 3) &&
      allUp(s.metrics, metricsUrls.length) &&
      s.chainInfo &&
      s.relayer.progress?.postedThrough &&
      s.da.metroFoundThrough;
    for (let i = 0; i < 100 && !read(state); i++) {
      await sleep(200);
      state = (await (await fetch(`${dashboard}/api/state`)).json()) as State;
    }
    assert.ok(allUp(state.endpoints, 3), JSON.stringify(state.endpoints));
    assert.deepEqual(
      state.metrics.map((e) => [e.name, e.url, e.up]).sort(),
      metricsUrls.map(([, what, url]) => [what, url, true]).sort(),
    );
    assert.equal(state.chainInfo?.chainId, "metro-devnet-1");
    assert.ok(state.relayer.progress!.postedThrough > 0, "the relayer's metrics say it posts");
    assert.ok(state.da.metroFoundThrough! > 0, "the relayer's postings are found on the DA");

    const stdout = await metroCli(
      "rollup",
      "deploy",
      "--name",
      "gm",
      "--chain-id",
      "7777777",
      "--devnet-home",
      home,
    );
    const url = /RPC: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    assert.ok(url, stdout);
    await assert.rejects(
      metroCli("rollup", "deploy", "--name", "gm", "--chain-id", "7777778", "--devnet-home", home),
      /already exists/,
    );

    const chain = defineChain({
      id: 7777777,
      name: "gm",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [url] } },
    });
    const publicClient = createPublicClient({ chain, transport: http(url), pollingInterval: 100 });
    const user = privateKeyToAccount(generatePrivateKey());
    const funding = await rpc<`0x${string}`>(url, "metro_faucet", [user.address]);
    await publicClient.waitForTransactionReceipt({ hash: funding });
    assert.equal(await publicClient.getBalance({ address: user.address }), parseEther("10"));
    const wallet = createWalletClient({ account: user, chain, transport: http(url) });
    const sent = await wallet.sendTransaction({
      to: "0x000000000000000000000000000000000000dEaD",
      value: parseEther("1"),
    });
    assert.equal((await publicClient.waitForTransactionReceipt({ hash: sent })).status, "success");
  });

  it("stops every process on Ctrl-C and resumes both rollups on the next run", async () => {
    await stopDevnet();
    const { stdout: left } = await run("ps", ["-eo", "args"]);
    assert.ok(!left.includes(home), `nothing of the devnet keeps running:\n${left}`);
    startDevnet();
    await waitFor(/rollup gm: EVM chain id 7777777, RPC (http:\/\/127\.0\.0\.1:\d+)/);
    const gmUrl = /rollup gm: EVM chain id 7777777, RPC (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
    const head = BigInt(await rpc<string>(gmUrl, "eth_blockNumber", []));
    assert.ok(head > 0n, "gm kept its blocks");
    const deadline = Date.now() + 30_000;
    while (BigInt(await rpc<string>(gmUrl, "eth_blockNumber", [])) <= head + 2n) {
      assert.ok(Date.now() < deadline, "gm keeps making blocks after the restart");
      await sleep(200);
    }
  });
});
