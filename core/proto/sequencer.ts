import { protoCodec } from "./codec.js";

export interface MsgSequence {
  signer: string;
  rollupId: Uint8Array;
  data: Uint8Array;
}

export interface Params {
  feeDenom: string;
  minGasPrice: string;
  gasPerTx: bigint;
  gasPerMessage: bigint;
  gasPerRollupByte: bigint;
  maxRollupDataBytes: number;
  maxTxBytes: number;
  maxMemoChars: number;
}

export interface RollupTx {
  txHash: Uint8Array;
  msgIndex: number;
  data: Uint8Array;
}

export interface QueryRollupDataRequest {
  height: bigint;
  rollupId: Uint8Array;
}

export interface QueryRollupDataResponse {
  height: bigint;
  rollupId: Uint8Array;
  txs: RollupTx[];
}

export interface QueryBlockRollupsRequest {
  height: bigint;
}

export interface RollupCount {
  rollupId: Uint8Array;
  txCount: number;
  dataBytes: bigint;
}

export interface QueryBlockRollupsResponse {
  height: bigint;
  rollups: RollupCount[];
}

export type QueryParamsRequest = Record<string, never>;

export interface QueryParamsResponse {
  params: Params;
}

const pkg = "metro.sequencer.v1";
export const MsgSequenceCodec = protoCodec<MsgSequence>(`${pkg}.MsgSequence`);
export const MsgSequenceResponseCodec = protoCodec<Record<string, never>>(`${pkg}.MsgSequenceResponse`);
export const ParamsCodec = protoCodec<Params>(`${pkg}.Params`);
export const RollupTxCodec = protoCodec<RollupTx>(`${pkg}.RollupTx`);
export const QueryRollupDataRequestCodec = protoCodec<QueryRollupDataRequest>(
  `${pkg}.QueryRollupDataRequest`,
);
export const QueryRollupDataResponseCodec = protoCodec<QueryRollupDataResponse>(
  `${pkg}.QueryRollupDataResponse`,
);
export const QueryBlockRollupsRequestCodec = protoCodec<QueryBlockRollupsRequest>(
  `${pkg}.QueryBlockRollupsRequest`,
);
export const QueryBlockRollupsResponseCodec = protoCodec<QueryBlockRollupsResponse>(
  `${pkg}.QueryBlockRollupsResponse`,
);
export const QueryParamsRequestCodec = protoCodec<QueryParamsRequest>(`${pkg}.QueryParamsRequest`);
export const QueryParamsResponseCodec = protoCodec<QueryParamsResponse>(`${pkg}.QueryParamsResponse`);

/** Rollup ids are the sha256 of the rollup's name. */
export const ROLLUP_ID_LENGTH = 32;

/** ABCI query paths of Metro's own queries (the gRPC method names, as the Cosmos SDK routes them). */
export const QueryPath = {
  params: "/metro.sequencer.v1.Query/Params",
  rollupData: "/metro.sequencer.v1.Query/RollupData",
  blockRollups: "/metro.sequencer.v1.Query/BlockRollups",
  /** Raw state reads: `data` is the key; `prove` adds a sparse Merkle proof. */
  storeKey: "/store/metro/key",
} as const;
