/**
 * The execution API (proto/metro/execution/v1/execution.proto): what a conductor needs from
 * any rollup execution engine. The reference engine is the EVM node in conductor/evm.
 */
import type { Price } from "../../core/evm/index.js";
import { protoCodec } from "../../core/proto/codec.js";

/** A Metro price as a rollup block takes it: the same type the EVM's block function reads. */
export type { Price };

export interface ExecutedBlock {
  number: bigint;
  hash: Uint8Array;
  parentHash: Uint8Array;
  timestamp: bigint;
  sequencerHeight: bigint;
  sequencerBlockHash: Uint8Array;
  dataHash: Uint8Array;
  stateRoot: Uint8Array;
}

export interface GenesisInfo {
  rollupId: Uint8Array;
  sequencerStartHeight: bigint;
  chainId: bigint;
  genesisHash: Uint8Array;
}

export interface CommitmentState {
  soft: ExecutedBlock;
  firm: ExecutedBlock;
  firmDaHeight: bigint;
}

export interface ExecuteBlockRequest {
  parentHash: Uint8Array;
  transactions: Uint8Array[];
  timestamp: bigint;
  prices: Price[];
  sequencerHeight: bigint;
  sequencerBlockHash: Uint8Array;
}

export interface ExecuteBlockResponse {
  block: ExecutedBlock;
  skipped: number[];
}

export interface GetBlockRequest {
  number: bigint;
  hash: Uint8Array;
}

/** Every engine implements this; the HTTP server and client carry it unchanged. */
export interface ExecutionEngine {
  getGenesisInfo(): Promise<GenesisInfo>;
  getCommitmentState(): Promise<CommitmentState>;
  executeBlock(request: ExecuteBlockRequest): Promise<ExecuteBlockResponse>;
  updateCommitmentState(state: CommitmentState): Promise<CommitmentState>;
  /** Undefined when the engine has no such block. */
  getBlock(request: GetBlockRequest): Promise<ExecutedBlock | undefined>;
}

/** Why an engine refused a request; `code` is stable for programs, `message` for people. */
export class ExecutionError extends Error {
  override name = "ExecutionError";
  constructor(
    readonly code: ExecutionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type ExecutionErrorCode =
  | "unknown_parent"
  | "not_found"
  | "invalid_request"
  | "invalid_commitment"
  | "unavailable"
  | "internal";

const pkg = "metro.execution.v1";
export const ExecutedBlockCodec = protoCodec<ExecutedBlock>(`${pkg}.ExecutedBlock`);
export const GenesisInfoCodec = protoCodec<GenesisInfo>(`${pkg}.GenesisInfo`);
export const CommitmentStateCodec = protoCodec<CommitmentState>(`${pkg}.CommitmentState`);
export const EmptyCodec = protoCodec<Record<string, never>>(`${pkg}.GetGenesisInfoRequest`);
export const ExecuteBlockRequestCodec = protoCodec<ExecuteBlockRequest>(`${pkg}.ExecuteBlockRequest`);
export const ExecuteBlockResponseCodec = protoCodec<ExecuteBlockResponse>(`${pkg}.ExecuteBlockResponse`);
export const UpdateCommitmentStateRequestCodec = protoCodec<{ commitmentState: CommitmentState }>(
  `${pkg}.UpdateCommitmentStateRequest`,
);
export const GetBlockRequestCodec = protoCodec<GetBlockRequest>(`${pkg}.GetBlockRequest`);
export const ExecutionErrorCodec = protoCodec<{ code: string; message: string }>(`${pkg}.ExecutionError`);

export const SERVICE_PATH = `/${pkg}.ExecutionService`;
