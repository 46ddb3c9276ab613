/** The few CometBFT RPC reads Metro's tools need, validated with zod. */
import { z } from "zod";
import { fromBase64 } from "../../core/bytes.js";

export class RpcError extends Error {
  override name = "RpcError";
}

/** CometBFT no longer holds `height` (pruned by the retain height); it starts at `lowestHeight`. */
export class HeightPrunedError extends RpcError {
  override name = "HeightPrunedError";
  constructor(
    url: string,
    readonly height: number,
    readonly lowestHeight: number,
  ) {
    super(`GET ${url}: height ${height} is pruned on this node; its lowest height is ${lowestHeight}`);
  }
}

/** CometBFT's words for a height below its block store's base (rpc/core/env.go getHeight). */
const PRUNED_PATTERN = /height (\d+) is not available, lowest height is (\d+)/;
const RpcErrorBody = z.object({ error: z.object({ data: z.string() }) });

const StatusSchema = z.object({
  result: z.object({
    node_info: z.object({ network: z.string() }),
    sync_info: z.object({
      latest_block_height: z.string(),
      latest_app_hash: z.string(),
      catching_up: z.boolean(),
    }),
  }),
});

const BlockSchema = z.object({
  result: z.object({
    block: z.object({
      header: z.object({ height: z.string(), app_hash: z.string(), time: z.string() }),
      data: z.object({ txs: z.array(z.string()).nullable() }),
    }),
  }),
});

/** A fetch failure in words, with its cause (ECONNREFUSED, a timeout) when Node gives one. */
export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  return cause ? `${(error as Error).message} (${cause})` : (error as Error).message;
}

