/**
 * Committed txs in the SDK gateway's JSON (GetTxResponse, GetTxsEventResponse), read from
 * CometBFT's tx indexer (`tx`, `tx_search`) as the SDK's own service does.
 */
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { z } from "zod";
import { RpcError, rpcGet } from "../node/rpc.js";
import { RestError } from "./errors.js";
import { toRestJson } from "./json.js";

const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;
/** The SDK's query.DefaultLimit; CometBFT serves at most 100 per page. */
const DEFAULT_LIMIT = 100;

const RpcErrorSchema = z.object({ message: z.string(), data: z.string().optional() }).optional();

const CometTxSchema = z.object({
  hash: z.string(),
  height: z.string(),
  tx: z.string(),
  tx_result: z.object({
    code: z.number().default(0),
    codespace: z.string().default(""),
    data: z.string().nullish(),
    log: z.string().default(""),
    info: z.string().default(""),
    gas_wanted: z.string().default("0"),
    gas_used: z.string().default("0"),
    events: z
      .array(
        z.object({
          type: z.string(),
          attributes: z
            .array(
              z.object({ key: z.string(), value: z.string().nullish(), index: z.boolean().default(false) }),
            )
            .nullish(),
        }),
      )
      .nullish(),
  }),
});
type CometTx = z.infer<typeof CometTxSchema>;

const TxReplySchema = z.object({ result: CometTxSchema.optional(), error: RpcErrorSchema });
const SearchReplySchema = z.object({
  result: z.object({ txs: z.array(CometTxSchema).nullish(), total_count: z.string() }).optional(),
  error: RpcErrorSchema,
});
const HeaderReplySchema = z.object({ result: z.object({ header: z.object({ time: z.string() }) }) });

/** A tx's bytes as the gateway shows a cosmos.tx.v1beta1.Tx: body and auth info with `@type` Anys. */
export function txJson(bytes: Uint8Array): unknown {
  let raw: TxRaw;
  let body: TxBody;
  let authInfo: AuthInfo;
  try {
    raw = TxRaw.decode(bytes);
    body = TxBody.decode(raw.bodyBytes);
    authInfo = AuthInfo.decode(raw.authInfoBytes);
  } catch (error) {
    // Committed txs decode (CheckTx saw to it): one that does not came from a broken node.
    throw new RpcError(`the node served a tx that does not decode: ${(error as Error).message}`);
  }
  return toRestJson({
    body: TxBody.toJSON(body),
    authInfo: AuthInfo.toJSON(authInfo),
    signatures: raw.signatures.map((signature) => Buffer.from(signature).toString("base64")),
  });
}

/** Go's time.RFC3339, which the SDK uses for tx timestamps: whole seconds. */
const rfc3339 = (time: string): string => time.replace(/\.\d+(?=Z|[+-]\d\d:\d\d$)/, "");

async function blockTimes(rpc: string, heights: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(heights)];
  const times = await Promise.all(
    unique.map(async (height) => (await rpcGet(`${rpc}/header?height=${height}`, HeaderReplySchema)).result),
  );
  return new Map(unique.map((height, i) => [height, rfc3339(times[i]!.header.time)]));
}

/** cosmos.base.abci.v1beta1.TxResponse as the gateway writes it. */
function txResponse(tx: CometTx, json: unknown, timestamp: string): Record<string, unknown> {
  const result = tx.tx_result;
  return {
    height: tx.height,
    txhash: tx.hash.toUpperCase(),
    codespace: result.codespace,
    code: result.code,
    data: Buffer.from(result.data ?? "", "base64")
      .toString("hex")
      .toUpperCase(),
    raw_log: result.log,
    // Since SDK 0.50 the log is plain text and `logs` stays empty; the events say it all.
    logs: [],
    info: result.info,
    gas_wanted: result.gas_wanted,
    gas_used: result.gas_used,
    tx: { "@type": "/cosmos.tx.v1beta1.Tx", ...(json as Record<string, unknown>) },
    timestamp,
    events: (result.events ?? []).map((event) => ({
      type: event.type,
      attributes: (event.attributes ?? []).map((a) => ({ key: a.key, value: a.value ?? "", index: a.index })),
    })),
  };
}

