/** The embedded local DA and a relayer with gossip beside a test network, with their metrics when asked. */
import { join } from "node:path";
import type { Registry } from "prom-client";
import { DEVNET_CHAIN_ID } from "../../chain/node/home.js";
import type { Logger } from "../../core/log.js";
import { type MetricsServer, serveMetrics, serviceRegistry } from "../../core/metrics.js";
import { LocalDa } from "../../relayer/da/server.js";
import { registerDaMetrics, registerRelayerMetrics } from "../../relayer/metrics.js";
import { type Relaying, startRelaying } from "../../relayer/start.js";

export interface TestRelaying {
  da: LocalDa;
  daUrl: string;
  relaying: Relaying;
  /** With `metrics`: the relayer's and the DA's scrape URLs, on free ports. */
  metricsUrls: { relayer?: string; da?: string };
  stop(): Promise<void>;
}

export interface TestRelayingOptions {
  metroRpc: string;
  /** Where the DA's data and the relayer's state go. */
  home: string;
  batchIntervalMs: number;
  metrics?: boolean;
  log: Logger;
}

export async function startTestRelaying(options: TestRelayingOptions): Promise<TestRelaying> {
  const { home, log } = options;
  const da = new LocalDa({ dataDir: join(home, "da"), blockTimeMs: 500, log });
  const daUrl = `http://127.0.0.1:${await da.listen(0)}`;
  const relaying = await startRelaying({
    chainId: DEVNET_CHAIN_ID,
    metroRpc: options.metroRpc,
    daUrl,
    statePath: join(home, "relayer", "state.json"),
    batchIntervalMs: options.batchIntervalMs,
    log,
  });
  const servers: MetricsServer[] = [];
  const metricsUrls: TestRelaying["metricsUrls"] = {};
  const serve = async (service: string, register: (registry: Registry) => void) => {
    const registry = serviceRegistry(service);
    register(registry);
    const server = await serveMetrics(registry, { host: "127.0.0.1", port: 0 });
    servers.push(server);
    return server.url;
  };
  if (options.metrics) {
    metricsUrls.relayer = await serve("metro-relayer", (r) =>
      registerRelayerMetrics(r, relaying.relayer, relaying.gossip),
    );
    metricsUrls.da = await serve("metro-da", (r) => registerDaMetrics(r, da));
  }
  return {
    da,
    daUrl,
    relaying,
    metricsUrls,
    async stop() {
      await Promise.all(servers.map((server) => server.close()));
      await relaying.stop();
      await da.close();
    },
  };
}
