/** Metro's own queries over a node's RPC, typed: what the CLI and the devnet printer ask. */

import * as slashingQuery from "cosmjs-types/cosmos/slashing/v1beta1/query";
import type { ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import { consensusAddressText } from "../../core/address.js";
import { utf8 } from "../../core/bytes.js";
import { ORACLE_STATE_KEYS } from "../../core/oracle-state.js";
import { type OracleParams, OracleParamsCodec } from "../../core/proto/gov.js";
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
  type Params,
  QueryBlockRollupsRequestCodec,
  QueryBlockRollupsResponseCodec,
  QueryParamsResponseCodec,
  QueryPath,
  QueryRollupDataRequestCodec,
  type QueryRollupDataResponse,
  QueryRollupDataResponseCodec,
  type RollupCount,
} from "../../core/proto/sequencer.js";
import { type ValidatorRecord, ValidatorRecordCodec } from "../../core/proto/staking.js";
import { type CurrencyPair, type OracleInputs, oracleInputs, pairsFrom } from "../../oracle/index.js";
import { maxBlockTxBytes } from "../app/block-layout.js";
import { decodePrice, type Price, priceKey } from "../modules/oracle.js";
import { DEFAULT_ORACLE_PARAMS, faultRecordKey, ORACLE_PARAMS_KEY } from "../modules/oracle-penalties.js";
import { fromSdkSlashingParams, type SlashingParams } from "../modules/slashing.js";
import { consensusAddress, validatorKey } from "../modules/staking.js";
import { abciQuery, blockMaxBytes, nodeStatus } from "../node/rpc.js";
import { validatorsAt } from "../node/signed-block.js";
import { decodeInteger } from "../store/integers.js";
import { SdkCode } from "../tx/errors.js";

const SDK_KEY_NOT_FOUND = SdkCode.KeyNotFound;

export class QueryFailedError extends Error {
  override name = "QueryFailedError";
  constructor(
    readonly path: string,
    readonly code: number,
    log: string,
  ) {
    super(`query ${path} failed (${code}): ${log}`);
  }
}

/** `height` 0 reads the latest committed state. */
async function query(rpcUrl: string, path: string, data: Uint8Array, height = 0): Promise<Uint8Array> {
  const result = await abciQuery(rpcUrl, path, data, height);
  if (result.code !== 0) throw new QueryFailedError(path, result.code, result.log);
  return result.value;
}

export async function queryParams(rpcUrl: string): Promise<Params> {
  return QueryParamsResponseCodec.decode(await query(rpcUrl, QueryPath.params, new Uint8Array())).params;
}

/**
 * The largest tx a Metro node takes now: the chain's `max_tx_bytes`, or less when a block (its
 * `block.max_bytes` less header, the current validators' commit and the commitment tx) holds less.
 */
export async function largestTxBytes(rpcUrl: string, params: Params): Promise<number> {
  const [maxBytes, status] = await Promise.all([blockMaxBytes(rpcUrl), nodeStatus(rpcUrl)]);
  const validators = await validatorsAt(rpcUrl, Math.max(1, status.height));
  return Math.min(params.maxTxBytes, maxBlockTxBytes(maxBytes, validators.length));
}

/** One rollup's txs at `height`, in block order. */
export async function queryRollupData(
  rpcUrl: string,
  height: bigint,
  rollupId: Uint8Array,
): Promise<QueryRollupDataResponse> {
  const request = QueryRollupDataRequestCodec.encode({ height, rollupId });
  return QueryRollupDataResponseCodec.decode(await query(rpcUrl, QueryPath.rollupData, request));
}

/** Every rollup touched at `height`, with its tx count and bytes. */
export async function queryBlockRollups(rpcUrl: string, height: bigint): Promise<RollupCount[]> {
  const request = QueryBlockRollupsRequestCodec.encode({ height });
  return QueryBlockRollupsResponseCodec.decode(await query(rpcUrl, QueryPath.blockRollups, request)).rollups;
}

/** A validator's staking record (tokens, BLS key, jailed…), read from state; undefined if none. */
export async function queryValidatorRecord(
  rpcUrl: string,
  operator: string,
): Promise<ValidatorRecord | undefined> {
  const value = await query(rpcUrl, QueryPath.storeKey, utf8(validatorKey(operator)));
  return value.length > 0 ? ValidatorRecordCodec.decode(value) : undefined;
}

/** The slashing module's parameters (fractions as decimal text). */
export async function querySlashingParams(rpcUrl: string): Promise<SlashingParams> {
  const path = "/cosmos.slashing.v1beta1.Query/Params";
  const { params } = slashingQuery.QueryParamsResponse.decode(
    await query(rpcUrl, path, slashingQuery.QueryParamsRequest.encode({}).finish()),
  );
  if (!params) throw new QueryFailedError(path, 0, "the node answered without params");
  return fromSdkSlashingParams(params);
}

