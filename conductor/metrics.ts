/** The conductor's and the EVM node's Prometheus metrics, read from their stats when scraped. */
import type { Registry } from "prom-client";
import { readCounter, readGauge } from "../core/metrics.js";
import type { Conductor } from "./conductor.js";
import type { EvmChain } from "./evm/chain.js";

export function registerConductorMetrics(registry: Registry, conductor: Conductor): void {
  const { stats } = conductor;
  readGauge(registry, "metro_conductor_soft_number", "Rollup block number of the soft head", () =>
    Number(stats.softNumber),
  );
  readGauge(registry, "metro_conductor_firm_number", "Rollup block number of the firm head", () =>
    Number(stats.firmNumber),
  );
  readGauge(registry, "metro_conductor_soft_metro_height", "Metro height the soft head executed", () =>
    Number(stats.softHeight),
  );
  readGauge(registry, "metro_conductor_firm_metro_height", "Metro height the firm head executed", () =>
    Number(stats.firmHeight),
  );
  readCounter(registry, "metro_conductor_verified_total", "Metro heights verified", () => stats.verified);
  readCounter(
    registry,
    "metro_conductor_verify_seconds_total",
    "Time spent verifying Metro heights",
    () => stats.verifyMs / 1000,
  );
  readCounter(registry, "metro_conductor_executed_total", "Blocks executed", () => stats.executed);
  readCounter(
    registry,
    "metro_conductor_refused_total",
    "Soft blocks that failed verification",
    () => stats.refused,
  );
  readCounter(
    registry,
    "metro_conductor_da_skipped_total",
    "DA blobs and blocks skipped as not Metro's or failing verification",
    () => stats.daSkipped,
  );
  readCounter(
    registry,
    "metro_conductor_rollbacks_total",
    "Soft blocks rolled back to the firm chain",
    () => stats.rollbacks,
  );
  readCounter(
    registry,
    "metro_conductor_from_rpc_total",
    "Heights read from Metro's RPC, gossip silent",
    () => stats.fromRpc,
  );
}

export function registerEvmMetrics(registry: Registry, chain: EvmChain): void {
  const { stats } = chain;
  const head = (which: "soft" | "firm") => Number(chain.store.commitment()?.[which].number ?? 0n);
  readGauge(registry, "metro_evm_soft_number", "The EVM chain's soft head", () => head("soft"));
  readGauge(registry, "metro_evm_firm_number", "The EVM chain's firm head", () => head("firm"));
  readCounter(registry, "metro_evm_blocks_total", "Blocks executed by this process", () => stats.blocks);
  readCounter(registry, "metro_evm_txs_total", "Txs included in executed blocks", () => stats.txs);
  readCounter(
    registry,
    "metro_evm_skipped_txs_total",
    "Txs executed blocks left out",
    () => stats.skippedTxs,
  );
  readCounter(registry, "metro_evm_gas_used_total", "Gas used by executed blocks", () => stats.gasUsed);
  readGauge(registry, "metro_evm_lowest_block", "The oldest block kept (0: none pruned)", () =>
    Number(chain.store.prunedBelow),
  );
  readGauge(
    registry,
    "metro_evm_trie_entries",
    "State trie nodes and codes on disk",
    () => chain.store.trieNodeCount,
  );
  readCounter(
    registry,
    "metro_evm_trie_compactions_total",
    "State trie compactions by this process",
    () => chain.retention.stats.compactions,
  );
}
