import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { z } from "zod";
import { HeightPrunedError, rpcGet } from "../../chain/index.js";
import { CelestiaClient } from "../../relayer/celestia/client.js";
import { LocalDa } from "../../relayer/da/server.js";
import { Relayer } from "../../relayer/relayer.js";

const CHAIN_ID = "metro-pruned-test";
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "metro-relayer-pruned-"));
  dirs.push(dir);
  return dir;
}

interface LogLine {
  level: number;
  msg: string;
  height?: number;
  lowestHeight?: number;
}

function capturingLogger() {
  const lines: LogLine[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines, errors: () => lines.filter((line) => line.level >= 50) };
}

/** A CometBFT RPC whose block store starts at `lowest`: below it, what CometBFT 0.38 answers. */
async function prunedNode(head: number, lowest: number) {
  const requests = { block: 0 };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === "/status") {
      response.end(
        JSON.stringify({
          result: {
            node_info: { network: CHAIN_ID },
            sync_info: { latest_block_height: String(head), latest_app_hash: "", catching_up: false },
          },
        }),
      );
      return;
    }
    if (url.pathname === "/block") requests.block++;
    const height = url.searchParams.get("height");
    response.writeHead(500, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        jsonrpc: "2.0",
        id: -1,
        error: {
          code: -32603,
          message: "Internal error",
          data: `height ${height} is not available, lowest height is ${lowest}`,
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function relayerOn(metroRpc: string, daUrl: string, statePath: string, log: pino.Logger) {
  return new Relayer({
    chainId: CHAIN_ID,
    metroRpc,
    da: new CelestiaClient({ url: daUrl }),
    statePath,
    batchIntervalMs: 20,
    limits: { maxBlobBytes: 1_000_000 },
    log,
    pollMs: 5,
    prunedRetryMs: 5,
  });
}

describe("the relayer and pruned heights", () => {
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("reads CometBFT's answer for a pruned height as HeightPrunedError", async () => {
    const node = await prunedNode(200, 101);
    try {
      const refused = await rpcGet(`${node.url}/block?height=5`, z.object({ result: z.object({}) })).then(
        () => assert.fail("a pruned height answered"),
        (error: unknown) => error,
      );
      assert.ok(refused instanceof HeightPrunedError, String(refused));
      assert.equal(refused.height, 5);
      assert.equal(refused.lowestHeight, 101);
    } finally {
      await close(node.server);
    }
  });

  it("neither skips a height its node has pruned nor spins silently: one clear error, a stat, retries", async () => {
    const node = await prunedNode(200, 101);
    const statePath = join(tempDir(), "relayer-state.json");
    writeFileSync(statePath, JSON.stringify({ postedThrough: 4, lastDaHeight: 0 }));
    const { log, errors } = capturingLogger();
    const relayer = relayerOn(node.url, "http://127.0.0.1:9", statePath, log);
    await relayer.start();
    try {
      await until(() => node.requests.block >= 10);
      assert.equal(relayer.stats.blockedOnPrunedHeight, 5, "the stat names the height it waits for");
      assert.equal(relayer.stats.nodeLowestHeight, 101);
      assert.equal(relayer.stats.followedThrough, 4, "nothing past the pruned height was read");
      assert.equal(relayer.stats.postedThrough, 4);
      const logged = errors();
      assert.equal(logged.length, 1, "one error, however often it retries");
      assert.equal(logged[0]!.height, 5);
      assert.equal(logged[0]!.lowestHeight, 101);
      assert.match(
        logged[0]!.msg,
        /pruned height 5 .*keeps heights from 101.*will not skip.*min_retain_blocks/,
      );
    } finally {
      await relayer.stop();
      await close(node.server);
    }
  });

  it("resumes its startup scan at a pruned DA's lowest height instead of retrying forever", async () => {
    const da = new LocalDa({
      dataDir: tempDir(),
      blockTimeMs: 3_600_000,
      keepHeights: 3,
      log: pino({ level: "silent" }),
    });
    const daPort = await da.listen(0);
    for (let i = 0; i < 10; i++) (da as unknown as { produceBlock(): void }).produceBlock();
    const node = await prunedNode(200, 101);
    const statePath = join(tempDir(), "relayer-state.json");
    writeFileSync(statePath, JSON.stringify({ postedThrough: 4, lastDaHeight: 2 }));
    const { log, lines } = capturingLogger();
    const relayer = relayerOn(node.url, `http://127.0.0.1:${daPort}`, statePath, log);
    try {
      await relayer.start();
      const skipped = lines.find((line) => /scan resumes at the DA's lowest height/.test(line.msg));
      assert.ok(skipped, "the pruned DA heights are reported");
      assert.equal(relayer.stats.daFailures, 0, "a pruned height is not retried");
      assert.equal(relayer.stats.postedThrough, 4);
    } finally {
      await relayer.stop();
      await close(node.server);
      await da.close();
    }
  });
});