/** GET /cosmos/tx/v1beta1/txs/{hash}. */
export async function getTx(rpc: string, hash: string): Promise<unknown> {
  if (!/^[0-9a-fA-F]{64}$/.test(hash)) {
    throw new RestError(400, GRPC_INVALID_ARGUMENT, `invalid tx hash "${hash}": want 64 hex digits`);
  }
  const reply = await rpcGet(`${rpc}/tx?hash=0x${hash}`, TxReplySchema);
  if (!reply.result) {
    const detail = reply.error?.data || reply.error?.message || "";
    if (/not found/i.test(detail)) throw new RestError(404, GRPC_NOT_FOUND, `tx not found: ${hash}`);
    throw new RpcError(`tx ${hash}: the node refused: ${detail || "no reason given"}`);
  }
  const times = await blockTimes(rpc, [reply.result.height]);
  const json = txJson(Buffer.from(reply.result.tx, "base64"));
  return { tx: json, tx_response: txResponse(reply.result, json, times.get(reply.result.height)!) };
}

const ORDER = new Map([
  ["", ""],
  ["0", ""],
  ["ORDER_BY_UNSPECIFIED", ""],
  ["1", "asc"],
  ["ORDER_BY_ASC", "asc"],
  ["2", "desc"],
  ["ORDER_BY_DESC", "desc"],
]);

function positive(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null || text === "") return undefined;
  if (!/^\d+$/.test(text))
    throw new RestError(400, GRPC_INVALID_ARGUMENT, `${name} must be an integer, got "${text}"`);
  return Number(text);
}

/** The CometBFT query: SDK 0.50's `query`, or the older repeated `events` joined with AND. */
function searchQuery(query: URLSearchParams): string {
  const text = query.get("query");
  if (text) return text;
  const events = query.getAll("events").filter((event) => event !== "");
  if (events.length === 0) throw new RestError(400, GRPC_INVALID_ARGUMENT, "query cannot be empty");
  for (const event of events) {
    if (event.split("=").length !== 2) {
      throw new RestError(
        400,
        GRPC_INVALID_ARGUMENT,
        `invalid event; event ${event} should be of the format: {eventType}.{eventAttribute}={value}`,
      );
    }
  }
  return events.join(" AND ");
}

/** Page and limit: SDK 0.50's `page`/`limit`, else the older `pagination.offset`/`pagination.limit`. */
function pageOf(query: URLSearchParams): { page: number; limit: number } {
  const limit = positive(query, "limit") || positive(query, "pagination.limit") || DEFAULT_LIMIT;
  const page = positive(query, "page") || Math.floor((positive(query, "pagination.offset") ?? 0) / limit) + 1;
  return { page, limit };
}

/** GET /cosmos/tx/v1beta1/txs?query=… (or events=…). */
export async function searchTxs(rpc: string, query: URLSearchParams): Promise<unknown> {
  const search = searchQuery(query);
  const { page, limit } = pageOf(query);
  const order = ORDER.get(query.get("order_by") ?? "");
  if (order === undefined) {
    throw new RestError(400, GRPC_INVALID_ARGUMENT, `unknown order_by "${query.get("order_by")}"`);
  }
  const params = new URLSearchParams({
    query: JSON.stringify(search),
    page: String(page),
    per_page: String(limit),
  });
  if (order) params.set("order_by", JSON.stringify(order));
  const reply = await rpcGet(`${rpc}/tx_search?${params}`, SearchReplySchema);
  if (!reply.result) {
    throw new RestError(400, GRPC_INVALID_ARGUMENT, reply.error?.data || reply.error?.message || "bad query");
  }
  const found = reply.result.txs ?? [];
  const times = await blockTimes(
    rpc,
    found.map((tx) => tx.height),
  );
  const total = reply.result.total_count;
  const txs = found.map((tx) => txJson(Buffer.from(tx.tx, "base64")));
  return {
    txs,
    tx_responses: found.map((tx, i) => txResponse(tx, txs[i], times.get(tx.height)!)),
    pagination: { next_key: null, total },
    total,
  };
}
