/**
 * The execution API over HTTP: POST <base>/metro.execution.v1.ExecutionService/<Method> with a
 * protobuf body. One method table drives both the server and the client, so they cannot drift.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_HOST } from "../../core/listen.js";
import type { ProtoCodec } from "../../core/proto/codec.js";
import {
  type CommitmentState,
  CommitmentStateCodec,
  EmptyCodec,
  type ExecuteBlockRequest,
  ExecuteBlockRequestCodec,
  type ExecuteBlockResponse,
  ExecuteBlockResponseCodec,
  type ExecutedBlock,
  ExecutedBlockCodec,
  type ExecutionEngine,
  ExecutionError,
  type ExecutionErrorCode,
  ExecutionErrorCodec,
  type GenesisInfo,
  GenesisInfoCodec,
  type GetBlockRequest,
  GetBlockRequestCodec,
  SERVICE_PATH,
  UpdateCommitmentStateRequestCodec,
} from "./api.js";

const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

interface Method<Req, Res> {
  request: ProtoCodec<Req>;
  response: ProtoCodec<Res>;
  call(engine: ExecutionEngine, request: Req): Promise<Res>;
}

function method<Req, Res>(
  request: ProtoCodec<Req>,
  response: ProtoCodec<Res>,
  call: (engine: ExecutionEngine, request: Req) => Promise<Res>,
): Method<Req, Res> {
  return { request, response, call };
}

const notFound = (what: string) => new ExecutionError("not_found", `no block ${what}`);

const METHODS = {
  GetGenesisInfo: method(EmptyCodec, GenesisInfoCodec, (engine) => engine.getGenesisInfo()),
  GetCommitmentState: method(EmptyCodec, CommitmentStateCodec, (engine) => engine.getCommitmentState()),
  ExecuteBlock: method(ExecuteBlockRequestCodec, ExecuteBlockResponseCodec, (engine, request) =>
    engine.executeBlock(request),
  ),
  UpdateCommitmentState: method(UpdateCommitmentStateRequestCodec, CommitmentStateCodec, (engine, request) =>
    engine.updateCommitmentState(request.commitmentState),
  ),
  GetBlock: method(GetBlockRequestCodec, ExecutedBlockCodec, async (engine, request) => {
    const block = await engine.getBlock(request);
    if (!block) throw notFound(request.hash.length > 0 ? "with that hash" : `number ${request.number}`);
    return block;
  }),
} as const;

type MethodName = keyof typeof METHODS;

async function readBody(request: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new ExecutionError("invalid_request", "request too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const STATUS: Record<ExecutionErrorCode, number> = {
  unknown_parent: 409,
  not_found: 404,
  invalid_request: 400,
  invalid_commitment: 409,
  unavailable: 503,
  internal: 500,
};

/** Serves `engine` on `host`:`port` (0 picks one); resolves with the bound port. */
export async function serveExecutionApi(
  engine: ExecutionEngine,
  port: number,
  onError: (error: Error) => void,
  host = DEFAULT_HOST,
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const name = request.url?.startsWith(`${SERVICE_PATH}/`)
      ? request.url.slice(SERVICE_PATH.length + 1)
      : undefined;
    const handler = name && name in METHODS ? METHODS[name as MethodName] : undefined;
    const reply = (status: number, body: Uint8Array) => {
      response.writeHead(status, { "content-type": "application/x-protobuf" });
      response.end(body);
    };
    if (request.method !== "POST" || !handler) {
      reply(404, ExecutionErrorCodec.encode({ code: "not_found", message: `no method ${request.url}` }));
      return;
    }
    void (async () => {
      try {
        const body = await readBody(request);
        let decoded: unknown;
        try {
          decoded = handler.request.decode(body);
        } catch (error) {
          throw new ExecutionError("invalid_request", `undecodable request: ${(error as Error).message}`);
        }
        const result = await (handler as Method<unknown, unknown>).call(engine, decoded);
        reply(200, (handler.response as ProtoCodec<unknown>).encode(result));
      } catch (error) {
        const known = error instanceof ExecutionError ? error : undefined;
        if (!known) onError(error as Error);
        const code = known?.code ?? "internal";
        reply(STATUS[code], ExecutionErrorCodec.encode({ code, message: (error as Error).message }));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** The conductor's side: an ExecutionEngine that is a remote engine at `baseUrl`. */
export class ExecutionClient implements ExecutionEngine {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
  ) {}

  getGenesisInfo(): Promise<GenesisInfo> {
    return this.call("GetGenesisInfo", {});
  }

  getCommitmentState(): Promise<CommitmentState> {
    return this.call("GetCommitmentState", {});
  }

  executeBlock(request: ExecuteBlockRequest): Promise<ExecuteBlockResponse> {
    return this.call("ExecuteBlock", request);
  }

  updateCommitmentState(state: CommitmentState): Promise<CommitmentState> {
    return this.call("UpdateCommitmentState", { commitmentState: state });
  }

  async getBlock(request: GetBlockRequest): Promise<ExecutedBlock | undefined> {
    try {
      return await this.call("GetBlock", request);
    } catch (error) {
      if (error instanceof ExecutionError && error.code === "not_found") return undefined;
      throw error;
    }
  }

  private async call<N extends MethodName>(
    name: N,
    request: Parameters<(typeof METHODS)[N]["request"]["encode"]>[0],
  ): Promise<Awaited<ReturnType<(typeof METHODS)[N]["call"]>>> {
    const handler = METHODS[name] as unknown as Method<unknown, unknown>;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${SERVICE_PATH}/${name}`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: handler.request.encode(request),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ExecutionError(
        "unavailable",
        `${name}: engine at ${this.baseUrl} unreachable: ${(error as Error).message}`,
      );
    }
    let body: Uint8Array;
    try {
      body = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw new ExecutionError(
        "unavailable",
        `${name}: reading the reply failed: ${(error as Error).message}`,
      );
    }
    if (!response.ok) {
      let decoded: { code: string; message: string } | undefined;
      try {
        decoded = ExecutionErrorCodec.decode(body);
      } catch {
        decoded = undefined;
      }
      const code = (
        decoded?.code && decoded.code in STATUS ? decoded.code : "internal"
      ) as ExecutionErrorCode;
      throw new ExecutionError(code, `${name}: ${decoded?.message ?? `HTTP ${response.status}`}`);
    }
    return handler.response.decode(body) as Awaited<ReturnType<(typeof METHODS)[N]["call"]>>;
  }
}
