/**
 * A client for the celestia-node JSON-RPC blob API (the subset Metro uses), for a real node or
 * Metro's local DA alike. Every response is validated with zod, and every blob a node returns
 * is checked: its namespace is the one asked for and its share commitment is recomputed here.
 */
import { z } from "zod";
import { bytesEqual, fromBase64, toBase64, toHex } from "../../core/bytes.js";
import { BlobError, blobCommitment, NamespaceError } from "./shares.js";

export class CelestiaError extends Error {
  override name = "CelestiaError";
}

/** The node answered, with an error of its own (not a transport failure). */
export class CelestiaRpcError extends CelestiaError {
  override name = "CelestiaRpcError";
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${message} (code ${code})`);
  }
}

/**
 * The node no longer holds `height`: it keeps heights from `lowestHeight` (Metro's local DA
 * with `--keep-heights`). Asking again will not help; ask a node that keeps more history.
 */
export class DaHeightPrunedError extends CelestiaRpcError {
  override name = "DaHeightPrunedError";
  constructor(
    method: string,
    code: number,
    readonly height: number,
    readonly lowestHeight: number,
  ) {
    super(method, code, prunedHeightMessage(height, lowestHeight));
  }
}

/** How the local DA words a pruned height; the client recognizes it by PRUNED_PATTERN. */
export function prunedHeightMessage(height: number, lowestHeight: number): string {
  return `height ${height} is pruned: this DA keeps heights from ${lowestHeight}`;
}
const PRUNED_PATTERN = /height (\d+) is pruned: this DA keeps heights from (\d+)/;

export interface Blob {
  namespace: Uint8Array;
  data: Uint8Array;
  shareVersion: number;
  commitment: Uint8Array;
  index: number;
}

export interface DaHeader {
  height: number;
  time: string;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

export const BlobJson = z.object({
  namespace: base64,
  data: base64,
  share_version: z.number().int().min(0).max(255),
  commitment: base64,
  index: z.number().int(),
  signer: base64.optional(),
});

/** A height in decimal, as celestia-node writes uint64: one JavaScript numbers hold exactly. */
const heightText = z
  .string()
  .regex(/^\d+$/, "height is not a decimal integer")
  .refine((text) => Number.isSafeInteger(Number(text)), "height is beyond 2^53");

export const HeaderJson = z.object({
  header: z.object({ height: heightText, time: z.string() }),
});

const RpcResponse = z.union([
  z.object({ jsonrpc: z.literal("2.0"), id: z.number(), result: z.unknown() }),
  z.object({
    jsonrpc: z.literal("2.0"),
    id: z.number(),
    error: z.object({ code: z.number(), message: z.string() }),
  }),
]);

/** celestia-node reports "no blobs in this namespace at this height" as this error. */
const BLOB_NOT_FOUND = "blob: not found";

export function blobToJson(blob: Pick<Blob, "namespace" | "data" | "shareVersion" | "commitment" | "index">) {
  return {
    namespace: toBase64(blob.namespace),
    data: toBase64(blob.data),
    share_version: blob.shareVersion,
    commitment: toBase64(blob.commitment),
    index: blob.index,
  };
}

function blobFromJson(json: z.infer<typeof BlobJson>): Blob {
  return {
    namespace: fromBase64(json.namespace),
    data: fromBase64(json.data),
    shareVersion: json.share_version,
    commitment: fromBase64(json.commitment),
    index: json.index,
  };
}

function rpcError(method: string, error: { code: number; message: string }): CelestiaRpcError {
  const pruned = PRUNED_PATTERN.exec(error.message);
  if (pruned) return new DaHeightPrunedError(method, error.code, Number(pruned[1]), Number(pruned[2]));
  return new CelestiaRpcError(method, error.code, error.message);
}

export interface CelestiaClientOptions {
  url: string;
  token?: string;
  /** Per request; blob.Submit waits for inclusion, so give it a block time or two. */
  timeoutMs?: number;
}

export class CelestiaClient {
  private nextId = 1;

  constructor(private readonly options: CelestiaClientOptions) {}

  private async call<T>(method: string, params: unknown[], schema: z.ZodType<T>): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const id = this.nextId++;
    let text: string;
    try {
      const response = await fetch(this.options.url, {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      text = await response.text();
      if (response.status === 401 || response.status === 403) {
        throw new CelestiaError(`${method}: unauthorized (HTTP ${response.status}); check the auth token`);
      }
    } catch (error) {
      if (error instanceof CelestiaError) throw error;
      throw new CelestiaError(`${method}: ${this.options.url} unreachable: ${(error as Error).message}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CelestiaError(`${method}: malformed JSON from the node: ${text.slice(0, 120)}`);
    }
    const envelope = RpcResponse.safeParse(body);
    if (!envelope.success) throw new CelestiaError(`${method}: not a JSON-RPC 2.0 response`);
    if ("error" in envelope.data) throw rpcError(method, envelope.data.error);
    const result = schema.safeParse(envelope.data.result);
    if (!result.success) {
      throw new CelestiaError(
        `${method}: unexpected result: ${result.error.issues[0]?.message ?? "invalid"}`,
      );
    }
    return result.data;
  }

  /** Submits blobs (share version 0) together and returns the DA height that holds them. */
  async submit(blobs: readonly { namespace: Uint8Array; data: Uint8Array }[]): Promise<number> {
    const params = blobs.map((blob) =>
      blobToJson({
        ...blob,
        shareVersion: 0,
        commitment: blobCommitment(blob.namespace, blob.data),
        index: -1,
      }),
    );
    return this.call("blob.Submit", [params, {}], z.number().int().positive());
  }

  /** Every blob in these namespaces at `height`; none is an empty list, not an error. */
  async getAll(height: number, namespaces: readonly Uint8Array[]): Promise<Blob[]> {
    let blobs: z.infer<typeof BlobJson>[] | null;
    try {
      blobs = await this.call(
        "blob.GetAll",
        [height, namespaces.map(toBase64)],
        z.array(BlobJson).nullable(),
      );
    } catch (error) {
      if (error instanceof CelestiaRpcError && error.message.includes(BLOB_NOT_FOUND)) return [];
      throw error;
    }
    return (blobs ?? []).map((json) => this.checked(blobFromJson(json), namespaces));
  }

  async get(height: number, namespace: Uint8Array, commitment: Uint8Array): Promise<Blob> {
    const json = await this.call("blob.Get", [height, toBase64(namespace), toBase64(commitment)], BlobJson);
    const blob = this.checked(blobFromJson(json), [namespace]);
    if (!bytesEqual(blob.commitment, commitment)) {
      throw new CelestiaError(
        `blob.Get: asked for commitment ${toHex(commitment)}, got ${toHex(blob.commitment)}`,
      );
    }
    return blob;
  }

  async headerByHeight(height: number): Promise<DaHeader> {
    const json = await this.call("header.GetByHeight", [height], HeaderJson);
    return { height: Number(json.header.height), time: json.header.time };
  }

  async networkHead(): Promise<DaHeader> {
    const json = await this.call("header.NetworkHead", [], HeaderJson);
    return { height: Number(json.header.height), time: json.header.time };
  }

  /** A node that hands back a blob it could not have committed to is not trusted with it. */
  private checked(blob: Blob, namespaces: readonly Uint8Array[]): Blob {
    if (!namespaces.some((ns) => bytesEqual(ns, blob.namespace))) {
      throw new CelestiaError(
        `node returned a blob in namespace ${toHex(blob.namespace)}, which was not asked for`,
      );
    }
    if (blob.shareVersion === 0 && !bytesEqual(commitmentOf(blob), blob.commitment)) {
      throw new CelestiaError(`blob in ${toHex(blob.namespace)}: its commitment does not match its data`);
    }
    return blob;
  }
}

/** The share commitment a blob's data makes; a blob Celestia could not hold (empty, say) is the node's error. */
function commitmentOf(blob: Blob): Uint8Array {
  try {
    return blobCommitment(blob.namespace, blob.data);
  } catch (error) {
    if (!(error instanceof BlobError || error instanceof NamespaceError)) throw error;
    throw new CelestiaError(
      `node returned a blob in ${toHex(blob.namespace)} that Celestia cannot hold: ${error.message}`,
    );
  }
}

/** Waits until the DA at `url` answers `header.NetworkHead` (a DA process just started, say). */
export async function waitForDa(url: string, timeoutMs = 30_000): Promise<void> {
  const client = new CelestiaClient({ url });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.networkHead();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the local DA at ${url} did not answer: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
