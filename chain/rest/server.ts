/**
 * `metro rest`: the Cosmos SDK's REST (LCD) API over a node's CometBFT RPC, on loopback by
 * default, for wallets that read REST (Keplr's staking page). Errors answer in the gateway's
 * shape: `{"code": …, "message": …, "details": []}`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "../../core/log.js";
import { RpcError } from "../node/rpc.js";
import { RestError, ROUTES } from "./routes.js";

const MAX_BODY_BYTES = 4 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RestError(413, 3, "request body too large");
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new RestError(400, 3, "request body is not JSON");
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    "content-type": "application/json",
    // Browser wallets call from their own origin.
    "access-control-allow-origin": "*",
    "access-control-allow-headers": "content-type",
  });
  response.end(JSON.stringify(body));
}

export class RestServer {
  private readonly server: Server;

  constructor(
    private readonly rpc: string,
    private readonly log: Logger,
  ) {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method === "OPTIONS") return send(response, 204, {});
    const route = ROUTES.find((r) => r.method === request.method && r.pattern.test(url.pathname));
    if (!route)
      return send(response, 501, {
        code: 12,
        message: `${request.method} ${url.pathname} is not served`,
        details: [],
      });
    try {
      const params = { ...url.pathname.match(route.pattern)?.groups };
      const body = request.method === "POST" ? await readBody(request) : undefined;
      send(response, 200, await route.handle({ rpc: this.rpc, params, query: url.searchParams, body }));
    } catch (error) {
      if (error instanceof RestError)
        return send(response, error.status, { code: error.code, message: error.message, details: [] });
      if (error instanceof RpcError)
        return send(response, 503, { code: 14, message: error.message, details: [] });
      this.log.error({ err: error, path: url.pathname }, "REST request failed");
      send(response, 500, { code: 13, message: (error as Error).message, details: [] });
    }
  }

  async listen(port: number, host = "127.0.0.1"): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, resolve);
    });
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
