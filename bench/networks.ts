import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../chain/log.js";
import { startTemporaryDevnet } from "../chain/node/devnet.js";
import { devnetAppState, type HomeSpec, initValidatorHomes } from "../chain/node/home.js";
import { spawnComet } from "../chain/node/process.js";
import { waitForHeight } from "../chain/node/rpc.js";

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

/** The same CometBFT, same config and ports, with its built-in kvstore app as the baseline. */
export async function startKvstore(validators: number): Promise<BenchNetwork> {
  const home = mkdtempSync(join(tmpdir(), "kvstore-bench-"));
  const specs: HomeSpec[] = Array.from({ length: validators }, (_, i) => ({
    home: join(home, `node${i}`),
    moniker: `kvstore-${i}`,
    ports: { p2p: PORT_BASE + 10 * i, rpc: PORT_BASE + 10 * i + 1 },
  }));
  initValidatorHomes(specs, "kvstore-bench", devnetAppState([]), () => "kvstore");
  const children: ChildProcess[] = specs.map((spec) => spawnComet(spec.home, "ignore"));
  const rpcUrl = (i: number): string => `http://127.0.0.1:${specs[i]!.ports.rpc}`;
  await waitForHeight(rpcUrl(0), 2);
  return {
    rpcUrl,
    stop: async () => {
      await Promise.all(
        children.map((child) => {
          child.kill("SIGTERM");
          return new Promise((resolve) => child.once("exit", resolve));
        }),
      );
      rmSync(home, { recursive: true, force: true });
    },
  };
}
