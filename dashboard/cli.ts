/**
 * `metro dashboard --node URL [--rest URL] [--da-url URL] [--da-token T] [--relayer-metrics URL]
 * [--da-metrics URL] [--metrics NAME=URL ...] [--port 3000] [--host 127.0.0.1] [--public-rpc URL]
 * [--public-rest URL]`
 */
import { z } from "zod";
import { checkedOption, hostOption, intOption, parse, stopOnSignal } from "../core/cli-args.js";
import { createLogger } from "../core/log.js";
import { DEFAULT_DASHBOARD_PORT } from "./server.js";
import { type DashboardOptions, startDashboard } from "./start.js";

const HttpUrlSchema = z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" });

/** `--metrics NAME=URL`: one more Prometheus endpoint to list, e.g. validator-0=http://127.0.0.1:26660/metrics. */
const MetricsFlagSchema = z
  .string()
  .transform((text) => {
    const at = text.indexOf("=");
    return { name: at > 0 ? text.slice(0, at) : "", url: text.slice(at + 1) };
  })
  .pipe(z.object({ name: z.string().min(1, "NAME=URL, a name before the ="), url: HttpUrlSchema }));

function urlOption(value: string | undefined, name: string): string | undefined {
  return value === undefined ? undefined : checkedOption(HttpUrlSchema, value, name);
}

/** `--public-rpc`/`--public-rest`: what wallets on other machines get; without it, the URL read. */
function publicUrl(value: string | undefined, name: string): string | undefined {
  return urlOption(value, name)?.replace(/\/+$/, "");
}

/** The dashboard's options from its flags; a bad URL or `--metrics` value is a UsageError naming the flag. */
export function dashboardOptions(args: string[]): Omit<DashboardOptions, "log"> {
  const { values } = parse(args, {
    node: { type: "string" },
    rest: { type: "string" },
    "da-url": { type: "string" },
    "da-token": { type: "string" },
    "relayer-metrics": { type: "string" },
    "da-metrics": { type: "string" },
    metrics: { type: "string", multiple: true },
    port: { type: "string" },
    host: { type: "string" },
    "public-rpc": { type: "string" },
    "public-rest": { type: "string" },
  });
  return {
    rpc: urlOption(values.node, "node") ?? "http://127.0.0.1:26657",
    rest: urlOption(values.rest, "rest") ?? "http://127.0.0.1:1317",
    daUrl: urlOption(values["da-url"], "da-url"),
    publicRpc: publicUrl(values["public-rpc"], "public-rpc"),
    publicRest: publicUrl(values["public-rest"], "public-rest"),
    daToken: values["da-token"],
    relayerMetrics: urlOption(values["relayer-metrics"], "relayer-metrics"),
    daMetrics: urlOption(values["da-metrics"], "da-metrics"),
    metrics: (values.metrics ?? []).map((text) => checkedOption(MetricsFlagSchema, text, "metrics")),
    port: intOption(values.port, "port", DEFAULT_DASHBOARD_PORT),
    host: hostOption(values.host),
  };
}

export async function dashboardCommand(args: string[]): Promise<void> {
  const dashboard = await startDashboard({
    ...dashboardOptions(args),
    log: createLogger("metro-dashboard", process.env.METRO_LOG_LEVEL ?? "warn"),
  });
  console.log(`Metro dashboard: ${dashboard.url} (Keplr chain info: ${dashboard.url}/chain-info.json)`);
  stopOnSignal(() => dashboard.stop());
}
