import { hostOption, intOption, parse, stopOnSignal } from "../../core/cli-args.js";
import { httpUrl } from "../../core/listen.js";
import { createLogger } from "../../core/log.js";
import { DEFAULT_REST_PORT, RestServer } from "../rest/index.js";

/** `metro rest [--node URL] [--host 127.0.0.1] [--port 1317]`: the REST (LCD) API wallets read, over a node's RPC. */
export async function restCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    node: { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
  });
  const node = values.node ?? "http://127.0.0.1:26657";
  const server = new RestServer(node, createLogger("metro-rest"));
  const host = hostOption(values.host);
  const port = await server.listen(intOption(values.port, "port", DEFAULT_REST_PORT), host);
  console.log(`REST API for ${node} on ${httpUrl(host, port)}`);
  stopOnSignal(() => server.close());
}
