import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { abciCliBinary } from "../chain/node/cometbft.js";
import { startTemporaryDevnet } from "../chain/node/devnet.js";
import { devnetAppState, type HomeSpec, initValidatorHomes } from "../chain/node/home.js";
import { spawnComet, stopChild, waitForSocket } from "../chain/node/process.js";
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
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    rmSync(home, { recursive: true, force: true });
  };
  const rpcUrl = (i: number): string => `http://127.0.0.1:${specs[i]!.ports.rpc}`;
  try {
    if (transport === "socket") {
      for (const spec of specs) children.push(await serveKvstore(socketOf(spec)));
    }
    for (const spec of specs) children.push(spawnComet(spec.home, "ignore"));
    await waitForHeight(rpcUrl(0), 2);
  } catch (error) {
    await stop();
    throw error;
  }
  return { rpcUrl, stop };
}

/** CometBFT's abci-cli serving its kvstore on `address`, built on first use (same pinned version). */
async function serveKvstore(address: string): Promise<ChildProcess> {
  const child = spawn(abciCliBinary(), ["kvstore", "--address", address, "--log_level", "error"], {
    stdio: "ignore",
  });
  try {
    await waitForSocket(new URL(address).pathname, child, 10_000);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return child;
}
