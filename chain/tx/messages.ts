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

const codec = <T>(decode: (bytes: Uint8Array) => T, signer: (message: T) => string): MessageCodec<T> => ({
  decode,
  signer,
});

export const MESSAGE_CODECS = {
  "/cosmos.bank.v1beta1.MsgSend": codec(
    (b) => MsgSend.decode(b),
    (m) => m.fromAddress,
  ),
  "/metro.sequencer.v1.MsgSequence": codec(MsgSequenceCodec.decode, (m) => m.signer),
  "/metro.staking.v1.MsgCreateValidator": codec(MsgCreateValidatorCodec.decode, (m) => m.delegatorAddress),
  "/metro.staking.v1.MsgUpdateParams": codec(MsgUpdateStakingParamsCodec.decode, (m) => m.authority),
  "/cosmos.staking.v1beta1.MsgDelegate": codec(
    (b) => MsgDelegate.decode(b),
    (m) => m.delegatorAddress,
  ),
  "/cosmos.staking.v1beta1.MsgUndelegate": codec(
    (b) => MsgUndelegate.decode(b),
    (m) => m.delegatorAddress,
  ),
  "/cosmos.staking.v1beta1.MsgBeginRedelegate": codec(
    (b) => MsgBeginRedelegate.decode(b),
    (m) => m.delegatorAddress,
  ),
  "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward": codec(
    (b) => MsgWithdrawDelegatorReward.decode(b),
    (m) => m.delegatorAddress,
  ),
  "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission": codec(
    (b) => MsgWithdrawValidatorCommission.decode(b),
    (m) => operatorSigner(m.validatorAddress),
  ),
  "/cosmos.slashing.v1beta1.MsgUnjail": codec(
    (b) => MsgUnjail.decode(b),
    (m) => operatorSigner(m.validatorAddr),
  ),
  "/cosmos.gov.v1.MsgSubmitProposal": codec(
    (b) => MsgSubmitProposal.decode(b),
    (m) => m.proposer,
  ),
  "/cosmos.gov.v1.MsgVote": codec(
    (b) => MsgVote.decode(b),
    (m) => m.voter,
  ),
  "/cosmos.gov.v1.MsgDeposit": codec(
    (b) => MsgDeposit.decode(b),
    (m) => m.depositor,
  ),
  // Sent only by the gov module account, inside a proposal that passed.
  "/cosmos.gov.v1.MsgUpdateParams": codec(
    (b) => MsgUpdateGovParams.decode(b),
    (m) => m.authority,
  ),
  "/cosmos.slashing.v1beta1.MsgUpdateParams": codec(
    (b) => MsgUpdateSlashingParams.decode(b),
    (m) => m.authority,
  ),
  "/metro.sequencer.v1.MsgUpdateParams": codec(MsgUpdateSequencerParamsCodec.decode, (m) => m.authority),
  "/metro.gov.v1.MsgSlashValidator": codec(MsgSlashValidatorCodec.decode, (m) => m.authority),
  "/metro.gov.v1.MsgHaltChain": codec(MsgHaltChainCodec.decode, (m) => m.authority),
  "/metro.oracle.v1.MsgAddCurrencyPairs": codec(MsgAddCurrencyPairsCodec.decode, (m) => m.authority),
  "/metro.oracle.v1.MsgRemoveCurrencyPairs": codec(MsgRemoveCurrencyPairsCodec.decode, (m) => m.authority),
  "/metro.oracle.v1.MsgUpdateParams": codec(MsgUpdateOracleParamsCodec.decode, (m) => m.authority),
  "/metro.rollup.v1.MsgRegisterRollup": codec(MsgRegisterRollupCodec.decode, (m) => m.creator),
  "/metro.rollup.v1.MsgJoinCommittee": codec(MsgJoinCommitteeCodec.decode, (m) =>
    operatorSigner(m.validatorAddress),
  ),
  "/metro.rollup.v1.MsgSubmitRollupHeader": codec(MsgSubmitRollupHeaderCodec.decode, (m) => m.submitter),
  "/metro.rollup.v1.MsgSubmitEquivocation": codec(MsgSubmitEquivocationCodec.decode, (m) => m.submitter),
  "/metro.rollup.v1.MsgChallengeHeader": codec(MsgChallengeHeaderCodec.decode, (m) => m.challenger),
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
