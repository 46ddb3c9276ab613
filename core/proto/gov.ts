/** Metro's governance-only messages (proto/metro/gov, oracle and sequencer MsgUpdateParams). */
import { protoCodec } from "./codec.js";
import type { Params } from "./sequencer.js";

/** metro.oracle.v1.CurrencyPair: a priced pair and how many decimals its prices carry. */
export interface CurrencyPair {
  id: string;
  decimals: number;
}

export interface MsgSlashValidator {
  authority: string;
  validatorAddress: string;
  slashFraction: string;
  reason: string;
}

export interface MsgHaltChain {
  authority: string;
  height: bigint;
}

export interface MsgAddCurrencyPairs {
  authority: string;
  pairs: CurrencyPair[];
}

export interface MsgUpdateSequencerParams {
  authority: string;
  params: Params | null;
}

export const MsgSlashValidatorCodec = protoCodec<MsgSlashValidator>("metro.gov.v1.MsgSlashValidator");
export const MsgHaltChainCodec = protoCodec<MsgHaltChain>("metro.gov.v1.MsgHaltChain");
export const MsgAddCurrencyPairsCodec = protoCodec<MsgAddCurrencyPairs>(
  "metro.oracle.v1.MsgAddCurrencyPairs",
);
export const MsgUpdateSequencerParamsCodec = protoCodec<MsgUpdateSequencerParams>(
  "metro.sequencer.v1.MsgUpdateParams",
);

export interface OracleParams {
  windowBlocks: bigint;
  maxBadBlocks: bigint;
  deviationBand: string;
  slashFraction: string;
  jailSeconds: bigint;
}

export interface MsgUpdateOracleParams {
  authority: string;
  params: OracleParams | null;
}

export interface MsgRemoveCurrencyPairs {
  authority: string;
  pairIds: string[];
}

export const OracleParamsCodec = protoCodec<OracleParams>("metro.oracle.v1.Params");
export const MsgUpdateOracleParamsCodec = protoCodec<MsgUpdateOracleParams>(
  "metro.oracle.v1.MsgUpdateParams",
);
export const MsgRemoveCurrencyPairsCodec = protoCodec<MsgRemoveCurrencyPairs>(
  "metro.oracle.v1.MsgRemoveCurrencyPairs",
);
