import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTemporaryDevnet } from "../chain/node/devnet.js";
import { devnetAppState, type HomeSpec, initValidatorHomes } from "../chain/node/home.js";
import { spawnComet } from "../chain/node/process.js";
import { waitForHeight } from "../chain/node/rpc.js";
import { createLogger } from "../core/log.js";

export interface BenchNetwork {
  rpcUrl: (index: number) => string;
  stop: () => Promise<void>;
}

const PORT_BASE = 41_000;

export async function startMetro(validators: number): Promise<BenchNetwork> {
  const { devnet, stop } = await startTemporaryDevnet(validators, PORT_BASE, createLogger("bench", "error"));
  return {
    rpcUrl: (i) => devnet.rpcUrl(i),
    stop: () => stop({ keepHome: Boolean(process.env.BENCH_KEEP_HOME) }),
  };
}

/**
 * How the kvstore baseline reaches CometBFT: `in-process` is CometBFT's built-in kvstore (the
 * issue's baseline); `socket` is the same app served by CometBFT's abci-cli over the ABCI
 * socket, as Metro is, so the ratio against it leaves out what the transport costs.
 */
export type KvstoreTransport = "in-process" | "socket";

/** The same CometBFT, same config and ports, with its kvstore app as the baseline. */
export async function startKvstore(validators: number, transport: KvstoreTransport): Promise<BenchNetwork> {
  const home = mkdtempSync(join(tmpdir(), "kvstore-bench-"));
  const specs: HomeSpec[] = Array.from({ length: validators }, (_, i) => ({
    home: join(home, `node${i}`),
    moniker: `kvstore-${i}`,
    ports: { p2p: PORT_BASE + 10 * i, rpc: PORT_BASE + 10 * i + 1 },
  }));
  const socketOf = (spec: HomeSpec) => `unix://${join(spec.home, "kvstore.sock")}`;
  initValidatorHomes(specs, "kvstore-bench", devnetAppState([]), (spec) =>
    transport === "socket" ? socketOf(spec) : "kvstore",
  );
  const apps =
    transport === "socket" ? await Promise.all(specs.map((spec) => serveKvstore(socketOf(spec)))) : [];
  const children: ChildProcess[] = [...apps, ...specs.map((spec) => spawnComet(spec.home, "ignore"))];
  const rpcUrl = (i: number): string => `http://127.0.0.1:${specs[i]!.ports.rpc}`;
  await waitForHeight(rpcUrl(0), 2);
  return {
    rpcUrl,
    stop: async () => {
      await Promise.all(
        children.map((child) => {
          if (child.exitCode !== null || child.signalCode !== null) return undefined;
          child.kill("SIGTERM");
          return new Promise((resolve) => child.once("exit", resolve));
        }),
      );
      rmSync(home, { recursive: true, force: true });
    },
  };
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** CometBFT's abci-cli serving its kvstore on `address`, built on first use (same pinned version). */
async function serveKvstore(address: string): Promise<ChildProcess> {
  const abciCli = join(repoRoot, "bin", "abci-cli");
  if (!existsSync(abciCli)) {
    execFileSync(process.execPath, [join(repoRoot, "scripts", "install-cometbft.mjs"), "abci-cli"], {
      stdio: "inherit",
    });
  }
  const child = spawn(abciCli, ["kvstore", "--address", address, "--log_level", "error"], {
    stdio: "ignore",
  });
  const path = new URL(address).pathname;
  const deadline = Date.now() + 10_000;
  while (!existsSync(path)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`abci-cli kvstore did not start listening on ${address}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}
