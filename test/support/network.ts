import { type Devnet, type DevnetOptions, startTemporaryDevnet } from "../../chain/node/devnet.js";
import { blockAt } from "../../chain/node/rpc.js";
import { createLogger } from "../../core/log.js";

export interface TestNetwork {
  devnet: Devnet;
  rpc: (index?: number) => string;
  stop: () => Promise<void>;
}

/**
 * A port base in 20000–32699 that differs between runs, so parallel or stale runs rarely clash.
 * It stays below Linux's ephemeral range (32768 up), where outgoing connections take ports.
 */
export function randomPortBase(): number {
  return 20_000 + 100 * Math.floor(Math.random() * 127);
}

/** Starts a real CometBFT network of `validators` Metro validators on loopback, in a temp dir. */
export async function startNetwork(
  validators: number,
  beforeStart?: (devnet: Devnet) => void,
  genesis?: DevnetOptions["genesis"],
): Promise<TestNetwork> {
  const { devnet, stop } = await startTemporaryDevnet(
    validators,
    randomPortBase(),
    createLogger("test-devnet", "error"),
    beforeStart,
    genesis,
  );
  return { devnet, rpc: (index = 0) => devnet.rpcUrl(index), stop: () => stop() };
}

/** The app hash each node's header reports at `height` (one per rpc URL). */
export async function appHashesAt(rpcUrls: readonly string[], height: number): Promise<string[]> {
  return Promise.all(rpcUrls.map(async (url) => (await blockAt(url, height)).appHash));
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` (an error counts as "not yet") until it holds; throws after `timeoutMs`. */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 120_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(condition)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(everyMs);
  }
}
