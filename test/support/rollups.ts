/**
 * A whole rollup stack for end-to-end tests: a real Metro network, the embedded local DA, a
 * relayer with gossip, and rollups whose EVM node and conductor run as their own processes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, defineChain, http, type PublicClient } from "viem";
import { waitForHeight } from "../../chain/node/rpc.js";
import type { ComposerTuning } from "../../conductor/composer/tuning.js";
import type { ConductorConfig } from "../../conductor/config.js";
import {
  createFollowerHome,
  createRollupHome,
  type RollupMetricsPorts,
  RollupProcesses,
} from "../../conductor/rollup-home.js";
import { createLogger } from "../../core/log.js";
import { serveMetrics, serviceRegistry } from "../../core/metrics.js";
import type { LocalDa } from "../../relayer/da/server.js";
import type { Relaying } from "../../relayer/start.js";
import { ethAccount } from "./evm.js";
import { startNetwork, type TestNetwork } from "./network.js";
import { PriceServer } from "./price-server.js";
import { startTestRelaying } from "./relaying.js";

export interface RollupStack {
  net: TestNetwork;
  home: string;
  da: LocalDa;
  daUrl: string;
  relaying: Relaying;
  rollups: Map<string, RollupProcesses>;
  /** With `metrics`: the relayer's and the DA's scrape URLs (the validators' are the devnet's). */
  metricsUrls: { relayer?: string; da?: string };
  /** `composer` tunes the rollup's composer (its defaults otherwise). */
  addRollup(
    name: string,
    chainId: number,
    composerAccountIndex: number,
    composer?: ComposerTuning,
  ): Promise<RollupProcesses>;
  /** A second EVM node and conductor for an existing rollup: a reference that is never stopped. */
  addFollower(of: RollupProcesses, composerAccountIndex: number): Promise<RollupProcesses>;
  stop(): Promise<void>;
}

/** Ports for a rollup's metrics: free ones, picked by the OS. */
async function freeMetricsPorts(): Promise<RollupMetricsPorts> {
  const free = async () => {
    const server = await serveMetrics(serviceRegistry("probe"), { host: "127.0.0.1", port: 0 });
    await server.close();
    return server.port;
  };
  return { evm: await free(), conductor: await free() };
}

/** `metrics` has every process serve Prometheus metrics (rollups on free ports). */
export async function startRollupStack(
  batchIntervalMs = 3000,
  options: { metrics?: boolean } = {},
): Promise<RollupStack> {
  const log = createLogger("test-rollups", "error");
  // The validator's price sidecar: Metro prices TIA/USD in every block, and rollups get it.
  const prices = new PriceServer();
  prices.prices = { "TIA/USD": "5.12345678" };
  const pricesUrl = await prices.start();
  const net = await startNetwork(1, (devnet) => {
    devnet.metrics = options.metrics ?? false;
    for (const spec of devnet.specs) writeFileSync(join(spec.home, "oracle-url"), pricesUrl);
  });
  await waitForHeight(net.rpc(0), 2);
  const home = mkdtempSync(join(tmpdir(), "metro-rollups-"));
  const relayingStack = await startTestRelaying({
    metroRpc: net.rpc(0),
    home,
    batchIntervalMs,
    metrics: options.metrics,
    log,
  });
  const { da, daUrl, relaying, metricsUrls } = relayingStack;
  const rollups = new Map<string, RollupProcesses>();
  const all: RollupProcesses[] = [];
  const launch = async (processes: RollupProcesses) => {
    all.push(processes);
    await processes.start();
    return processes;
  };
  return {
    net,
    home,
    da,
    daUrl,
    relaying,
    rollups,
    metricsUrls,
    async addRollup(name, chainId, composerAccountIndex, composer) {
      const rollupHome = await createRollupHome({
        dir: join(home, name),
        name,
        chainId,
        metroRpc: net.rpc(0),
        daUrl,
        gossipPeers: relaying.gossip.addresses(),
        rpcPort: 0,
        composerAccountIndex,
        ...(composer ? { composer } : {}),
      });
      const ports = options.metrics ? await freeMetricsPorts() : undefined;
      const processes = await launch(new RollupProcesses(rollupHome, log, ports));
      rollups.set(name, processes);
      return processes;
    },
    async addFollower(of, composerAccountIndex) {
      const dir = join(home, `${of.home.genesis.name}-follower`);
      const followerHome = await createFollowerHome(of.home, dir, {
        metroRpc: net.rpc(0),
        daUrl,
        gossipPeers: relaying.gossip.addresses(),
        composerAccountIndex,
      });
      return launch(new RollupProcesses(followerHome, log));
    },
    async stop() {
      await Promise.all(all.map((processes) => processes.stop()));
      await relayingStack.stop();
      await net.stop();
      prices.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export function rollupClients(processes: RollupProcesses, accountIndex = 0) {
  const chain = defineChain({
    id: processes.home.genesis.chainId,
    name: processes.home.genesis.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [processes.rpcUrl] } },
  });
  const transport = http(processes.rpcUrl);
  return {
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 100 }) as PublicClient,
    wallet: createWalletClient({ account: ethAccount(accountIndex), chain, transport }),
  };
}

type RequiredConductorFields = "rollupName" | "metroChainId" | "trust" | "metroRpc" | "daUrl";

/**
 * A conductor config for an in-process conductor: the engine is passed directly (so the
 * execution URL is never used) and, unless said otherwise, no gossip peers and no forks.
 */
export function inProcessConductorConfig(
  config: Pick<ConductorConfig, RequiredConductorFields> & Partial<ConductorConfig>,
): ConductorConfig {
  return {
    daStartHeight: 1,
    executionUrl: "http://127.0.0.1:1",
    gossip: { port: 0, peers: [] },
    gossipGraceMs: 1500,
    forks: [],
    ...config,
  };
}
