/**
 * Metro's embedded local DA: the celestia-node JSON-RPC subset Metro uses (blob.Submit,
 * blob.GetAll, blob.Get, header.GetByHeight, header.NetworkHead), with real version-0
 * namespaces and real share commitments, a block every `blockTimeMs`, and blocks on disk so a
 * restart loses nothing that was included. Like celestia-node, Submit answers once the blobs
 * are in a block. With `keepHeights` it keeps only that many recent heights, as a pruned
 * Celestia node does, and refuses older ones with a clear error. It is a stand-in for a
 * Celestia node on a laptop, not a consensus network.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { z } from "zod";
import { bytesEqual, fromBase64 } from "../../core/bytes.js";
import type { Logger } from "../../core/log.js";
import { BlobJson, blobToJson, prunedHeightMessage } from "../celestia/client.js";
import {
  blobCommitment,
  NamespaceError,
  splitBlobIntoShares,
  validateNamespace,
} from "../celestia/shares.js";
import { DaStore, type StoredBlob } from "./store.js";

export const DEFAULT_DA_PORT = 26658;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Heights deleted per block at most: enabling pruning on a long history catches up over a few blocks. */
const PRUNE_BATCH = 1000;

export interface LocalDaOptions {
  dataDir: string;
  blockTimeMs: number;
  /** When set, requests need `Authorization: Bearer <token>`, as celestia-node's do. */
  token?: string;
  /** Largest blob accepted, in bytes (Celestia's limit depends on its square size). */
  maxBlobBytes?: number;
  /** Keep only the last this many heights (0 or absent: keep every height). */
  keepHeights?: number;
  log: Logger;
}

/** A JSON-RPC error with the code celestia-node (go-jsonrpc) would use. */
class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface PendingSubmit {
  blobs: StoredBlob[];
  resolve: (height: number) => void;
}

const HeightParam = z.number().int().positive();

/** What the local DA did since it started, for metrics. */
export interface LocalDaStats {
  submits: number;
  blobs: number;
  blobBytes: number;
  requests: number;
  failedRequests: number;
  /** Heights deleted by pruning. */
  prunedHeights: number;
}

