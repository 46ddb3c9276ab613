import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../chain/log.js";
import { Devnet } from "../../chain/node/devnet.js";
import { blockAt, waitForHeight } from "../../chain/node/rpc.js";

export interface TestNetwork {
  devnet: Devnet;
  home: string;
  rpc: (index?: number) => string;
  stop: () => Promise<void>;
}

/** A port base in 20000–59999 that differs between runs, so parallel or stale runs rarely clash. */
function randomPortBase(): number {
  return 20_000 + 100 * Math.floor(Math.random() * 400);
}

/** Starts a real CometBFT network of `validators` Metro validators on loopback, in a temp dir. */
export async function startNetwork(validators: number): Promise<TestNetwork> {
  const home = mkdtempSync(join(tmpdir(), "metro-test-"));
  const devnet = await Devnet.create({
    home,
    validators,
    portBase: randomPortBase(),
    fresh: false,
    log: createLogger("test-devnet", "error"),
  });
  await devnet.start();
  for (let i = 0; i < validators; i++) await waitForHeight(devnet.rpcUrl(i), 2);
  return {
    devnet,
    home,
    rpc: (index = 0) => devnet.rpcUrl(index),
    stop: async () => {
      await devnet.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The app hash each node's header reports at `height` (one per rpc URL). */
export async function appHashesAt(rpcUrls: readonly string[], height: number): Promise<string[]> {
  return Promise.all(rpcUrls.map(async (url) => (await blockAt(url, height)).appHash));
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
