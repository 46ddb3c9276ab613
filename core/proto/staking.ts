/** Metro's own staking and distribution messages and state records (proto/metro/staking, distribution). */
import { protoCodec } from "./codec.js";

export interface ProtoCoin {
  denom: string;
  amount: string;
}

export interface MsgCreateValidator {
  moniker: string;
  commissionRate: string;
  minSelfDelegation: string;
  delegatorAddress: string;
  consensusPubkey: Uint8Array;
  blsPubkey: Uint8Array;
  blsProofOfPossession: Uint8Array;
  value: ProtoCoin | null;
}

export interface StakingParams {
  unbondingTimeSeconds: bigint;
  maxValidators: number;
  maxEntries: number;
  epochLength: bigint;
  minSelfDelegation: string;
  minCommissionRate: string;
}

export interface MsgUpdateStakingParams {
  authority: string;
  params: StakingParams | null;
}

export interface ValidatorRecord {
  operatorAddress: string;
  consensusPubkey: Uint8Array;
  blsPubkey: Uint8Array;
  moniker: string;
  commissionRate: string;
  minSelfDelegation: string;
  tokens: string;
  shares: string;
  jailed: boolean;
  createdHeight: bigint;
}

export interface UnbondingEntry {
  creationHeight: bigint;
  completionTimeMs: bigint;
  initialBalance: string;
  balance: string;
}

export interface RedelegationEntry {
  creationHeight: bigint;
  completionTimeMs: bigint;
  initialBalance: string;
  sharesDst: string;
}

export interface ValidatorRewardsRecord {
  period: bigint;
  current: string;
  commission: string;
  outstanding: string;
  settledIndex: string;
  power: bigint;
}

export interface HistoricalRewardsRecord {
  ratio: string;
  referenceCount: number;
}

export interface StartingInfoRecord {
  previousPeriod: bigint;
  stake: string;
  height: bigint;
}

export interface SlashEventRecord {
  period: bigint;
  fraction: string;
  height: bigint;
}

const staking = "metro.staking.v1";
const distribution = "metro.distribution.v1";
export const MsgCreateValidatorCodec = protoCodec<MsgCreateValidator>(`${staking}.MsgCreateValidator`);
export const MsgCreateValidatorResponseCodec = protoCodec<Record<string, never>>(
  `${staking}.MsgCreateValidatorResponse`,
);
export const StakingParamsCodec = protoCodec<StakingParams>(`${staking}.Params`);
export const MsgUpdateStakingParamsCodec = protoCodec<MsgUpdateStakingParams>(`${staking}.MsgUpdateParams`);
export const ValidatorRecordCodec = protoCodec<ValidatorRecord>(`${staking}.Validator`);
export const UnbondingEntriesCodec = protoCodec<{ entries: UnbondingEntry[] }>(`${staking}.UnbondingEntries`);
export const RedelegationEntriesCodec = protoCodec<{ entries: RedelegationEntry[] }>(
  `${staking}.RedelegationEntries`,
);
export const ValidatorRewardsCodec = protoCodec<ValidatorRewardsRecord>(`${distribution}.ValidatorRewards`);
export const HistoricalRewardsCodec = protoCodec<HistoricalRewardsRecord>(
  `${distribution}.HistoricalRewards`,
);
export const StartingInfoCodec = protoCodec<StartingInfoRecord>(`${distribution}.StartingInfo`);
export const SlashEventsCodec = protoCodec<{ events: SlashEventRecord[] }>(`${distribution}.SlashEvents`);
