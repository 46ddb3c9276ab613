/**
 * A minimal JSON-RPC 2.0 server over node:http (single and batch requests). Method handlers
 * get positional params and throw JsonRpcError for a clear client-facing error.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { DEFAULT_HOST } from "../../core/listen.js";

export class JsonRpcError extends Error {
  override name = "JsonRpcError";
  constructor(
    readonly code: number,
    message: string,
    readonly data?: string,
  ) {
    super(message);
  }
}

export const INVALID_PARAMS = -32602;
export type Handler = (params: unknown[]) => Promise<unknown>;

const RequestSchema = z.object({
  jsonrpc: z.literal("2.0").optional(),
  id: z.union([z.string(), z.number(), z.null()]).optional(),
  method: z.string(),
  params: z.array(z.unknown()).optional(),
});

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_BATCH = 500;

function failure(id: unknown, error: JsonRpcError) {
  const body: { code: number; message: string; data?: string } = { code: error.code, message: error.message };
  if (error.data !== undefined) body.data = error.data;
  return { jsonrpc: "2.0", id: id ?? null, error: body };
}

async function answer(
  handlers: ReadonlyMap<string, Handler>,
  request: unknown,
  onError: (error: Error) => void,
): Promise<unknown> {
  const parsed = RequestSchema.safeParse(request);
  if (!parsed.success) return failure(null, new JsonRpcError(-32600, "invalid request"));
  const { id, method, params } = parsed.data;
  const handler = handlers.get(method);
  if (!handler) return failure(id, new JsonRpcError(-32601, `method ${method} is not supported`));
  try {
    return { jsonrpc: "2.0", id: id ?? null, result: await handler(params ?? []) };
  } catch (error) {
    if (error instanceof JsonRpcError) return failure(id, error);
    if (error instanceof z.ZodError) {
      return failure(id, new JsonRpcError(INVALID_PARAMS, `invalid params: ${error.issues[0]?.message}`));
    }
    onError(error as Error);
    return failure(id, new JsonRpcError(-32603, (error as Error).message));
  }
}

/** Serves `handlers` on `host`:`port`; resolves with the bound port. */
export async function serveJsonRpc(
  handlers: ReadonlyMap<string, Handler>,
  port: number,
  onError: (error: Error) => void,
  host = DEFAULT_HOST,
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const cors = {
      "access-control-allow-origin": "*",
      "access-control-allow-headers": "content-type",
      "access-control-allow-methods": "POST, OPTIONS",
    };
    if (request.method === "OPTIONS") {
      response.writeHead(204, cors).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on("end", () => {
      void (async () => {
        const reply = (body: unknown) => {
          response.writeHead(200, { "content-type": "application/json", ...cors });
          response.end(JSON.stringify(body));
        };
        if (request.method !== "POST") return reply(failure(null, new JsonRpcError(-32600, "POST only")));
        if (size > MAX_BODY_BYTES) return reply(failure(null, new JsonRpcError(-32600, "request too large")));
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          return reply(failure(null, new JsonRpcError(-32700, "parse error")));
        }
        if (!Array.isArray(body)) return reply(await answer(handlers, body, onError));
        if (body.length === 0 || body.length > MAX_BATCH) {
          return reply(failure(null, new JsonRpcError(-32600, `a batch holds 1 to ${MAX_BATCH} requests`)));
        }
        const answers: unknown[] = [];
        for (const item of body) answers.push(await answer(handlers, item, onError));
        reply(answers);
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
