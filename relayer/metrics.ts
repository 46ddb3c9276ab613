/** The relayer's and the local DA's Prometheus metrics, read from their stats when scraped. */
import type { Registry } from "prom-client";
import { readCounter, readGauge, readLabeledCounter, readLabeledGauge } from "../core/metrics.js";
import type { LocalDa } from "./da/server.js";
import type { BlockGossip } from "./gossip.js";
import type { Relayer } from "./relayer.js";

export function registerRelayerMetrics(registry: Registry, relayer: Relayer, gossip: BlockGossip): void {
  const { stats } = relayer;
  readGauge(registry, "metro_relayer_metro_height", "Metro's head as last seen", () => stats.metroHeight);
  readGauge(registry, "metro_relayer_gossip_lag_blocks", "Metro heights not yet read and gossiped", () =>
    Math.max(0, stats.metroHeight - stats.followedThrough),
  );
  readGauge(registry, "metro_relayer_da_lag_blocks", "Metro heights not yet posted to the DA", () =>
    Math.max(0, stats.metroHeight - stats.postedThrough),
  );
  readGauge(
    registry,
    "metro_relayer_gossiped_through",
    "Last Metro height published on gossip",
    () => stats.gossipedThrough,
  );
  readGauge(
    registry,
    "metro_relayer_posted_through",
    "Last Metro height posted to the DA",
    () => stats.postedThrough,
  );
  readGauge(
    registry,
    "metro_relayer_blocked_on_pruned_height",
    "Next height to post that the Metro node has pruned (0: not blocked)",
    () => stats.blockedOnPrunedHeight,
  );
  readCounter(registry, "metro_relayer_posts_total", "DA submissions", () => stats.submissions);
  readCounter(
    registry,
    "metro_relayer_retries_total",
    "DA calls that failed and were retried",
    () => stats.daFailures,
  );
  readCounter(
    registry,
    "metro_relayer_posted_bytes_total",
    "Compressed bytes posted to the DA",
    () => stats.compressedBytes,
  );
  readCounter(
    registry,
    "metro_relayer_raw_bytes_total",
    "SequencerBlock bytes before compression",
    () => stats.rawBytes,
  );
  readCounter(registry, "metro_relayer_gossiped_total", "Blocks published on gossip", () => stats.gossiped);
  const seconds = (ms: number) => ms / 1000;
  readCounter(registry, "metro_relayer_read_seconds_total", "Time reading blocks from the node", () =>
    seconds(stats.readMs),
  );
  readCounter(registry, "metro_relayer_build_seconds_total", "Time building SequencerBlocks", () =>
    seconds(stats.buildMs),
  );
  readCounter(registry, "metro_relayer_publish_seconds_total", "Time publishing blocks on gossip", () =>
    seconds(stats.publishMs),
  );
  registerGossipMetrics(registry, gossip);
}

function registerGossipMetrics(registry: Registry, gossip: BlockGossip): void {
  readGauge(registry, "metro_gossip_peers", "Connected libp2p peers", () => gossip.node.getPeers().length);
  readLabeledGauge(
    registry,
    "metro_gossip_peer_score",
    "Each connected peer's gossipsub score",
    ["peer"],
    () => gossip.node.getPeers().map((peer) => [{ peer: peer.toString() }, gossip.scoreOf(peer)] as const),
  );
  readLabeledCounter(
    registry,
    "metro_gossip_received_blocks_total",
    "Gossiped blocks received, by how validation judged them",
    ["result"],
    () => Object.entries(gossip.stats).map(([result, count]) => [{ result }, count] as const),
  );
}

export function registerDaMetrics(registry: Registry, da: LocalDa): void {
  const { stats } = da;
  readGauge(registry, "metro_da_height", "The local DA's latest block height", () => da.height);
  readGauge(
    registry,
    "metro_da_base_height",
    "The lowest height the local DA still serves",
    () => da.baseHeight,
  );
  readCounter(
    registry,
    "metro_da_pruned_heights_total",
    "Heights deleted by pruning",
    () => stats.prunedHeights,
  );
  readGauge(registry, "metro_da_pending_blobs", "Blobs waiting for the next block", () => da.pendingBlobs);
  readCounter(registry, "metro_da_submits_total", "blob.Submit calls included", () => stats.submits);
  readCounter(registry, "metro_da_blobs_total", "Blobs included", () => stats.blobs);
  readCounter(registry, "metro_da_blob_bytes_total", "Blob bytes included", () => stats.blobBytes);
  readCounter(registry, "metro_da_requests_total", "JSON-RPC requests", () => stats.requests);
  readCounter(
    registry,
    "metro_da_failed_requests_total",
    "JSON-RPC requests answered with an error",
    () => stats.failedRequests,
  );
}
