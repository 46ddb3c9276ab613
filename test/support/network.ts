import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, type DevnetOptions, startTemporaryDevnet } from "../../chain/node/devnet.js";
import { blockAt, waitForHeight } from "../../chain/node/rpc.js";
import { createLogger } from "../../core/log.js";

export interface TestNetwork {
  devnet: Devnet;
  rpc: (index?: number) => string;
  stop: () => Promise<void>;
}

const PORT_SLOTS = 127;
const SLOT_DIR = join(tmpdir(), "metro-test-port-slots");

/**
 * A port base in 20000–32699 that no other running test holds: test files run in parallel, each in
 * its own process, and a devnet spans 100 ports from its base. A slot is claimed by creating its
 * file (exclusive), released when the process exits; a slot whose holder died is taken over. The
 * range stays below Linux's ephemeral ports (32768 up), where outgoing connections take theirs.
 */
export function randomPortBase(): number {
  mkdirSync(SLOT_DIR, { recursive: true });
  const start = Math.floor(Math.random() * PORT_SLOTS);
  for (let i = 0; i < PORT_SLOTS; i++) {
    const slot = (start + i) % PORT_SLOTS;
    if (claimSlot(join(SLOT_DIR, String(slot)))) return 20_000 + 100 * slot;
  }
  throw new Error(`all ${PORT_SLOTS} test port slots in ${SLOT_DIR} are held by running processes`);
}

function claimSlot(path: string): boolean {
  try {
    writeFileSync(path, String(process.pid), { flag: "wx" });
  } catch {
    if (holderAlive(path)) return false;
    rmSync(path, { force: true });
    return claimSlot(path);
  }
  process.once("exit", () => rmSync(path, { force: true }));
  return true;
}

function holderAlive(path: string): boolean {
  const pid = Number(readFileSync(path, "utf8"));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
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

/** The app hash each node's header reports at `height` (one per rpc URL), once each has it. */
export async function appHashesAt(rpcUrls: readonly string[], height: number): Promise<string[]> {
  await Promise.all(rpcUrls.map((url) => waitForHeight(url, height)));
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
