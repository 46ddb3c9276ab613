/**
 * The relayer's and the DA's progress, and every metrics endpoint's health. Sources: the
 * relayer's and the local DA's Prometheus metrics, and the DA's JSON-RPC (its head, and how far
 * Metro's namespace holds the chain). Each is read on its own, so one down leaves the others
 * live; a panel whose source failed keeps its last reading beside the error.
 */
import { z } from "zod";
import { DaWatcher } from "./da.js";
import { MetricsReadError, readMetrics, scrape } from "./prometheus.js";
import {
  type DaMetrics,
  type DaView,
  type EndpointHealth,
  endpointHealth,
  type MetricsEndpoint,
  type RelayerProgress,
  type RelayerView,
} from "./snapshot.js";

const count = z.number().nonnegative();

const RelayerMetricsSchema = z
  .object({
    metro_relayer_metro_height: count,
    metro_relayer_gossip_lag_blocks: count,
    metro_relayer_posted_through: count,
    metro_relayer_da_lag_blocks: count,
    metro_relayer_posts_total: count,
    metro_relayer_retries_total: count,
    metro_relayer_posted_bytes_total: count,
    metro_relayer_raw_bytes_total: count,
    metro_gossip_peers: count,
  })
  .transform(
    (m): RelayerProgress => ({
      metroHeight: m.metro_relayer_metro_height,
      gossipedThrough: m.metro_relayer_metro_height - m.metro_relayer_gossip_lag_blocks,
      postedThrough: m.metro_relayer_posted_through,
      daLag: m.metro_relayer_da_lag_blocks,
      posts: m.metro_relayer_posts_total,
      retries: m.metro_relayer_retries_total,
      postedBytes: m.metro_relayer_posted_bytes_total,
      rawBytes: m.metro_relayer_raw_bytes_total,
      peers: m.metro_gossip_peers,
    }),
  );

const DaMetricsSchema = z
  .object({
    metro_da_height: count,
    metro_da_pending_blobs: count,
    metro_da_blobs_total: count,
    metro_da_blob_bytes_total: count,
  })
  .transform(
    (m): DaMetrics => ({
      height: m.metro_da_height,
      pendingBlobs: m.metro_da_pending_blobs,
      blobs: m.metro_da_blobs_total,
      blobBytes: m.metro_da_blob_bytes_total,
    }),
  );

/** Any other endpoint only has to answer Prometheus text: one sample at least. */
const AnyMetricsSchema = z.record(z.string(), z.number()).refine((sums) => Object.keys(sums).length > 0);

export interface ProgressSources {
  /** Prometheus endpoints to list with their health (the relayer's and the DA's are added). */
  metrics?: MetricsEndpoint[];
  relayerMetrics?: string;
  daMetrics?: string;
  /** The DA's JSON-RPC (celestia-node's API, or the local DA). */
  daUrl?: string;
  daToken?: string;
}

export interface ProgressRead {
  relayer: RelayerView;
  da: DaView;
  metrics: EndpointHealth[];
  /** The DA JSON-RPC's health, for the page's list of what the dashboard reads. */
  daRpc?: EndpointHealth;
  errors: { relayer?: string; da?: string };
}

const describe = (error: unknown): string => (error as Error).message ?? String(error);

export class ProgressReader {
  private readonly watcher: DaWatcher | undefined;
  private readonly endpoints: MetricsEndpoint[] = [];
  private readonly relayer: RelayerView;
  private readonly da: DaView;

  constructor(private readonly sources: ProgressSources) {
    this.watcher = sources.daUrl ? new DaWatcher(sources.daUrl, sources.daToken) : undefined;
    this.relayer = { metricsUrl: sources.relayerMetrics };
    this.da = { url: sources.daUrl, metricsUrl: sources.daMetrics };
    if (sources.relayerMetrics) this.watch({ name: "relayer", url: sources.relayerMetrics });
    if (sources.daMetrics) this.watch({ name: "local DA", url: sources.daMetrics });
    for (const endpoint of sources.metrics ?? []) this.watch(endpoint);
  }

  /** Lists one more endpoint (a rollup deployed later); a URL already listed is not listed twice. */
  watch(endpoint: MetricsEndpoint): void {
    if (!this.endpoints.some((e) => e.url === endpoint.url)) this.endpoints.push(endpoint);
  }

  /** Scrapes every endpoint at once and reads the DA; `chainId` names Metro's namespace there. */
  async read(chainId: string | undefined): Promise<ProgressRead> {
    const errors: ProgressRead["errors"] = {};
    const metrics = await Promise.all(
      this.endpoints.map(async ({ name, url }) => {
        try {
          await this.readEndpoint(url);
          return endpointHealth(name, url);
        } catch (error) {
          if (url === this.sources.relayerMetrics) errors.relayer = describe(error);
          if (url === this.sources.daMetrics) errors.da = describe(error);
          return endpointHealth(name, url, describe(error));
        }
      }),
    );
    const daRpc = await this.readDaRpc(chainId, errors);
    return { relayer: { ...this.relayer }, da: { ...this.da }, metrics, daRpc, errors };
  }

  private async readEndpoint(url: string): Promise<void> {
    const sums = await scrape(url);
    if (url === this.sources.relayerMetrics) {
      this.relayer.progress = readMetrics(url, sums, RelayerMetricsSchema, "a Metro relayer's metrics");
    } else if (url === this.sources.daMetrics) {
      this.da.metrics = readMetrics(url, sums, DaMetricsSchema, "the local DA's metrics");
    } else if (!AnyMetricsSchema.safeParse(sums).success) {
      throw new MetricsReadError(`${url} answered no Prometheus samples`);
    }
  }

  private async readDaRpc(
    chainId: string | undefined,
    errors: ProgressRead["errors"],
  ): Promise<EndpointHealth | undefined> {
    const { watcher } = this;
    if (!watcher) return undefined;
    const name = "DA (Celestia JSON-RPC)";
    // Metro's namespace is named by its chain id: until the node has told it, only wait.
    if (!chainId) return endpointHealth(name, watcher.url, "waiting for Metro's chain id");
    try {
      const read = await watcher.read(chainId);
      Object.assign(this.da, {
        head: read.daHead,
        metroFoundThrough: read.relayerPostedThrough,
        metroFoundAt: read.relayerDaHeight,
      });
      return endpointHealth(name, watcher.url);
    } catch (error) {
      errors.da = [describe(error), errors.da].filter(Boolean).join("; ");
      return endpointHealth(name, watcher.url, describe(error));
    }
  }
}