/** GETs are idempotent, so a dropped keep-alive connection is retried a couple of times. */
export async function rpcGet<T>(url: string, schema: z.ZodType<T>, attempts = 3): Promise<T> {
  let response: Response | undefined;
  for (let attempt = 1; !response; attempt++) {
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      if (attempt >= attempts) throw new RpcError(`GET ${url}: ${describeFetchError(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
  const body: unknown = await response.json().catch(() => undefined);
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const error = RpcErrorBody.safeParse(body);
  const pruned = error.success ? PRUNED_PATTERN.exec(error.data.error.data) : null;
  if (pruned) throw new HeightPrunedError(url, Number(pruned[1]), Number(pruned[2]));
  throw new RpcError(`GET ${url}: unexpected response (HTTP ${response.status})`);
}

export interface NodeStatus {
  chainId: string;
  height: number;
  appHash: string;
  catchingUp: boolean;
}

export async function nodeStatus(rpcUrl: string): Promise<NodeStatus> {
  const { result } = await rpcGet(`${rpcUrl}/status`, StatusSchema);
  return {
    chainId: result.node_info.network,
    height: Number(result.sync_info.latest_block_height),
    appHash: result.sync_info.latest_app_hash,
    catchingUp: result.sync_info.catching_up,
  };
}

export interface BlockSummary {
  height: number;
  /** The app hash in this header: the state after the previous block. */
  appHash: string;
  time: string;
  txs: Uint8Array[];
}

export async function blockAt(rpcUrl: string, height: number): Promise<BlockSummary> {
  const { result } = await rpcGet(`${rpcUrl}/block?height=${height}`, BlockSchema);
  const { header, data } = result.block;
  return {
    height: Number(header.height),
    appHash: header.app_hash,
    time: header.time,
    txs: (data.txs ?? []).map(fromBase64),
  };
}

const ConsensusParamsSchema = z.object({
  result: z.object({ consensus_params: z.object({ block: z.object({ max_bytes: z.string() }) }) }),
});
const GenesisBlockSchema = z.object({
  result: z.object({
    genesis: z.object({ consensus_params: z.object({ block: z.object({ max_bytes: z.string() }) }) }),
  }),
});

/**
 * The consensus `block.max_bytes` (-1: CometBFT's ceiling). `/consensus_params` answers 500
 * until the node has stored its first height; the genesis says the same then.
 */
export async function blockMaxBytes(rpcUrl: string): Promise<bigint> {
  try {
    const { result } = await rpcGet(`${rpcUrl}/consensus_params`, ConsensusParamsSchema, 1);
    return BigInt(result.consensus_params.block.max_bytes);
  } catch (error) {
    if (!(error instanceof RpcError)) throw error;
    const { result } = await rpcGet(`${rpcUrl}/genesis`, GenesisBlockSchema);
    return BigInt(result.genesis.consensus_params.block.max_bytes);
  }
}

const AbciInfoSchema = z.object({
  result: z.object({ response: z.object({ last_block_height: z.string().optional() }) }),
});

/** The last height the application itself has committed (queries read this state). */
export async function appCommittedHeight(rpcUrl: string): Promise<number> {
  const { result } = await rpcGet(`${rpcUrl}/abci_info`, AbciInfoSchema);
  return Number(result.response.last_block_height ?? 0);
}

/**
 * Waits until the node at `rpcUrl` has committed `height`, in its block store and in the app.
 * CometBFT saves a block (and reports it in /status) before the app has finalized it, so a
 * query straight after /status shows a height can still read the state before that block.
 */
export async function waitForHeight(rpcUrl: string, height: number, timeoutMs = 60_000): Promise<NodeStatus> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    try {
      const status = await nodeStatus(rpcUrl);
      if (status.height >= height && (await appCommittedHeight(rpcUrl)) >= height) return status;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new RpcError(`${rpcUrl} did not reach height ${height} within ${timeoutMs} ms ${lastError}`);
}

const AbciQuerySchema = z.object({
  result: z.object({
    response: z.object({
      code: z.number().optional(),
      log: z.string().optional(),
      value: z.string().nullable().optional(),
      height: z.string().optional(),
      proofOps: z
        .object({
          ops: z
            .array(z.object({ type: z.string(), key: z.string().nullable(), data: z.string().nullable() }))
            .nullable(),
        })
        .nullable()
        .optional(),
    }),
  }),
});

export interface ProofOp {
  type: string;
  key: Uint8Array;
  data: Uint8Array;
}

export interface AbciQueryResult {
  code: number;
  log: string;
  value: Uint8Array;
  /** The proof, when asked for with `prove` (Metro's store queries: one "metro:smt" op). */
  proofOps: ProofOp[];
}

/** ABCI query over the RPC's GET interface (`data` goes hex-encoded). */
export async function abciQuery(
  rpcUrl: string,
  path: string,
  data: Uint8Array,
  height = 0,
  prove = false,
): Promise<AbciQueryResult> {
  const params = new URLSearchParams({
    path: JSON.stringify(path),
    data: `0x${Buffer.from(data).toString("hex")}`,
  });
  if (height > 0) params.set("height", String(height));
  if (prove) params.set("prove", "true");
  const { result } = await rpcGet(`${rpcUrl}/abci_query?${params}`, AbciQuerySchema);
  const { response } = result;
  return {
    code: response.code ?? 0,
    log: response.log ?? "",
    value: fromBase64(response.value ?? ""),
    proofOps: (response.proofOps?.ops ?? []).map((op) => ({
      type: op.type,
      key: fromBase64(op.key ?? ""),
      data: fromBase64(op.data ?? ""),
    })),
  };
}

const BroadcastResultSchema = z.object({
  code: z.number(),
  log: z.string().optional(),
  codespace: z.string().optional(),
  hash: z.string(),
});

const JsonRpcReplySchema = z.object({
  id: z.number(),
  result: BroadcastResultSchema.optional(),
  error: z.object({ code: z.number(), message: z.string(), data: z.string().optional() }).optional(),
});

/** CheckTx's verdict on one tx, or the RPC's own refusal (mempool full, already in cache…). */
export type BroadcastOutcome =
  | { kind: "checked"; code: number; codespace: string; log: string; hash: string }
  | { kind: "refused"; message: string };

/** sync waits for CheckTx's verdict; async returns once the tx is queued for CheckTx. */
export type BroadcastMode = "sync" | "async";

/** CometBFT's default `rpc.max_request_batch_size`. */
const MAX_BATCH = 10;
const BATCHES_IN_FLIGHT = 8;

/**
 * Sends txs with `broadcast_tx_sync`, in JSON-RPC batches of ten with a few batches in flight,
 * and returns each outcome in order. Mempool admission order follows arrival, so txs from one
 * account that must land in sequence order belong in one call, or in calls made one by one.
 */
export async function broadcastTxs(
  rpcUrl: string,
  txs: readonly Uint8Array[],
  mode: BroadcastMode = "sync",
): Promise<BroadcastOutcome[]> {
  const outcomes: BroadcastOutcome[] = [];
  for (let start = 0; start < txs.length; start += MAX_BATCH * BATCHES_IN_FLIGHT) {
    const batches: Promise<BroadcastOutcome[]>[] = [];
    for (let i = 0; i < BATCHES_IN_FLIGHT && start + i * MAX_BATCH < txs.length; i++) {
      const from = start + i * MAX_BATCH;
      batches.push(broadcastBatch(rpcUrl, txs.slice(from, from + MAX_BATCH), mode));
    }
    for (const batch of await Promise.all(batches)) outcomes.push(...batch);
  }
  return outcomes;
}

async function broadcastBatch(
  rpcUrl: string,
  txs: readonly Uint8Array[],
  mode: BroadcastMode,
): Promise<BroadcastOutcome[]> {
  const body = txs.map((tx, id) => ({
    jsonrpc: "2.0",
    id,
    method: `broadcast_tx_${mode}`,
    params: { tx: Buffer.from(tx).toString("base64") },
  }));
  let response: Response;
  try {
    response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new RpcError(`broadcast to ${rpcUrl}: ${describeFetchError(error)}`);
  }
  // CometBFT answers a batch of one with a bare object rather than an array of one.
  const reply: unknown = await response.json().catch(() => undefined);
  const parsed = z.array(JsonRpcReplySchema).safeParse(Array.isArray(reply) ? reply : [reply]);
  if (!parsed.success) {
    const snippet = JSON.stringify(reply)?.slice(0, 300);
    throw new RpcError(`broadcast to ${rpcUrl}: unexpected reply (HTTP ${response.status}): ${snippet}`);
  }
  const outcomes: BroadcastOutcome[] = txs.map(() => ({ kind: "refused", message: "no reply" }));
  for (const reply of parsed.data) {
    outcomes[reply.id] = reply.result
      ? {
          kind: "checked",
          code: reply.result.code,
          codespace: reply.result.codespace ?? "",
          log: reply.result.log ?? "",
          hash: reply.result.hash,
        }
      : { kind: "refused", message: `${reply.error?.message ?? ""} ${reply.error?.data ?? ""}`.trim() };
  }
  return outcomes;
}

const TxLookupSchema = z.object({
  result: z.object({ height: z.string(), tx_result: z.object({ code: z.number() }) }).optional(),
  error: z.object({ data: z.string().optional() }).optional(),
});

/** Where a tx was committed, or undefined if the node does not know it. */
export async function txHeight(rpcUrl: string, hashHex: string): Promise<number | undefined> {
  const reply = await rpcGet(`${rpcUrl}/tx?hash=0x${hashHex}`, TxLookupSchema);
  return reply.result ? Number(reply.result.height) : undefined;
}