/** A validator's liveness and tombstone record, by its record's consensus key (undefined: none yet). */
export async function querySigningInfo(
  rpcUrl: string,
  validator: Pick<ValidatorRecord, "consensusPubkey">,
): Promise<ValidatorSigningInfo | undefined> {
  const path = "/cosmos.slashing.v1beta1.Query/SigningInfo";
  const consAddress = consensusAddressText(consensusAddress(validator.consensusPubkey));
  const result = await abciQuery(
    rpcUrl,
    path,
    slashingQuery.QuerySigningInfoRequest.encode({ consAddress }).finish(),
    0,
  );
  if (result.code === SDK_KEY_NOT_FOUND) return undefined;
  if (result.code !== 0) throw new QueryFailedError(path, result.code, result.log);
  return slashingQuery.QuerySigningInfoResponse.decode(result.value).valSigningInfo;
}

/** The chain's price pairs (genesis's, then as governance changed them), sorted by id. */
export async function queryPairs(rpcUrl: string): Promise<CurrencyPair[]> {
  const bytes = await query(rpcUrl, QueryPath.storeKey, utf8(ORACLE_STATE_KEYS.pairs));
  return pairsFrom(() => (bytes.length > 0 ? bytes : undefined));
}

/** The chain's latest price for a pair, or as of `height` (undefined before its first update). */
export async function queryPrice(rpcUrl: string, pair: string, height = 0): Promise<Price | undefined> {
  const value = await query(rpcUrl, QueryPath.storeKey, utf8(priceKey(pair)), height);
  return value.length > 0 ? decodePrice(value) : undefined;
}

/** What block `height + 1`'s price votes are read against: the oracle state committed at `height`. */
export async function queryOracleInputs(rpcUrl: string, height: number): Promise<OracleInputs> {
  const keys = Object.values(ORACLE_STATE_KEYS);
  const values = await Promise.all(keys.map((key) => query(rpcUrl, QueryPath.storeKey, utf8(key), height)));
  const state = new Map(keys.map((key, i) => [key as string, values[i]!]));
  return oracleInputs((key) => {
    const value = state.get(key);
    return value && value.length > 0 ? value : undefined;
  });
}

/** The oracle penalty parameters (window, bad blocks allowed, band). */
export async function queryOracleParams(rpcUrl: string): Promise<OracleParams> {
  const value = await query(rpcUrl, QueryPath.storeKey, utf8(ORACLE_PARAMS_KEY));
  return value.length > 0 ? OracleParamsCodec.decode(value) : DEFAULT_ORACLE_PARAMS;
}

/**
 * A validator's oracle fault record (by consensus address) at `height` (0: the latest), in
 * fault units: FAULT_UNITS_PER_BLOCK is one whole bad block. Zero when it has none.
 */
export async function queryOracleFaults(
  rpcUrl: string,
  consensusAddress: Uint8Array,
  height = 0,
): Promise<bigint> {
  const value = await query(rpcUrl, QueryPath.storeKey, utf8(faultRecordKey(consensusAddress)), height);
  return value.length > 0 ? decodeInteger(value) : 0n;
}

/** A registered rollup and its latest header height; undefined when it is not registered. */
export async function queryRollup(rpcUrl: string, rollupId: Uint8Array) {
  const result = await abciQuery(
    rpcUrl,
    ROLLUP_QUERY_PATHS.rollup,
    QueryRollupRequestCodec.encode({ rollupId }),
  );
  if (result.code === SDK_KEY_NOT_FOUND) return undefined;
  if (result.code !== 0) throw new QueryFailedError(ROLLUP_QUERY_PATHS.rollup, result.code, result.log);
  return QueryRollupResponseCodec.decode(result.value);
}

/** A rollup's header at a height (pending or final) and the hash its committee signed. */
export async function queryRollupHeader(rpcUrl: string, rollupId: Uint8Array, rollupHeight: bigint) {
  const request = QueryHeaderRequestCodec.encode({ rollupId, rollupHeight });
  const result = await abciQuery(rpcUrl, ROLLUP_QUERY_PATHS.header, request);
  if (result.code === SDK_KEY_NOT_FOUND) return undefined;
  if (result.code !== 0) throw new QueryFailedError(ROLLUP_QUERY_PATHS.header, result.code, result.log);
  return QueryHeaderResponseCodec.decode(result.value);
}

/** Every judged fraud challenge of a rollup, oldest rollup height first. */
export async function queryChallenges(rpcUrl: string, rollupId: Uint8Array) {
  const request = QueryChallengesRequestCodec.encode({ rollupId });
  const result = await abciQuery(rpcUrl, ROLLUP_QUERY_PATHS.challenges, request);
  if (result.code !== 0) throw new QueryFailedError(ROLLUP_QUERY_PATHS.challenges, result.code, result.log);
  return QueryChallengesResponseCodec.decode(result.value).challenges;
}
