/**
 * The app's Prometheus metrics. MetroApp reports to an AppObserver (a few calls per block and
 * one per CheckTx, with numbers it already has); AppMetrics is the observer that feeds
 * prom-client, and reads prices from committed state at scrape time.
 */
import type { Event, RequestFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { toHex } from "../../core/bytes.js";
import { readLabeledGauge } from "../../core/metrics.js";
import { timestampToMs } from "../../core/timestamp.js";
import { readPairs, readPrice } from "../modules/oracle.js";
import type { BlockOracleFaults } from "../modules/oracle-penalties.js";
import type { StateReader } from "../store/overlay.js";

/** What FinalizeBlock did, for metrics. */
export interface FinalizedBlock {
  request: RequestFinalizeBlock;
  /** Metro's own txs leading the block (commitment, injected commit). */
  injectedTxs: number;
  /** Rollup data bytes the block's successful txs carried. */
  rollupBytes: number;
  events: readonly Event[];
  oracleFaults: BlockOracleFaults;
  ms: number;
}

export interface AppObserver {
  checkTx(code: number, recheck: boolean, ms: number): void;
  finalized(block: FinalizedBlock): void;
  voteExtension(bytes: number): void;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const BLOCK_BUCKETS = [0, 1, 10, 100, 1000, 5000, 20000];
const BYTE_BUCKETS = [0, 1024, 16384, 131072, 1048576, 4194304, 16777216];

function slashReason(event: Event): string | undefined {
  if (event.type !== "slash") return undefined;
  return event.attributes.find((attribute) => attribute.key === "reason")?.value ?? "unknown";
}

/** The prom-client side of AppObserver, registered on `registry`. */
export class AppMetrics implements AppObserver {
  private readonly height: Gauge;
  private readonly blockTime: Gauge;
  private readonly blockInterval: Histogram;
  private readonly txs: Histogram;
  private readonly txsTotal: Counter;
  private readonly rollupBytes: Histogram;
  private readonly checkTxs: Counter<"code" | "type">;
  private readonly checkLatency: Histogram;
  private readonly refusals: Counter<"type">;
  private readonly finalizeLatency: Histogram;
  private readonly extensionBytes: Histogram;
  private readonly missedVotes: Counter<"validator">;
  private readonly missedPairs: Counter<"validator">;
  private readonly deviantPairs: Counter<"validator">;
  private readonly slashes: Counter<"reason">;
  private lastBlockTimeMs: number | undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    this.height = new Gauge({ name: "metro_height", help: "Last finalized block height", registers });
    this.blockTime = new Gauge({
      name: "metro_block_time_seconds",
      help: "Last finalized block's header time (unix seconds)",
      registers,
    });
    this.blockInterval = new Histogram({
      name: "metro_block_interval_seconds",
      help: "Header time between consecutive blocks",
      buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30],
      registers,
    });
    this.txs = new Histogram({
      name: "metro_block_txs",
      help: "User txs per block",
      buckets: BLOCK_BUCKETS,
      registers,
    });
    this.txsTotal = new Counter({ name: "metro_txs_total", help: "User txs finalized", registers });
    this.rollupBytes = new Histogram({
      name: "metro_block_rollup_bytes",
      help: "Rollup data bytes per block",
      buckets: BYTE_BUCKETS,
      registers,
    });
    this.checkTxs = new Counter({
      name: "metro_checktx_total",
      help: "CheckTx results by code (0 accepted) and type (new, recheck)",
      labelNames: ["code", "type"],
      registers,
    });
    this.checkLatency = new Histogram({
      name: "metro_checktx_duration_seconds",
      help: "CheckTx latency",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.refusals = new Counter({
      name: "metro_mempool_refusals_total",
      help: "Txs kept out of the mempool: refused when new, or evicted on recheck",
      labelNames: ["type"],
      registers,
    });
    this.finalizeLatency = new Histogram({
      name: "metro_finalize_block_duration_seconds",
      help: "FinalizeBlock latency",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.extensionBytes = new Histogram({
      name: "metro_vote_extension_bytes",
      help: "Size of this validator's vote extensions",
      buckets: [0, 16, 64, 256, 1024, 4096, 16384],
      registers,
    });
    this.missedVotes = new Counter({
      name: "metro_missed_blocks_total",
      help: "Blocks a validator did not sign (absent in the decided last commit), by consensus address",
      labelNames: ["validator"],
      registers,
    });
    this.missedPairs = new Counter({
      name: "metro_oracle_missed_pairs_total",
      help: "Priced pairs a validator's price vote left out, by consensus address",
      labelNames: ["validator"],
      registers,
    });
    this.deviantPairs = new Counter({
      name: "metro_oracle_deviant_pairs_total",
      help: "Prices a validator voted outside the deviation band, by consensus address",
      labelNames: ["validator"],
      registers,
    });
    this.slashes = new Counter({
      name: "metro_slashes_total",
      help: "Validators slashed, by reason",
      labelNames: ["reason"],
      registers,
    });
  }

  checkTx(code: number, recheck: boolean, ms: number): void {
    const type = recheck ? "recheck" : "new";
    this.checkTxs.inc({ code: String(code), type });
    this.checkLatency.observe(ms / 1000);
    if (code !== 0) this.refusals.inc({ type });
  }

  voteExtension(bytes: number): void {
    this.extensionBytes.observe(bytes);
  }

  finalized(block: FinalizedBlock): void {
    const { request } = block;
    const timeMs = Number(timestampToMs(request.time));
    if (this.lastBlockTimeMs !== undefined)
      this.blockInterval.observe((timeMs - this.lastBlockTimeMs) / 1000);
    this.lastBlockTimeMs = timeMs;
    this.height.set(Number(request.height));
    this.blockTime.set(timeMs / 1000);
    const userTxs = request.txs.length - block.injectedTxs;
    this.txs.observe(userTxs);
    this.txsTotal.inc(userTxs);
    this.rollupBytes.observe(block.rollupBytes);
    this.finalizeLatency.observe(block.ms / 1000);
    for (const vote of request.decidedLastCommit?.votes ?? []) {
      if (vote.validator && vote.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_ABSENT) {
        this.missedVotes.inc({ validator: toHex(vote.validator.address) });
      }
    }
    for (const voter of block.oracleFaults.voters) {
      const validator = toHex(voter.address);
      if (voter.missed > 0) this.missedPairs.inc({ validator }, voter.missed);
      if (voter.deviated > 0) this.deviantPairs.inc({ validator }, voter.deviated);
    }
    for (const event of block.events) {
      const reason = slashReason(event);
      if (reason !== undefined) this.slashes.inc({ reason });
    }
  }
}

/** Each pair's committed price and its age, read from state when scraped. */
export function registerPriceGauges(registry: Registry, state: StateReader): void {
  const prices = () =>
    readPairs(state).flatMap((pair) => {
      const price = readPrice(state, pair.id);
      return price ? [{ pair: pair.id, price }] : [];
    });
  readLabeledGauge(registry, "metro_oracle_price", "Committed price per pair", ["pair"], () =>
    prices().map(({ pair, price }) => [{ pair }, Number(price.price) / 10 ** price.decimals] as const),
  );
  readLabeledGauge(
    registry,
    "metro_oracle_price_age_seconds",
    "Seconds since each pair's committed price was set (by block time)",
    ["pair"],
    () => prices().map(({ pair, price }) => [{ pair }, (Date.now() - Number(price.timeMs)) / 1000] as const),
  );
}
