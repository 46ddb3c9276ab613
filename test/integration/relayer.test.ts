import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sequenceMsg } from "../../chain/client/signing.js";
import { broadcastTxs, nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { validatorsAt } from "../../chain/node/signed-block.js";
import { toHex, utf8 } from "../../core/bytes.js";
import { validatorSetHash } from "../../core/comet/hashes.js";
import { createLogger } from "../../core/log.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { CelestiaClient } from "../../relayer/celestia/client.js";
import { readRollupAtDaHeight } from "../../relayer/da-reader.js";
import { BlockGossip } from "../../relayer/gossip.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";
import { METRO_CLI } from "../support/cli.js";
import { randomPortBase, sleep, startNetwork, type TestNetwork, until } from "../support/network.js";

const ROLLUPS = ["relay-one", "relay-two", "relay-three"];
const DA_OUTAGE_MS = Number(process.env.METRO_TEST_DA_OUTAGE_MS ?? 60_000);

function spawnCli(args: string[], logPath: string): ChildProcess {
  const child = spawn(process.execPath, [METRO_CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const log = createWriteStream(logPath, { flags: "a" });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

async function stopProcess(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}

/** Sends one tx per rollup (one account each) every `everyMs` until stopped; returns what was sent. */
function startLoad(rpc: string, everyMs: number) {
  const sent = new Map<string, Uint8Array[]>(ROLLUPS.map((name) => [name, []]));
  let running = true;
  const loop = (async () => {
    const signers = await Promise.all(ROLLUPS.map((_, i) => testSigner(i)));
    for (let n = 0; running; n++) {
      const txs = signers.map((signer, i) => {
        const data = utf8(`${ROLLUPS[i]} #${n} ${"y".repeat(n % 50)}`);
        sent.get(ROLLUPS[i]!)!.push(data);
        return signer.signTx({
          chainId: CHAIN_ID,
          accountNumber: BigInt(i),
          sequence: BigInt(n),
          fee: feeFor(200_000n),
          messages: [sequenceMsg(signer.address, ROLLUPS[i]!, data)],
        });
      });
      for (const outcome of await broadcastTxs(rpc, txs)) {
        assert.ok(outcome.kind === "checked" && outcome.code === 0, JSON.stringify(outcome));
      }
      await sleep(everyMs);
    }
  })();
  return {
    sent,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe("relayer: DA (firm) and gossip (soft), through a DA outage and a relayer crash", () => {
  let net: TestNetwork;
  const home = mkdtempSync(join(tmpdir(), "metro-relayer-test-"));
  const daPort = randomPortBase() + 90;
  const daArgs = ["da", "--home", join(home, "da"), "--port", String(daPort), "--block-time", "500"];
  let da: ChildProcess | undefined;
  let relayer: ChildProcess | undefined;
  let peer: BlockGossip | undefined;

  const relayerArgs = () => [
    "relayer",
    "--node",
    net.rpc(1),
    "--da-url",
    `http://127.0.0.1:${daPort}`,
    "--home",
    join(home, "relayer"),
    "--batch-ms",
    "1000",
    "--peer",
    peer!.addresses()[0]!,
  ];
  const postedThrough = (): number => {
    const path = join(home, "relayer", "relayer-state.json");
    return existsSync(path)
      ? (JSON.parse(readFileSync(path, "utf8")) as { postedThrough: number }).postedThrough
      : 0;
  };

  before(async () => {
    net = await startNetwork(4);
  });

  after(async () => {
    await peer?.stop();
    await stopProcess(relayer);
    await stopProcess(da);
    await net?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("delivers every rollup's exact data both ways, with no height missing", async () => {
    const client = new CelestiaClient({ url: `http://127.0.0.1:${daPort}` });
    da = spawnCli(daArgs, join(home, "da.log"));
    await until("the local DA serves", async () => (await client.networkHead()).height > 0);
    const genesisSet = validatorSetHash(await validatorsAt(net.rpc(0), 1));
    peer = await BlockGossip.start({
      chainId: CHAIN_ID,
      trust: { height: 1n, validatorsHash: genesisSet },
      log: createLogger("peer", "silent"),
    });
    const gossiped = new Map<bigint, Map<string, Uint8Array[]>>();
    peer.onBlock((block) => {
      const byRollup = new Map(block.rollups.map((r) => [toHex(r.rollupId), r.items]));
      if (!gossiped.has(block.header.height)) gossiped.set(block.header.height, byRollup);
    });
    relayer = spawnCli(relayerArgs(), join(home, "relayer.log"));

    const load = startLoad(net.rpc(0), 400);
    await until("the relayer posts", async () => postedThrough() > 2);
    await stopProcess(da);
    await sleep(DA_OUTAGE_MS);
    da = spawnCli(daArgs, join(home, "da.log"));
    await until(
      "the relayer catches up after the outage",
      async () => postedThrough() >= (await nodeStatus(net.rpc(0))).height - 3,
    );

    // kill -9 while blocks are pending, then restart: no gap, no loss.
    await sleep(700);
    await stopProcess(relayer, "SIGKILL");
    await sleep(1500);
    relayer = spawnCli(relayerArgs(), join(home, "relayer.log"));
    await sleep(3000);
    await load.stop();
    // Txs that passed CheckTx are in the next block or the one after.
    const last = (await waitForHeight(net.rpc(0), (await nodeStatus(net.rpc(0))).height + 2)).height;
    await until("the relayer posts every block", async () => postedThrough() >= last);
    await until("gossip delivers every block", async () => gossiped.has(BigInt(last)));

    // Firm: read every DA height back, keep the first copy of each Metro height.
    const firm = new Map<bigint, Map<string, Uint8Array[]>>();
    let duplicates = 0;
    const rejected: string[] = [];
    const head = (await client.networkHead()).height;
    const silent = rollupIdFromName("relay-silent");
    for (let daHeight = 1; daHeight <= head; daHeight++) {
      for (const name of [...ROLLUPS, "relay-silent"]) {
        const id = rollupIdFromName(name);
        const result = await readRollupAtDaHeight(client, daHeight, id, {
          chainId: CHAIN_ID,
          validatorsHash: genesisSet,
        });
        rejected.push(...result.rejected);
        for (const block of result.blocks) {
          const entry = firm.get(block.height) ?? new Map<string, Uint8Array[]>();
          if (entry.has(toHex(id))) {
            duplicates++;
            continue;
          }
          entry.set(toHex(id), block.items);
          firm.set(block.height, entry);
          if (id === silent) assert.deepEqual(block.items, [], "the silent rollup proves it had nothing");
        }
      }
    }
    assert.deepEqual(rejected, [], "nothing the relayer posted fails verification");
    const heights = [...firm.keys()].sort((a, b) => Number(a - b));
    assert.equal(heights[0], 1n);
    assert.equal(heights.length, Number(heights[heights.length - 1]), "no Metro height is missing on the DA");
    assert.ok(heights.length >= last);
    const missingGossip = heights.filter((h) => !gossiped.has(h));
    console.log(
      `relayer test: ${heights.length} heights on DA, ${duplicates / 4} posted twice, not gossiped: ${missingGossip.join(",")}`,
    );

    for (const name of ROLLUPS) {
      const id = toHex(rollupIdFromName(name));
      const expected = load.sent.get(name)!.map(toHex);
      const fromDa = heights.flatMap((h) => firm.get(h)!.get(id) ?? []).map(toHex);
      const fromGossip = [...gossiped.keys()]
        .sort((a, b) => Number(a - b))
        .flatMap((h) => gossiped.get(h)!.get(id) ?? [])
        .map(toHex);
      assert.deepEqual(fromDa, expected, `${name} from DA`);
      assert.deepEqual(fromGossip, expected, `${name} from gossip`);
    }
  });
});
