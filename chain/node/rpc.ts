/** The few CometBFT RPC reads Metro's tools need, validated with zod. */
import { z } from "zod";
import { fromBase64 } from "../../core/bytes.js";

export class RpcError extends Error {
  override name = "RpcError";
}

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

async function get<T>(url: string, schema: z.ZodType<T>): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new RpcError(`GET ${url}: ${(error as Error).message}`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new RpcError(`GET ${url}: unexpected response (HTTP ${response.status})`);
  return parsed.data;
}

export interface NodeStatus {
  chainId: string;
  height: number;
  appHash: string;
  catchingUp: boolean;
}

export async function nodeStatus(rpcUrl: string): Promise<NodeStatus> {
  const { result } = await get(`${rpcUrl}/status`, StatusSchema);
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
  const { result } = await get(`${rpcUrl}/block?height=${height}`, BlockSchema);
  const { header, data } = result.block;
  return {
    height: Number(header.height),
    appHash: header.app_hash,
    time: header.time,
    txs: (data.txs ?? []).map(fromBase64),
  };
}

/** Waits until the node at `rpcUrl` has committed `height`. */
export async function waitForHeight(rpcUrl: string, height: number, timeoutMs = 60_000): Promise<NodeStatus> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    try {
      const status = await nodeStatus(rpcUrl);
      if (status.height >= height) return status;
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
    }),
  }),
});

export interface AbciQueryResult {
  code: number;
  log: string;
  value: Uint8Array;
}

/** ABCI query over the RPC's GET interface (`data` goes hex-encoded). */
export async function abciQuery(
  rpcUrl: string,
  path: string,
  data: Uint8Array,
  height = 0,
): Promise<AbciQueryResult> {
  const params = new URLSearchParams({
    path: JSON.stringify(path),
    data: `0x${Buffer.from(data).toString("hex")}`,
  });
  if (height > 0) params.set("height", String(height));
  const { result } = await get(`${rpcUrl}/abci_query?${params}`, AbciQuerySchema);
  const { response } = result;
  return { code: response.code ?? 0, log: response.log ?? "", value: fromBase64(response.value ?? "") };
}
