/** Metro's rollup-header messages and state records (proto/metro/rollup/v1). */
import type { RollupHeader, SignedHeader } from "../rollup-header.js";
import { protoCodec } from "./codec.js";

export interface MsgRegisterRollup {
  creator: string;
  name: string;
  quorum: string;
  challengeWindow: bigint;
  executionKind: string;
  /** For "evm": what re-execution needs and must not take from a challenger. */
  evmChainId: bigint;
  genesisHash: Uint8Array;
}

export interface MsgJoinCommittee {
  validatorAddress: string;
  rollupId: Uint8Array;
}

export interface MsgSubmitRollupHeader {
  submitter: string;
  signed: SignedHeader | null;
}

export interface MsgSubmitEquivocation {
  submitter: string;
  first: SignedHeader | null;
  second: SignedHeader | null;
}

export interface RollupRecord {
  id: Uint8Array;
  name: string;
  creator: string;
  quorum: string;
  challengeWindow: bigint;
  executionKind: string;
  committee: string[];
  evmChainId: bigint;
  genesisHash: Uint8Array;
}

export interface MsgChallengeHeader {
  challenger: string;
  rollupId: Uint8Array;
  rollupHeight: bigint;
  /** Base units of the fee denom. */
  bond: string;
  /** A RollupSlice (metro.sequencer.v1) of the Metro block at the header's metro height. */
  metroBlock: Uint8Array;
  parentHeader: Uint8Array;
  witness: Uint8Array;
}

export type ChallengeOutcome = "fraud" | "failed";

export interface Challenge {
  rollupId: Uint8Array;
  rollupHeight: bigint;
  challenger: string;
  bond: string;
  height: bigint;
  outcome: ChallengeOutcome;
  reason: string;
  signers: string[];
  headerHash: Uint8Array;
  executedBlockHash: Uint8Array;
  executedStateRoot: Uint8Array;
}

export interface StoredHeader {
  signed: SignedHeader | null;
  submittedHeight: bigint;
  final: boolean;
}

const pkg = "metro.rollup.v1";
export const MsgRegisterRollupCodec = protoCodec<MsgRegisterRollup>(`${pkg}.MsgRegisterRollup`);
export const MsgRegisterRollupResponseCodec = protoCodec<{ rollupId: Uint8Array }>(
  `${pkg}.MsgRegisterRollupResponse`,
);
export const MsgJoinCommitteeCodec = protoCodec<MsgJoinCommittee>(`${pkg}.MsgJoinCommittee`);
export const MsgSubmitRollupHeaderCodec = protoCodec<MsgSubmitRollupHeader>(`${pkg}.MsgSubmitRollupHeader`);
export const MsgSubmitEquivocationCodec = protoCodec<MsgSubmitEquivocation>(`${pkg}.MsgSubmitEquivocation`);
export const MsgChallengeHeaderCodec = protoCodec<MsgChallengeHeader>(`${pkg}.MsgChallengeHeader`);
export const MsgChallengeHeaderResponseCodec = protoCodec<{ outcome: string; reason: string }>(
  `${pkg}.MsgChallengeHeaderResponse`,
);
export const ChallengeCodec = protoCodec<Challenge>(`${pkg}.Challenge`);
export const RollupRecordCodec = protoCodec<RollupRecord>(`${pkg}.Rollup`);
export const StoredHeaderCodec = protoCodec<StoredHeader>(`${pkg}.StoredHeader`);

export const QueryRollupRequestCodec = protoCodec<{ rollupId: Uint8Array }>(`${pkg}.QueryRollupRequest`);
export const QueryRollupResponseCodec = protoCodec<{ rollup: RollupRecord | null; latestHeight: bigint }>(
  `${pkg}.QueryRollupResponse`,
);
export const QueryHeaderRequestCodec = protoCodec<{ rollupId: Uint8Array; rollupHeight: bigint }>(
  `${pkg}.QueryHeaderRequest`,
);
export const QueryHeaderResponseCodec = protoCodec<{ header: StoredHeader | null; hash: Uint8Array }>(
  `${pkg}.QueryHeaderResponse`,
);
export const QueryChallengesRequestCodec = protoCodec<{ rollupId: Uint8Array }>(
  `${pkg}.QueryChallengesRequest`,
);
export const QueryChallengesResponseCodec = protoCodec<{ challenges: Challenge[] }>(
  `${pkg}.QueryChallengesResponse`,
);
export const ROLLUP_QUERY_PATHS = {
  rollup: "/metro.rollup.v1.Query/Rollup",
  header: "/metro.rollup.v1.Query/Header",
  challenges: "/metro.rollup.v1.Query/Challenges",
} as const;

/** One committee member's signature over a header, gossiped to the aggregator. */
export interface HeaderSignature {
  header: RollupHeader | null;
  member: number;
  signature: Uint8Array;
}

export const HeaderSignatureCodec = protoCodec<HeaderSignature>("metro.rollup.v1.HeaderSignature");
