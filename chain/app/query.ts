/** ABCI Query: the gRPC paths cosmjs uses, Metro's own, and raw state reads with proofs. */

import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import type { RequestQuery, ResponseQuery } from "cosmjs-types/tendermint/abci/types";
import { canonicalAddress } from "../../core/address.js";
import { fromUtf8, toHex, utf8 } from "../../core/bytes.js";
import {
  QueryChallengesRequestCodec,
  QueryChallengesResponseCodec,
  QueryHeaderRequestCodec,
  QueryHeaderResponseCodec,
  QueryRollupRequestCodec,
  QueryRollupResponseCodec,
  ROLLUP_QUERY_PATHS,
} from "../../core/proto/rollup.js";
import {
  QueryBlockRollupsRequestCodec,
  QueryBlockRollupsResponseCodec,
  QueryParamsResponseCodec,
  QueryPath,
  QueryRollupDataRequestCodec,
  QueryRollupDataResponseCodec,
} from "../../core/proto/sequencer.js";
import { rollupHeaderHash } from "../../core/rollup-header.js";
import { encodeSmtProof } from "../../core/smt.js";
import { getAccount } from "../modules/auth.js";
import { balancePrefix, getBalance } from "../modules/bank.js";
import { challengesOf } from "../modules/challenges.js";
import { readParams } from "../modules/params.js";
import { getHeader, getRollup, latestHeight } from "../modules/rollups.js";
import { type CommittedState, PrunedHeightError } from "../store/committed.js";
import type { StateReader } from "../store/overlay.js";
import { SdkCode } from "../tx/errors.js";
import type { TxOutcome } from "./execute.js";
import { govQueryHandlers } from "./query-gov.js";
import { stakingQueryHandlers } from "./query-staking.js";
import { rollupsAt, rollupTxsAt } from "./rollup-index.js";

/** The path of raw state reads; `data` is the key, `prove` adds a sparse Merkle proof. */
export const STORE_QUERY_PATH = QueryPath.storeKey;
export const SMT_PROOF_OP_TYPE = "metro:smt";

