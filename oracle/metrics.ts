/** The oracle sidecar's Prometheus metrics: per provider, errors and staleness; per pair, the price served. */
import type { Registry } from "prom-client";
import { readLabeledCounter, readLabeledGauge } from "../core/metrics.js";
import type { OracleSidecar } from "./sidecar.js";

export function registerSidecarMetrics(registry: Registry, sidecar: OracleSidecar): void {
  readLabeledCounter(
    registry,
    "metro_oracle_provider_errors_total",
    "Failed polls per provider",
    ["provider"],
    () => sidecar.providers().map((p) => [{ provider: p.name }, p.errors] as const),
  );
  readLabeledGauge(
    registry,
    "metro_oracle_provider_staleness_seconds",
    "Seconds since each provider's last good quotes (-1: never)",
    ["provider"],
    () =>
      sidecar
        .providers()
        .map((p) => [{ provider: p.name }, p.at === 0 ? -1 : (Date.now() - p.at) / 1000] as const),
  );
  readLabeledGauge(
    registry,
    "metro_oracle_provider_up",
    "1 when the provider's last poll worked",
    ["provider"],
    () => sidecar.providers().map((p) => [{ provider: p.name }, p.failing ? 0 : 1] as const),
  );
  readLabeledGauge(registry, "metro_oracle_sidecar_price", "The median price served per pair", ["pair"], () =>
    [...sidecar.prices()].map(([pair, price]) => [{ pair }, Number(price)] as const),
  );
}