export class LocalDa {
  readonly stats: LocalDaStats = {
    submits: 0,
    blobs: 0,
    blobBytes: 0,
    requests: 0,
    failedRequests: 0,
    prunedHeights: 0,
  };
  private readonly store: DaStore;
  private readonly server: Server;
  private pending: PendingSubmit[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly maxBlobBytes: number;

  constructor(private readonly options: LocalDaOptions) {
    this.store = new DaStore(options.dataDir);
    this.maxBlobBytes = options.maxBlobBytes ?? 2 * 1024 * 1024;
    this.server = createServer((request, response) => void this.serve(request, response));
  }

  get height(): number {
    return this.store.head;
  }

  /** The lowest height still served. */
  get baseHeight(): number {
    return this.store.base;
  }

  async listen(port = DEFAULT_DA_PORT, host = "127.0.0.1"): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, resolve);
    });
    this.timer = setInterval(() => this.produceBlock(), this.options.blockTimeMs);
    const address = this.server.address();
    return typeof address === "object" && address ? address.port : port;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.store.close();
  }

  /** Seals the pending blobs into the next block (empty blocks too, as Celestia makes them). */
  private produceBlock(): void {
    const submits = this.pending;
    this.pending = [];
    const height = this.store.head + 1;
    let index = 0;
    const blobs = submits.flatMap((submit) => submit.blobs);
    for (const blob of blobs) {
      blob.index = index;
      index += splitBlobIntoShares(blob.namespace, blob.data).length;
    }
    this.store.append({ height, time: new Date().toISOString(), blobs });
    this.stats.submits += submits.length;
    this.stats.blobs += blobs.length;
    for (const blob of blobs) this.stats.blobBytes += blob.data.length;
    for (const submit of submits) submit.resolve(height);
    if (blobs.length > 0) this.options.log.debug({ height, blobs: blobs.length }, "DA block");
    this.prune();
  }

  /** Deletes the heights below the last `keepHeights`, a batch at a time. */
  private prune(): void {
    const keep = this.options.keepHeights ?? 0;
    if (keep <= 0) return;
    const pruned = this.store.prune(this.store.head - keep + 1, PRUNE_BATCH);
    this.stats.prunedHeights += pruned;
    if (pruned > 0) this.options.log.debug({ base: this.store.base, pruned }, "DA heights pruned");
  }

  /** Blobs waiting for the next block. */
  get pendingBlobs(): number {
    return this.pending.reduce((count, submit) => count + submit.blobs.length, 0);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.stats.requests++;
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (this.options.token && request.headers.authorization !== `Bearer ${this.options.token}`) {
      reply(401, { error: "missing or wrong auth token" });
      return;
    }
    if (request.method !== "POST") {
      reply(405, { error: "JSON-RPC takes POST" });
      return;
    }
    let id: unknown = null;
    try {
      const body = await readBody(request);
      let message: unknown;
      try {
        message = JSON.parse(body);
      } catch {
        throw new RpcFailure(-32700, "parse error");
      }
      const call = z
        .object({
          id: z.union([z.number(), z.string()]),
          method: z.string(),
          params: z.array(z.unknown()).default([]),
        })
        .safeParse(message);
      if (!call.success) throw new RpcFailure(-32600, "invalid request");
      id = call.data.id;
      const result = await this.dispatch(call.data.method, call.data.params);
      reply(200, { jsonrpc: "2.0", id, result });
    } catch (error) {
      this.stats.failedRequests++;
      const failure = error instanceof RpcFailure ? error : new RpcFailure(1, (error as Error).message);
      if (!(error instanceof RpcFailure)) this.options.log.error({ err: error }, "local DA request failed");
      reply(200, { jsonrpc: "2.0", id, error: { code: failure.code, message: failure.message } });
    }
  }

  private dispatch(method: string, params: unknown[]): Promise<unknown> | unknown {
    switch (method) {
      case "blob.Submit":
        return this.submit(params);
      case "blob.GetAll":
        return this.getAll(params);
      case "blob.Get":
        return this.get(params);
      case "header.GetByHeight":
        return this.header(parseParam(HeightParam, params[0], "height"));
      case "header.NetworkHead":
      case "header.LocalHead":
        return this.header(this.store.head);
      default:
        throw new RpcFailure(-32601, `method '${method}' not found`);
    }
  }

  private submit(params: unknown[]): Promise<number> {
    const blobs = parseParam(z.array(BlobJson).min(1), params[0], "blobs").map((json) => {
      if (json.share_version !== 0)
        throw new RpcFailure(1, `share version ${json.share_version} is not supported`);
      const namespace = namespaceParam(json.namespace);
      const data = fromBase64(json.data);
      if (data.length === 0) throw new RpcFailure(1, "blob data is empty");
      if (data.length > this.maxBlobBytes) {
        throw new RpcFailure(1, `blob of ${data.length} bytes is over the limit of ${this.maxBlobBytes}`);
      }
      return { namespace, data, commitment: blobCommitment(namespace, data), index: -1 };
    });
    return new Promise((resolve) => this.pending.push({ blobs, resolve }));
  }

  private storedBlock(height: number) {
    if (height > this.store.head) {
      throw new RpcFailure(
        1,
        `header: given height is from the future: networkHeight: ${this.store.head}, requestedHeight: ${height}`,
      );
    }
    const base = this.store.base;
    if (height < base) throw new RpcFailure(1, prunedHeightMessage(height, base));
    const block = this.store.block(height);
    if (!block) throw new RpcFailure(1, `header: not found for height ${height}`);
    return block;
  }

  private getAll(params: unknown[]) {
    const height = parseParam(HeightParam, params[0], "height");
    const namespaces = parseParam(z.array(z.string()).min(1), params[1], "namespaces").map(namespaceParam);
    const blobs = this.storedBlock(height).blobs.filter((blob) =>
      namespaces.some((ns) => bytesEqual(ns, blob.namespace)),
    );
    if (blobs.length === 0) throw new RpcFailure(1, "blob: not found");
    return blobs.map((blob) => blobToJson({ ...blob, shareVersion: 0 }));
  }

  private get(params: unknown[]) {
    const height = parseParam(HeightParam, params[0], "height");
    const namespace = namespaceParam(parseParam(z.string(), params[1], "namespace"));
    const commitment = fromBase64(parseParam(z.string(), params[2], "commitment"));
    const blob = this.storedBlock(height).blobs.find(
      (b) => bytesEqual(b.namespace, namespace) && bytesEqual(b.commitment, commitment),
    );
    if (!blob) throw new RpcFailure(1, "blob: not found");
    return blobToJson({ ...blob, shareVersion: 0 });
  }

  private header(height: number) {
    if (height === 0) throw new RpcFailure(1, "header: no blocks yet");
    const block = this.storedBlock(height);
    return {
      header: { chain_id: "metro-local-da", height: String(block.height), time: block.time },
      commit: null,
      validator_set: null,
      dah: { row_roots: [], column_roots: [] },
    };
  }
}

function parseParam<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RpcFailure(-32602, `invalid ${name}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function namespaceParam(base64: string): Uint8Array {
  const namespace = fromBase64(base64);
  try {
    validateNamespace(namespace);
  } catch (error) {
    if (error instanceof NamespaceError) throw new RpcFailure(1, error.message);
    throw error;
  }
  return namespace;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RpcFailure(-32600, `request over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
