/**
 * CometBFT v0.38 block types as Metro reads them (mirrors in proto/metro/comet/v1, wire
 * compatible with tendermint.types). int64 fields are bigint, bytes are Uint8Array.
 */
import { protoCodec } from "../proto/codec.js";

export interface Timestamp {
  seconds: bigint;
  nanos: number;
}

export interface PartSetHeader {
  total: number;
  hash: Uint8Array;
}

export interface BlockId {
  hash: Uint8Array;
  partSetHeader: PartSetHeader;
}

export interface Header {
  version: { block: bigint; app: bigint };
  chainId: string;
  height: bigint;
  time: Timestamp;
  lastBlockId: BlockId;
  lastCommitHash: Uint8Array;
  dataHash: Uint8Array;
  validatorsHash: Uint8Array;
  nextValidatorsHash: Uint8Array;
  consensusHash: Uint8Array;
  appHash: Uint8Array;
  lastResultsHash: Uint8Array;
  evidenceHash: Uint8Array;
  proposerAddress: Uint8Array;
}

export const BlockIdFlag = { absent: 1, commit: 2, nil: 3 } as const;

export interface CommitSig {
  blockIdFlag: number;
  validatorAddress: Uint8Array;
  timestamp: Timestamp;
  signature: Uint8Array;
}

export interface Commit {
  height: bigint;
  round: number;
  blockId: BlockId;
  signatures: CommitSig[];
}

export interface Validator {
  address: Uint8Array;
  pubKey: { ed25519?: Uint8Array; secp256k1?: Uint8Array };
  votingPower: bigint;
  proposerPriority: bigint;
}

const pkg = "metro.comet.v1";
export const TimestampCodec = protoCodec<Timestamp>(`${pkg}.Timestamp`);
export const ConsensusCodec = protoCodec<Header["version"]>(`${pkg}.Consensus`);
export const BlockIdCodec = protoCodec<BlockId>(`${pkg}.BlockID`);
export const HeaderCodec = protoCodec<Header>(`${pkg}.Header`);
export const CommitCodec = protoCodec<Commit>(`${pkg}.Commit`);
export const SimpleValidatorCodec = protoCodec<{ pubKey: Validator["pubKey"]; votingPower: bigint }>(
  `${pkg}.SimpleValidator`,
);
export const CanonicalVoteCodec = protoCodec<{
  type: number;
  height: bigint;
  round: bigint;
  blockId?: BlockId;
  timestamp?: Timestamp;
  chainId: string;
}>(`${pkg}.CanonicalVote`);
export const CanonicalVoteExtensionCodec = protoCodec<{
  extension: Uint8Array;
  height: bigint;
  round: bigint;
  chainId: string;
}>(`${pkg}.CanonicalVoteExtension`);
