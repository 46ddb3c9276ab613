/**
 * `metro dashboard --node URL [--rest URL] [--da-url URL] [--port 3000] [--host 127.0.0.1]
 * [--public-rpc URL] [--public-rest URL]`
 */
import { z } from "zod";
import { checkedOption, hostOption, intOption, parse, stopOnSignal } from "../core/cli-args.js";
import { createLogger } from "../core/log.js";
import { DEFAULT_DASHBOARD_PORT } from "./server.js";
import { startDashboard } from "./start.js";

const PublicUrlSchema = z
  .string()
  .regex(/^https?:\/\/[^/\s]+(\/\S*)?$/, "an http(s) URL wallets on other machines can reach");

/** `--public-rpc`/`--public-rest`, checked; without it wallets get the URL the dashboard reads. */
function publicUrl(value: string | undefined, name: string): string | undefined {
  return value === undefined ? undefined : checkedOption(PublicUrlSchema, value, name).replace(/\/+$/, "");
}

export async function dashboardCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    node: { type: "string" },
    rest: { type: "string" },
    "da-url": { type: "string" },
    "da-token": { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "public-rpc": { type: "string" },
    "public-rest": { type: "string" },
  });
  const dashboard = await startDashboard({
    rpc: values.node ?? "http://127.0.0.1:26657",
    rest: values.rest ?? "http://127.0.0.1:1317",
    publicRpc: publicUrl(values["public-rpc"], "public-rpc"),
    publicRest: publicUrl(values["public-rest"], "public-rest"),
    daUrl: values["da-url"],
    daToken: values["da-token"],
    port: intOption(values.port, "port", DEFAULT_DASHBOARD_PORT),
    host: hostOption(values.host),
    log: createLogger("metro-dashboard", process.env.METRO_LOG_LEVEL ?? "warn"),
  });
  console.log(`Metro dashboard: ${dashboard.url} (Keplr chain info: ${dashboard.url}/chain-info.json)`);
  stopOnSignal(() => dashboard.stop());
}