export class QueryError extends Error {
  override name = "QueryError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The gRPC-style NotFound every query answers with. */
export const notFound = (what: string): QueryError =>
  new QueryError(SdkCode.KeyNotFound, `rpc error: code = NotFound desc = ${what}`);

/** Lists are served whole: the page reports the total and no next key. */
export const page = (total: number) => ({ nextKey: new Uint8Array(), total: BigInt(total) });

/** `reader` with its scan, which only the latest height has (past heights are tree reads). */
export function scannable(reader: StateReader): StateReader & Required<Pick<StateReader, "scan">> {
  const scan = reader.scan?.bind(reader);
  if (!scan) throw new QueryError(SdkCode.InvalidRequest, "lists are served at the latest height only");
  return { get: (key) => reader.get(key), scan };
}

export interface QueryContext {
  store: CommittedState;
  simulate(txBytes: Uint8Array): TxOutcome;
}

export type QueryHandler = (
  data: Uint8Array,
  reader: StateReader,
  height: bigint,
  context: QueryContext,
) => Uint8Array;

const bankAndSequencerHandlers: Record<string, QueryHandler> = {
  "/cosmos.auth.v1beta1.Query/Account": (data, reader) => {
    const address = canonicalAddress(QueryAccountRequest.decode(data).address);
    const account = getAccount(reader, address);
    if (!account) throw notFound(`account ${address} not found: key not found`);
    const any = { typeUrl: "/cosmos.auth.v1beta1.BaseAccount", value: BaseAccount.encode(account).finish() };
    return QueryAccountResponse.encode({ account: any }).finish();
  },
  "/cosmos.bank.v1beta1.Query/Balance": (data, reader) => {
    const { denom, ...request } = QueryBalanceRequest.decode(data);
    const address = canonicalAddress(request.address);
    const amount = getBalance(reader, address, denom).toString();
    return QueryBalanceResponse.encode({ balance: { denom, amount } }).finish();
  },
  "/cosmos.bank.v1beta1.Query/AllBalances": (data, _reader, height, context) => {
    const address = canonicalAddress(QueryAllBalancesRequest.decode(data).address);
    if (height !== context.store.height)
      throw new QueryError(SdkCode.InvalidRequest, "AllBalances is served at the latest height only");
    const prefix = balancePrefix(address);
    const balances = [...context.store.scan(prefix)].map(([key, value]) => ({
      denom: key.slice(prefix.length),
      amount: fromUtf8(value),
    }));
    return QueryAllBalancesResponse.encode({
      balances,
      pagination: { nextKey: new Uint8Array(), total: BigInt(balances.length) },
    }).finish();
  },
  "/cosmos.tx.v1beta1.Service/Simulate": (data, _reader, _height, context) => {
    const { txBytes } = SimulateRequest.decode(data);
    const outcome = context.simulate(txBytes);
    if (outcome.code !== 0) throw new QueryError(outcome.code, outcome.log);
    return SimulateResponse.encode({
      gasInfo: { gasWanted: outcome.gasWanted, gasUsed: outcome.gasUsed },
      result: { data: new Uint8Array(), log: "", events: outcome.events, msgResponses: [] },
    }).finish();
  },
  [QueryPath.params]: (_data, reader) => QueryParamsResponseCodec.encode({ params: readParams(reader) }),
  [ROLLUP_QUERY_PATHS.rollup]: (data, reader) => {
    const { rollupId } = QueryRollupRequestCodec.decode(data);
    const rollup = getRollup(reader, rollupId);
    if (!rollup) throw notFound(`rollup ${toHex(rollupId)} is not registered`);
    return QueryRollupResponseCodec.encode({ rollup, latestHeight: latestHeight(reader, rollupId) });
  },
  [ROLLUP_QUERY_PATHS.header]: (data, reader) => {
    const { rollupId, rollupHeight } = QueryHeaderRequestCodec.decode(data);
    const header = getHeader(reader, rollupId, rollupHeight);
    if (!header?.signed?.header) throw notFound(`no header ${rollupHeight} for rollup ${toHex(rollupId)}`);
    return QueryHeaderResponseCodec.encode({ header, hash: rollupHeaderHash(header.signed.header) });
  },
  [ROLLUP_QUERY_PATHS.challenges]: (data, reader) => {
    const { rollupId } = QueryChallengesRequestCodec.decode(data);
    if (!getRollup(reader, rollupId)) throw notFound(`rollup ${toHex(rollupId)} is not registered`);
    return QueryChallengesResponseCodec.encode({ challenges: challengesOf(reader, rollupId) });
  },
  [QueryPath.rollupData]: (data, _reader, _height, context) => {
    const { height, rollupId } = QueryRollupDataRequestCodec.decode(data);
    const txs = rollupTxsAt(context.store, height, rollupId);
    return QueryRollupDataResponseCodec.encode({ height, rollupId, txs });
  },
  [QueryPath.blockRollups]: (data, _reader, _height, context) => {
    const { height } = QueryBlockRollupsRequestCodec.decode(data);
    return QueryBlockRollupsResponseCodec.encode({ height, rollups: rollupsAt(context.store, height) });
  },
};

function emptyResponse(height: bigint): ResponseQuery {
  return {
    code: 0,
    log: "",
    info: "",
    index: 0n,
    key: new Uint8Array(),
    value: new Uint8Array(),
    height,
    codespace: "",
  };
}

/** A reader of the state as it was committed at `height`. */
function readerAt(store: CommittedState, height: bigint): { reader: StateReader; root: Uint8Array } {
  const root = store.rootAt(height);
  if (!root) throw new PrunedHeightError("state", height, store.earliestHeight(), store.height);
  if (height === store.height) return { reader: store, root };
  // Past heights are read through the tree: single keys only, no scans.
  const tree = store.tree();
  return { reader: { get: (key) => tree.get(root, utf8(key)) }, root };
}

export function handleQuery(request: RequestQuery, context: QueryContext): ResponseQuery {
  const { store } = context;
  const height = request.height === 0n ? store.height : request.height;
  const response = emptyResponse(height);
  try {
    if (height > store.height || height <= 0n) {
      throw new QueryError(
        SdkCode.InvalidRequest,
        `height ${height} is not committed (latest ${store.height})`,
      );
    }
    const { reader, root } = readerAt(store, height);
    if (request.path === STORE_QUERY_PATH) {
      const { value, proof } = store.tree().prove(root, request.data);
      response.key = request.data;
      response.value = value ?? new Uint8Array();
      if (request.prove) {
        response.proofOps = {
          ops: [{ type: SMT_PROOF_OP_TYPE, key: request.data, data: encodeSmtProof(proof) }],
        };
      }
      return response;
    }
    const handler =
      bankAndSequencerHandlers[request.path] ??
      stakingQueryHandlers[request.path] ??
      govQueryHandlers[request.path];
    if (!handler) throw new QueryError(SdkCode.UnknownRequest, `unknown query path ${request.path}`);
    response.value = handler(request.data, reader, height, context);
    return response;
  } catch (error) {
    const code = error instanceof QueryError ? error.code : SdkCode.InvalidRequest;
    return { ...response, code, codespace: "sdk", log: (error as Error).message };
  }
}
