/**
 * The REST (LCD) routes wallets such as Keplr read, each answered by the ABCI query the Cosmos
 * SDK's gateway would make, through the node's CometBFT RPC. Paths and JSON are the SDK's.
 */
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import * as bank from "cosmjs-types/cosmos/bank/v1beta1/query";
import * as dist from "cosmjs-types/cosmos/distribution/v1beta1/query";
import * as govV1 from "cosmjs-types/cosmos/gov/v1/query";
import * as govV1beta1 from "cosmjs-types/cosmos/gov/v1beta1/query";
import * as slashing from "cosmjs-types/cosmos/slashing/v1beta1/query";
import * as staking from "cosmjs-types/cosmos/staking/v1beta1/query";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { z } from "zod";
import { abciQuery, RpcError, rpcGet } from "../node/rpc.js";
import { getBlock } from "./blocks.js";
import { RestError } from "./errors.js";
import { toRestJson } from "./json.js";
import { getTx, searchTxs } from "./txs.js";

export { RestError } from "./errors.js";

interface RequestType<T> {
  fromPartial(object: Record<string, unknown>): T;
  encode(message: T): { finish(): Uint8Array };
}

interface ResponseType {
  decode(bytes: Uint8Array): unknown;
  toJSON(message: never): unknown;
}

/** SDK codes that mean "not found" or "bad request" become those HTTP statuses, as the gateway maps them. */
function statusOf(code: number, log: string): number {
  if (code === 22 || /not found/i.test(log)) return 404;
  return code === 0 ? 200 : 400;
}

async function grpc<T>(
  rpc: string,
  path: string,
  request: RequestType<T>,
  response: ResponseType,
  fields: Record<string, unknown>,
): Promise<unknown> {
  const bytes = request.encode(request.fromPartial(fields)).finish();
  const result = await abciQuery(rpc, path, bytes);
  if (result.code !== 0) {
    const message = result.log || `${path} failed with code ${result.code}`;
    throw new RestError(statusOf(result.code, result.log), result.code, message);
  }
  let decoded: unknown;
  try {
    decoded = response.decode(result.value);
  } catch (error) {
    throw new RpcError(`${path}: the node's answer does not decode: ${(error as Error).message}`);
  }
  return toRestJson((response.toJSON as (m: unknown) => unknown)(decoded));
}

