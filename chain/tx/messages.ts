/**
 * Every message type a Metro tx may carry: how its bytes decode and which account must sign it.
 * Pure decoding, no state, so the relayer and clients can read any Metro tx. What each message
 * does lives in chain/app/handlers.
 */
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import {
  MsgWithdrawDelegatorReward,
  MsgWithdrawValidatorCommission,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import {
  MsgDeposit,
  MsgSubmitProposal,
  MsgUpdateParams as MsgUpdateGovParams,
  MsgVote,
} from "cosmjs-types/cosmos/gov/v1/tx";
import {
  MsgUnjail,
  MsgUpdateParams as MsgUpdateSlashingParams,
} from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { MsgBeginRedelegate, MsgDelegate, MsgUndelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { AddressError, operatorAccount, parseOperatorAddress } from "../../core/address.js";
import type { ProtoCodec } from "../../core/proto/codec.js";
import {
  MsgAddCurrencyPairsCodec,
  MsgHaltChainCodec,
  MsgRemoveCurrencyPairsCodec,
  MsgSlashValidatorCodec,
  MsgUpdateOracleParamsCodec,
  MsgUpdateSequencerParamsCodec,
} from "../../core/proto/gov.js";
import {
  MsgChallengeHeaderCodec,
  MsgJoinCommitteeCodec,
  MsgRegisterRollupCodec,
  MsgSubmitEquivocationCodec,
  MsgSubmitRollupHeaderCodec,
} from "../../core/proto/rollup.js";
import { MsgSequenceCodec } from "../../core/proto/sequencer.js";
import { MsgCreateValidatorCodec, MsgUpdateStakingParamsCodec } from "../../core/proto/staking.js";
import { SdkCode, sdkError } from "./errors.js";

interface MessageCodec<T> {
  decode(bytes: Uint8Array): T;
  /** Canonical bytes: what decode(encode(m)) round-trips to (amino-signed txs must be in this form). */
  encode(message: T): Uint8Array;
  /** The proto3 JSON of the message's bytes (camelCase names), for the REST gateway. */
  json(bytes: Uint8Array): unknown;
  /** The account that must sign a tx carrying this message. */
  signer(message: T): string;
}

/** A message's operator address field in canonical form, or an InvalidAddress error. */
export function operatorField(operator: string): string {
  try {
    return parseOperatorAddress(operator);
  } catch (error) {
    if (error instanceof AddressError) throw sdkError(SdkCode.InvalidAddress, error.message);
    throw error;
  }
}

/** The account that must sign for an operator address. */
const operatorSigner = (operator: string): string => operatorAccount(operatorField(operator));

/** A cosmjs-types (ts-proto) message type. */
interface SdkType<T> {
  decode(bytes: Uint8Array): T;
  encode(message: T): { finish(): Uint8Array };
  toJSON(message: T): unknown;
}

const sdk = <T>(type: SdkType<T>, signer: (message: T) => string): MessageCodec<T> => ({
  decode: (bytes) => type.decode(bytes),
  encode: (message) => type.encode(message).finish(),
  json: (bytes) => type.toJSON(type.decode(bytes)),
  signer,
});

const JSON_OPTIONS = { longs: String, enums: String, bytes: String, defaults: true } as const;

const metro = <T>(codec: ProtoCodec<T>, signer: (message: T) => string): MessageCodec<T> => ({
  decode: codec.decode,
  encode: codec.encode,
  json: (bytes) => codec.type.toObject(codec.type.decode(bytes), JSON_OPTIONS),
  signer,
});

export const MESSAGE_CODECS = {
  "/cosmos.bank.v1beta1.MsgSend": sdk(MsgSend, (m) => m.fromAddress),
  "/metro.sequencer.v1.MsgSequence": metro(MsgSequenceCodec, (m) => m.signer),
  "/metro.staking.v1.MsgCreateValidator": metro(MsgCreateValidatorCodec, (m) => m.delegatorAddress),
  "/metro.staking.v1.MsgUpdateParams": metro(MsgUpdateStakingParamsCodec, (m) => m.authority),
  "/cosmos.staking.v1beta1.MsgDelegate": sdk(MsgDelegate, (m) => m.delegatorAddress),
  "/cosmos.staking.v1beta1.MsgUndelegate": sdk(MsgUndelegate, (m) => m.delegatorAddress),
  "/cosmos.staking.v1beta1.MsgBeginRedelegate": sdk(MsgBeginRedelegate, (m) => m.delegatorAddress),
  "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward": sdk(
    MsgWithdrawDelegatorReward,
    (m) => m.delegatorAddress,
  ),
  "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission": sdk(MsgWithdrawValidatorCommission, (m) =>
    operatorSigner(m.validatorAddress),
  ),
  "/cosmos.slashing.v1beta1.MsgUnjail": sdk(MsgUnjail, (m) => operatorSigner(m.validatorAddr)),
  "/cosmos.gov.v1.MsgSubmitProposal": sdk(MsgSubmitProposal, (m) => m.proposer),
  "/cosmos.gov.v1.MsgVote": sdk(MsgVote, (m) => m.voter),
  "/cosmos.gov.v1.MsgDeposit": sdk(MsgDeposit, (m) => m.depositor),
  // Sent only by the gov module account, inside a proposal that passed.
  "/cosmos.gov.v1.MsgUpdateParams": sdk(MsgUpdateGovParams, (m) => m.authority),
  "/cosmos.slashing.v1beta1.MsgUpdateParams": sdk(MsgUpdateSlashingParams, (m) => m.authority),
  "/metro.sequencer.v1.MsgUpdateParams": metro(MsgUpdateSequencerParamsCodec, (m) => m.authority),
  "/metro.gov.v1.MsgSlashValidator": metro(MsgSlashValidatorCodec, (m) => m.authority),
  "/metro.gov.v1.MsgHaltChain": metro(MsgHaltChainCodec, (m) => m.authority),
  "/metro.oracle.v1.MsgAddCurrencyPairs": metro(MsgAddCurrencyPairsCodec, (m) => m.authority),
  "/metro.oracle.v1.MsgRemoveCurrencyPairs": metro(MsgRemoveCurrencyPairsCodec, (m) => m.authority),
  "/metro.oracle.v1.MsgUpdateParams": metro(MsgUpdateOracleParamsCodec, (m) => m.authority),
  "/metro.rollup.v1.MsgRegisterRollup": metro(MsgRegisterRollupCodec, (m) => m.creator),
  "/metro.rollup.v1.MsgJoinCommittee": metro(MsgJoinCommitteeCodec, (m) =>
    operatorSigner(m.validatorAddress),
  ),
  "/metro.rollup.v1.MsgSubmitRollupHeader": metro(MsgSubmitRollupHeaderCodec, (m) => m.submitter),
  "/metro.rollup.v1.MsgSubmitEquivocation": metro(MsgSubmitEquivocationCodec, (m) => m.submitter),
  "/metro.rollup.v1.MsgChallengeHeader": metro(MsgChallengeHeaderCodec, (m) => m.challenger),
} as const;

export type MessageTypeUrl = keyof typeof MESSAGE_CODECS;
export type MessageOf<K extends MessageTypeUrl> = ReturnType<(typeof MESSAGE_CODECS)[K]["decode"]>;

/** A decoded message: its type URL tells its value's type. */
export type TxMessage = { [K in MessageTypeUrl]: { typeUrl: K; value: MessageOf<K> } }[MessageTypeUrl];

export const MSG_SEND_TYPE_URL = "/cosmos.bank.v1beta1.MsgSend";
export const MSG_SEQUENCE_TYPE_URL = "/metro.sequencer.v1.MsgSequence";

function isKnown(typeUrl: string): typeUrl is MessageTypeUrl {
  return Object.hasOwn(MESSAGE_CODECS, typeUrl);
}

export function decodeMessage(typeUrl: string, bytes: Uint8Array): TxMessage {
  if (!isKnown(typeUrl)) throw sdkError(SdkCode.UnknownRequest, `unknown message type "${typeUrl}"`);
  const name = typeUrl.slice(typeUrl.lastIndexOf(".") + 1);
  try {
    return { typeUrl, value: MESSAGE_CODECS[typeUrl].decode(bytes) } as TxMessage;
  } catch (error) {
    throw sdkError(SdkCode.TxDecode, `tx parse error: ${name}: ${(error as Error).message}`);
  }
}

/** The address a message says must have signed it. */
export function messageSigner(message: TxMessage): string {
  const signer = MESSAGE_CODECS[message.typeUrl].signer as (value: TxMessage["value"]) => string;
  return signer(message.value);
}

/** A message's canonical bytes. */
export function encodeMessage(message: TxMessage): Uint8Array {
  const encode = MESSAGE_CODECS[message.typeUrl].encode as (value: TxMessage["value"]) => Uint8Array;
  return encode(message.value);
}

/** The proto3 JSON of a message's bytes, or undefined for a type Metro does not know. */
export function messageJson(typeUrl: string, bytes: Uint8Array): unknown {
  return isKnown(typeUrl) ? MESSAGE_CODECS[typeUrl].json(bytes) : undefined;
}
