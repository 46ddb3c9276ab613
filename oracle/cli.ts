/** `metro oracle` (the price sidecar) and `metro market` (a SIMULATED market for local use). */
import { hostOption, intOption, parse, stopOnSignal, UsageError } from "../core/cli-args.js";
import type { Logger } from "../core/log.js";
import { createLogger } from "../core/log.js";
import { METRICS_FLAGS, metricsListenOption, serveServiceMetrics } from "../core/metrics.js";
import { chainlink } from "./chainlink.js";
import { registerSidecarMetrics } from "./metrics.js";
import { DEFAULT_PAIRS } from "./pairs.js";
import { EXCHANGE_PROVIDERS } from "./providers.js";
import { OracleSidecar, type SidecarSource } from "./sidecar.js";
import { SimulatedMarket } from "./simulated-market.js";
import { stride } from "./stride.js";

/** A sidecar for the default pairs: quotes live 10 s, providers are polled every second. */
function sidecarFor(sources: SidecarSource[], minProviders: number, log: Logger): OracleSidecar {
  return new OracleSidecar({
    pairs: DEFAULT_PAIRS.map((pair) => pair.id),
    sources,
    minProviders,
    // STTIA/TIA has one source, Stride: one quote sets it.
    minProvidersFor: { "STTIA/TIA": 1 },
    maxAgeMs: 10_000,
    pollMs: 1000,
    log,
  });
}

/** The devnet's sidecar: every exchange provider pointed at the simulated market. */
export function devnetSidecar(marketUrl: string, log: Logger): OracleSidecar {
  return sidecarFor(
    EXCHANGE_PROVIDERS.map((provider) => ({ provider, url: marketUrl })),
    2,
    log,
  );
}

/** `metro oracle [--host H] [--port P] [--market-url U | --binance-url U --coinbase-url U --kraken-url U] [--chainlink-rpc U] [--stride-rpc U] [--min-providers N] [--metrics-port P] [--metrics-host H]` */
export async function oracleCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    host: { type: "string" },
    port: { type: "string" },
    "market-url": { type: "string" },
    "binance-url": { type: "string" },
    "coinbase-url": { type: "string" },
    "kraken-url": { type: "string" },
    "min-providers": { type: "string" },
    "chainlink-rpc": { type: "string" },
    "stride-rpc": { type: "string" },
    ...METRICS_FLAGS,
  });
  const metricsListen = metricsListenOption(values);
  const log = createLogger("metro-oracle");
  const sources = EXCHANGE_PROVIDERS.map((provider) => ({
    provider,
    url:
      (values as Record<string, string | undefined>)[`${provider.name}-url`] ??
      values["market-url"] ??
      provider.defaultUrl,
  }));
  // Chainlink feeds on an EVM node, when one is given (mainnet feed addresses).
  if (values["chainlink-rpc"]) sources.push({ provider: chainlink(), url: values["chainlink-rpc"] });
  // The stTIA redemption rate from a Stride node (STTIA/TIA has no other source).
  if (values["stride-rpc"]) sources.push({ provider: stride(), url: values["stride-rpc"] });
  const minProviders = intOption(values["min-providers"], "min-providers", 2);
  if (minProviders < 1 || minProviders > sources.length) {
    throw new UsageError(`--min-providers must be 1 to ${sources.length}`);
  }
  const sidecar = sidecarFor(sources, minProviders, log);
  const url = await sidecar.start(intOption(values.port, "port", 0), hostOption(values.host));
  const metrics = await serveServiceMetrics("metro-oracle", metricsListen, (registry) =>
    registerSidecarMetrics(registry, sidecar),
  ).catch(async (error: Error) => {
    await sidecar.stop();
    throw error;
  });
  log.info(
    { url, sources: sources.map((s) => `${s.provider.name}=${s.url}`), metrics: metrics?.url },
    "oracle sidecar serving /prices",
  );
  stopOnSignal(async () => {
    await metrics?.close();
    await sidecar.stop();
  });
}

/** `metro market [--host H] [--port P]`: a SIMULATED market in the exchanges' formats, for local networks. */
export async function marketCommand(args: string[]): Promise<void> {
  const { values } = parse(args, { host: { type: "string" }, port: { type: "string" } });
  const market = new SimulatedMarket();
  const url = await market.start(intOption(values.port, "port", 0), hostOption(values.host));
  createLogger("metro-market").info({ url }, "SIMULATED market serving Binance, Coinbase and Kraken formats");
  stopOnSignal(() => market.stop());
}