export interface RouteInput {
  rpc: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

export interface Route {
  method: "GET" | "POST";
  pattern: RegExp;
  handle(input: RouteInput): Promise<unknown>;
}

const get = (path: string, handle: Route["handle"]): Route => ({
  method: "GET",
  pattern: compile(path),
  handle,
});
const post = (path: string, handle: Route["handle"]): Route => ({
  method: "POST",
  pattern: compile(path),
  handle,
});

/** "/a/{name}/b" → /^\/a\/(?<name>[^/]+)\/b$/ */
function compile(path: string): RegExp {
  const source = path.replace(/\{(\w+)\}/g, (_m, name: string) => `(?<${name}>[^/]+)`);
  return new RegExp(`^${source}$`);
}

/** A uint64 path parameter (a proposal id): a RestError unless it is a decimal that fits 64 bits. */
function uint64Param(text: string | undefined, name: string): bigint {
  if (text === undefined || !/^\d{1,20}$/.test(text) || BigInt(text) >= 2n ** 64n) {
    throw new RestError(400, 3, `${name} must be an unsigned 64-bit integer, got "${text ?? ""}"`);
  }
  return BigInt(text);
}

const TxBodySchema = z.object({ tx_bytes: z.string().min(1), mode: z.string().optional() });

function txBody(body: unknown): z.infer<typeof TxBodySchema> {
  const parsed = TxBodySchema.safeParse(body);
  if (!parsed.success) throw new RestError(400, 3, `invalid request body: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const BroadcastSchema = z.object({
  result: z
    .object({
      code: z.number(),
      log: z.string().optional(),
      codespace: z.string().optional(),
      hash: z.string(),
    })
    .optional(),
  error: z.object({ message: z.string(), data: z.string().optional() }).optional(),
});

/** The node's answer to a broadcast; a node that cannot be reached or answers garbage is an RpcError (503). */
async function broadcast(rpc: string, method: string, tx: string): Promise<z.infer<typeof BroadcastSchema>> {
  let response: Response;
  try {
    response = await fetch(rpc, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { tx } }),
    });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message;
    throw new RpcError(`${method}: ${rpc} unreachable: ${cause ?? (error as Error).message}`);
  }
  const parsed = BroadcastSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success)
    throw new RpcError(`${method}: unexpected response from the node (HTTP ${response.status})`);
  return parsed.data;
}

const StatusSchema = z.object({
  result: z.object({
    node_info: z.object({ network: z.string(), version: z.string(), moniker: z.string(), id: z.string() }),
  }),
});

export const ROUTES: Route[] = [
  get("/cosmos/auth/v1beta1/accounts/{address}", ({ rpc, params }) =>
    grpc(rpc, "/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest, QueryAccountResponse, params),
  ),
  get("/cosmos/bank/v1beta1/balances/{address}", ({ rpc, params }) =>
    grpc(
      rpc,
      "/cosmos.bank.v1beta1.Query/AllBalances",
      bank.QueryAllBalancesRequest,
      bank.QueryAllBalancesResponse,
      params,
    ),
  ),
  // No vesting or locks in Metro: everything held is spendable.
  get("/cosmos/bank/v1beta1/spendable_balances/{address}", ({ rpc, params }) =>
    grpc(
      rpc,
      "/cosmos.bank.v1beta1.Query/AllBalances",
      bank.QueryAllBalancesRequest,
      bank.QueryAllBalancesResponse,
      params,
    ),
  ),
  get("/cosmos/bank/v1beta1/balances/{address}/by_denom", ({ rpc, params, query }) =>
    grpc(rpc, "/cosmos.bank.v1beta1.Query/Balance", bank.QueryBalanceRequest, bank.QueryBalanceResponse, {
      ...params,
      denom: query.get("denom") ?? "",
    }),
  ),
  get("/cosmos/staking/v1beta1/validators", ({ rpc, query }) =>
    grpc(
      rpc,
      "/cosmos.staking.v1beta1.Query/Validators",
      staking.QueryValidatorsRequest,
      staking.QueryValidatorsResponse,
      {
        status: query.get("status") ?? "",
      },
    ),
  ),
  get("/cosmos/staking/v1beta1/validators/{validatorAddr}", ({ rpc, params }) =>
    grpc(
      rpc,
      "/cosmos.staking.v1beta1.Query/Validator",
      staking.QueryValidatorRequest,
      staking.QueryValidatorResponse,
      params,
    ),
  ),
  get("/cosmos/staking/v1beta1/validators/{validatorAddr}/delegations/{delegatorAddr}", ({ rpc, params }) =>
    grpc(
      rpc,
      "/cosmos.staking.v1beta1.Query/Delegation",
      staking.QueryDelegationRequest,
      staking.QueryDelegationResponse,
      params,
    ),
  ),
  get("/cosmos/staking/v1beta1/delegations/{delegatorAddr}", ({ rpc, params }) =>
    grpc(
      rpc,
      "/cosmos.staking.v1beta1.Query/DelegatorDelegations",
      staking.QueryDelegatorDelegationsRequest,
      staking.QueryDelegatorDelegationsResponse,
      params,
    ),
  ),
  get("/cosmos/staking/v1beta1/delegators/{delegatorAddr}/unbonding_delegations", ({ rpc, params }) =>
    grpc(
      rpc,
      "/cosmos.staking.v1beta1.Query/DelegatorUnbondingDelegations",
      staking.QueryDelegatorUnbondingDelegationsRequest,
      staking.QueryDelegatorUnbondingDelegationsResponse,
      params,
    ),
  ),
  get("/cosmos/staking/v1beta1/pool", ({ rpc }) =>
    grpc(rpc, "/cosmos.staking.v1beta1.Query/Pool", staking.QueryPoolRequest, staking.QueryPoolResponse, {}),
  ),
  get("/cosmos/staking/v1beta1/params", ({ rpc }) =>
    grpc(
      rpc,
      "/cosmos.staking.v1beta1.Query/Params",
      staking.QueryParamsRequest,
      staking.QueryParamsResponse,
      {},
    ),
  ),
  get("/cosmos/distribution/v1beta1/delegators/{delegatorAddress}/rewards", ({ rpc, params }) =>
    grpc(
      rpc,
      "/cosmos.distribution.v1beta1.Query/DelegationTotalRewards",
      dist.QueryDelegationTotalRewardsRequest,
      dist.QueryDelegationTotalRewardsResponse,
      params,
    ),
  ),
  get(
    "/cosmos/distribution/v1beta1/delegators/{delegatorAddress}/rewards/{validatorAddress}",
    ({ rpc, params }) =>
      grpc(
        rpc,
        "/cosmos.distribution.v1beta1.Query/DelegationRewards",
        dist.QueryDelegationRewardsRequest,
        dist.QueryDelegationRewardsResponse,
        params,
      ),
  ),
  get("/cosmos/distribution/v1beta1/validators/{validatorAddress}/commission", ({ rpc, params }) =>
    grpc(
      rpc,
      "/cosmos.distribution.v1beta1.Query/ValidatorCommission",
      dist.QueryValidatorCommissionRequest,
      dist.QueryValidatorCommissionResponse,
      params,
    ),
  ),
  get("/cosmos/slashing/v1beta1/signing_infos", ({ rpc }) =>
    grpc(
      rpc,
      "/cosmos.slashing.v1beta1.Query/SigningInfos",
      slashing.QuerySigningInfosRequest,
      slashing.QuerySigningInfosResponse,
      {},
    ),
  ),
  get("/cosmos/slashing/v1beta1/params", ({ rpc }) =>
    grpc(
      rpc,
      "/cosmos.slashing.v1beta1.Query/Params",
      slashing.QueryParamsRequest,
      slashing.QueryParamsResponse,
      {},
    ),
  ),
  get("/cosmos/gov/v1/proposals", ({ rpc }) =>
    grpc(
      rpc,
      "/cosmos.gov.v1.Query/Proposals",
      govV1.QueryProposalsRequest,
      govV1.QueryProposalsResponse,
      {},
    ),
  ),
  get("/cosmos/gov/v1/proposals/{proposalId}", ({ rpc, params }) =>
    grpc(rpc, "/cosmos.gov.v1.Query/Proposal", govV1.QueryProposalRequest, govV1.QueryProposalResponse, {
      proposalId: uint64Param(params.proposalId, "proposal_id"),
    }),
  ),
  get("/cosmos/gov/v1/proposals/{proposalId}/tally", ({ rpc, params }) =>
    grpc(
      rpc,
      "/cosmos.gov.v1.Query/TallyResult",
      govV1.QueryTallyResultRequest,
      govV1.QueryTallyResultResponse,
      { proposalId: uint64Param(params.proposalId, "proposal_id") },
    ),
  ),
  get("/cosmos/gov/v1beta1/proposals", ({ rpc }) =>
    grpc(
      rpc,
      "/cosmos.gov.v1beta1.Query/Proposals",
      govV1beta1.QueryProposalsRequest,
      govV1beta1.QueryProposalsResponse,
      {},
    ),
  ),
  get("/cosmos/base/tendermint/v1beta1/node_info", async ({ rpc }) => {
    const { result } = await rpcGet(`${rpc}/status`, StatusSchema);
    return {
      default_node_info: result.node_info,
      application_version: { name: "metro", app_name: "metro", version: "0.1.0" },
    };
  }),
  get("/cosmos/base/tendermint/v1beta1/blocks/latest", ({ rpc }) => getBlock(rpc)),
  get("/cosmos/base/tendermint/v1beta1/blocks/{height}", ({ rpc, params }) => getBlock(rpc, params.height)),
  get("/cosmos/tx/v1beta1/txs/{hash}", ({ rpc, params }) => getTx(rpc, params.hash!)),
  get("/cosmos/tx/v1beta1/txs", ({ rpc, query }) => searchTxs(rpc, query)),
  post("/cosmos/tx/v1beta1/simulate", ({ rpc, body }) =>
    grpc(rpc, "/cosmos.tx.v1beta1.Service/Simulate", SimulateRequest, SimulateResponse, {
      txBytes: Buffer.from(txBody(body).tx_bytes, "base64"),
    }),
  ),
  post("/cosmos/tx/v1beta1/txs", async ({ rpc, body }) => {
    const { tx_bytes, mode } = txBody(body);
    // Sync is what the SDK does for every mode it still supports; "block" mode is gone there too.
    if (mode && mode !== "BROADCAST_MODE_SYNC" && mode !== "BROADCAST_MODE_ASYNC") {
      throw new RestError(400, 3, `unsupported broadcast mode ${mode}`);
    }
    const method = mode === "BROADCAST_MODE_ASYNC" ? "broadcast_tx_async" : "broadcast_tx_sync";
    const reply = await broadcast(rpc, method, tx_bytes);
    if (!reply.result)
      throw new RestError(400, 3, reply.error?.data || reply.error?.message || "broadcast failed");
    const { code, log, codespace, hash } = reply.result;
    return {
      tx_response: { height: "0", txhash: hash, codespace: codespace ?? "", code, raw_log: log ?? "" },
    };
  }),
];
