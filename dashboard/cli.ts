/** `metro dashboard --node URL [--rest URL] [--da-url URL] [--port 3000] [--host 127.0.0.1]` */
import { intOption, parse, stopOnSignal } from "../core/cli-args.js";
import { createLogger } from "../core/log.js";
import { DEFAULT_DASHBOARD_PORT } from "./server.js";
import { startDashboard } from "./start.js";

export async function dashboardCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    node: { type: "string" },
    rest: { type: "string" },
    "da-url": { type: "string" },
    "da-token": { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
  });
  const dashboard = await startDashboard({
    rpc: values.node ?? "http://127.0.0.1:26657",
    rest: values.rest ?? "http://127.0.0.1:1317",
    daUrl: values["da-url"],
    daToken: values["da-token"],
    port: intOption(values.port, "port", DEFAULT_DASHBOARD_PORT),
    host: values.host ?? "127.0.0.1",
    log: createLogger("metro-dashboard", process.env.METRO_LOG_LEVEL ?? "warn"),
  });
  console.log(`Metro dashboard: ${dashboard.url} (Keplr chain info: ${dashboard.url}/chain-info.json)`);
  stopOnSignal(() => dashboard.stop());
}
