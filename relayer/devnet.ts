/**
 * The relaying half of `metro devnet`: the embedded local DA (unless a real Celestia node is
 * given) and a relayer with gossip, in the devnet's own process, so the main job needs
 * nothing external.
 */
import { join } from "node:path";
import { DEFAULT_HOST } from "../core/listen.js";
import type { Logger } from "../core/log.js";
import { type MetricsListen, type MetricsServer, serveServiceMetrics } from "../core/metrics.js";
import { DEFAULT_DA_PORT, LocalDa } from "./da/server.js";
import type { BlockGossip } from "./gossip.js";
import { registerDaMetrics, registerRelayerMetrics } from "./metrics.js";
import type { Relayer } from "./relayer.js";
import { startRelaying } from "./start.js";

export interface DevnetRelayingOptions {
  home: string;
  chainId: string;
  metroRpc: string;
  /** A real celestia-node instead of the local DA. */
  daUrl?: string;
  daToken?: string;
  /** The embedded DA's port (default 26658, celestia-node's). */
  daPort?: number;
  /** Loopback ports for the relayer's and the embedded DA's metrics (none when not given). */
  metricsPorts?: { relayer: number; da: number };
  log: Logger;
}

export interface DevnetRelaying {
  daUrl: string;
  localDa: boolean;
  gossip: BlockGossip;
  relayer: Relayer;
  /** Scrape URLs of the relayer's and the embedded DA's metrics, when served. */
  metricsUrls: { relayer?: string; da?: string };
  stop: () => Promise<void>;
}

export async function startDevnetRelaying(options: DevnetRelayingOptions): Promise<DevnetRelaying> {
  let localDa: LocalDa | undefined;
  let daMetrics: MetricsServer | undefined;
  let relayerMetrics: MetricsServer | undefined;
  let stopRelaying: (() => Promise<void>) | undefined;
  // Whatever fails part way stops what already runs.
  const stop = async () => {
    await relayerMetrics?.close();
    await stopRelaying?.();
    await daMetrics?.close();
    await localDa?.close();
  };
  try {
    let daUrl = options.daUrl;
    if (!daUrl) {
      const da = new LocalDa({ dataDir: join(options.home, "da"), blockTimeMs: 1000, log: options.log });
      localDa = da;
      daUrl = `http://127.0.0.1:${await da.listen(options.daPort ?? DEFAULT_DA_PORT)}`;
      daMetrics = await serveServiceMetrics("metro-da", metricsAt(options.metricsPorts?.da), (registry) =>
        registerDaMetrics(registry, da),
      );
    }
    const {
      gossip,
      relayer,
      stop: stopRelayer,
    } = await startRelaying({
      chainId: options.chainId,
      metroRpc: options.metroRpc,
      daUrl,
      daToken: options.daToken,
      statePath: join(options.home, "relayer", "relayer-state.json"),
      batchIntervalMs: 2000,
      log: options.log,
    });
    stopRelaying = stopRelayer;
    relayerMetrics = await serveServiceMetrics(
      "metro-relayer",
      metricsAt(options.metricsPorts?.relayer),
      (registry) => registerRelayerMetrics(registry, relayer, gossip),
    );
    return {
      daUrl,
      localDa: localDa !== undefined,
      gossip,
      relayer,
      metricsUrls: { relayer: relayerMetrics?.url, da: daMetrics?.url },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function metricsAt(port: number | undefined): MetricsListen | undefined {
  return port === undefined ? undefined : { host: DEFAULT_HOST, port };
}
