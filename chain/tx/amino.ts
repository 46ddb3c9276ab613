/**
 * SIGN_MODE_LEGACY_AMINO_JSON, the sign mode of Ledger and of Keplr's amino path: the signer
 * signs a StdSignDoc whose `msgs` are the tx's messages in amino JSON (`{type, value}`). Metro
 * rebuilds those from the protobuf body exactly as the Cosmos SDK does: the SDK's amino names
 * and shapes for its messages (per their protos' amino options), "metro/…" names for Metro's.
 */
import { type AminoMsg, type StdSignDoc, serializeSignDoc } from "@cosmjs/amino";
import type { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import type { MsgDelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { z } from "zod";
import { bytesEqual } from "../../core/bytes.js";
import type { ProtoCodec } from "../../core/proto/codec.js";
import {
  MsgChallengeHeaderCodec,
  MsgJoinCommitteeCodec,
  MsgRegisterRollupCodec,
  MsgSubmitEquivocationCodec,
  MsgSubmitRollupHeaderCodec,
} from "../../core/proto/rollup.js";
import { MsgSequenceCodec } from "../../core/proto/sequencer.js";
import { MsgCreateValidatorCodec } from "../../core/proto/staking.js";
import { encodeSecp256k1PubKey } from "../modules/auth.js";
import { type AminoJson, fromAmino, toAminoFields } from "./amino-json.js";
import type { DecodedTx } from "./decode.js";
import { SdkCode, sdkError } from "./errors.js";
import { encodeMessage, type MessageOf, type MessageTypeUrl, type TxMessage } from "./messages.js";

export interface AminoForm<T> {
  /** The amino name: `type` in `{type, value}`. */
  readonly name: string;
  toAmino(message: T): AminoJson;
  /** Present where cosmjs has no converter of its own (clients use cosmjs' for the rest). */
  fromAmino?(json: AminoJson): T;
}

/** The fields amino JSON leaves out when empty (those without `dont_omitempty`). */
function omitEmpty(fields: AminoJson): AminoJson {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== "" && v !== 0 && v !== false && v !== undefined),
  );
}

/** cosmos.base.v1beta1.Coin: `amount` (a cosmos.Int) is never left out; an empty one reads "0". */
const coin = (c: Coin): AminoJson => ({ ...omitEmpty({ denom: c.denom }), amount: c.amount || "0" });
/** Coin lists are `legacy_coins` and `dont_omitempty` in the SDK messages: `[]` when empty. */
const coins = (list: readonly Coin[]): AminoJson[] => list.map(coin);

function requiredCoin(c: Coin | undefined): AminoJson {
  if (!c) throw sdkError(SdkCode.InvalidCoins, "amount is required");
  return coin(c);
}

const CoinsJson = z.array(z.object({ denom: z.string().default(""), amount: z.string().default("") }));
const text = z.string().default("");

function parse<S extends z.ZodType>(schema: S, json: AminoJson, name: string): z.infer<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`bad amino JSON for ${name}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const UnjailJson = z.object({ address: text });
const VoteJson = z.object({
  proposal_id: z.string(),
  voter: text,
  option: z.number().default(0),
  metadata: text,
});
const DepositJson = z.object({ proposal_id: z.string(), depositor: text, amount: CoinsJson });
const SubmitProposalJson = z.object({
  initial_deposit: CoinsJson,
  proposer: text,
  metadata: text,
  title: text,
  summary: text,
  expedited: z.boolean().default(false),
});

function metroForm<T>(name: string, codec: ProtoCodec<T>): AminoForm<T> {
  return {
    name,
    toAmino: (message) => toAminoFields(codec.type, message as AminoJson),
    fromAmino: (json) => fromAmino(codec, json),
  };
}

/** MsgDelegate and MsgUndelegate: the same fields. */
function delegationForm(name: string): AminoForm<MsgDelegate> {
  return {
    name,
    toAmino: (m) => ({
      ...omitEmpty({ delegator_address: m.delegatorAddress, validator_address: m.validatorAddress }),
      amount: requiredCoin(m.amount),
    }),
  };
}

type AminoForms = { readonly [K in MessageTypeUrl]?: AminoForm<MessageOf<K>> };

/**
 * Every message with an amino form. Left out: the authority messages only governance executes
 * (never signed by a key). Proposals carrying messages are refused (see MsgSubmitProposal).
 */
export const AMINO_FORMS: AminoForms = {
  "/cosmos.bank.v1beta1.MsgSend": {
    name: "cosmos-sdk/MsgSend",
    toAmino: (m) => ({
      ...omitEmpty({ from_address: m.fromAddress, to_address: m.toAddress }),
      amount: coins(m.amount),
    }),
  },
  "/cosmos.staking.v1beta1.MsgDelegate": delegationForm("cosmos-sdk/MsgDelegate"),
  "/cosmos.staking.v1beta1.MsgUndelegate": delegationForm("cosmos-sdk/MsgUndelegate"),
  "/cosmos.staking.v1beta1.MsgBeginRedelegate": {
    name: "cosmos-sdk/MsgBeginRedelegate",
    toAmino: (m) => ({
      ...omitEmpty({
        delegator_address: m.delegatorAddress,
        validator_src_address: m.validatorSrcAddress,
        validator_dst_address: m.validatorDstAddress,
      }),
      amount: requiredCoin(m.amount),
    }),
  },
  // "Delegation", not "Delegator": the SDK kept the old name.
  "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward": {
    name: "cosmos-sdk/MsgWithdrawDelegationReward",
    toAmino: (m) =>
      omitEmpty({ delegator_address: m.delegatorAddress, validator_address: m.validatorAddress }),
  },
  "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission": {
    name: "cosmos-sdk/MsgWithdrawValidatorCommission",
    toAmino: (m) => omitEmpty({ validator_address: m.validatorAddress }),
  },
  // validator_addr is amino field "address", and dont_omitempty.
  "/cosmos.slashing.v1beta1.MsgUnjail": {
    name: "cosmos-sdk/MsgUnjail",
    toAmino: (m) => ({ address: m.validatorAddr }),
    fromAmino: (json) => ({ validatorAddr: parse(UnjailJson, json, "MsgUnjail").address }),
  },
  "/cosmos.gov.v1.MsgVote": {
    name: "cosmos-sdk/v1/MsgVote",
    toAmino: (m) => ({
      proposal_id: m.proposalId.toString(),
      ...omitEmpty({ voter: m.voter, option: m.option, metadata: m.metadata }),
    }),
    fromAmino: (json) => {
      const j = parse(VoteJson, json, "MsgVote");
      return { proposalId: BigInt(j.proposal_id), voter: j.voter, option: j.option, metadata: j.metadata };
    },
  },
  "/cosmos.gov.v1.MsgDeposit": {
    name: "cosmos-sdk/v1/MsgDeposit",
    toAmino: (m) => ({
      proposal_id: m.proposalId.toString(),
      ...omitEmpty({ depositor: m.depositor }),
      amount: coins(m.amount),
    }),
    fromAmino: (json) => {
      const j = parse(DepositJson, json, "MsgDeposit");
      return { proposalId: BigInt(j.proposal_id), depositor: j.depositor, amount: j.amount };
    },
  },
  // The messages a proposal carries are authority messages without amino forms here, so only
  // proposals without messages (text proposals) can be signed in amino JSON.
  "/cosmos.gov.v1.MsgSubmitProposal": {
    name: "cosmos-sdk/v1/MsgSubmitProposal",
    toAmino: (m) => {
      if (m.messages.length > 0) {
        throw sdkError(
          SdkCode.NotSupported,
          "a proposal carrying messages cannot be signed with SIGN_MODE_LEGACY_AMINO_JSON; sign it with SIGN_MODE_DIRECT",
        );
      }
      return {
        initial_deposit: coins(m.initialDeposit),
        ...omitEmpty({
          proposer: m.proposer,
          metadata: m.metadata,
          title: m.title,
          summary: m.summary,
          expedited: m.expedited,
        }),
      };
    },
    fromAmino: (json) => {
      const j = parse(SubmitProposalJson, json, "MsgSubmitProposal");
      return {
        messages: [],
        initialDeposit: j.initial_deposit,
        proposer: j.proposer,
        metadata: j.metadata,
        title: j.title,
        summary: j.summary,
        expedited: j.expedited,
      };
    },
  },
  "/metro.sequencer.v1.MsgSequence": metroForm("metro/MsgSequence", MsgSequenceCodec),
  "/metro.staking.v1.MsgCreateValidator": metroForm("metro/MsgCreateValidator", MsgCreateValidatorCodec),
  "/metro.rollup.v1.MsgRegisterRollup": metroForm("metro/MsgRegisterRollup", MsgRegisterRollupCodec),
  "/metro.rollup.v1.MsgJoinCommittee": metroForm("metro/MsgJoinCommittee", MsgJoinCommitteeCodec),
  "/metro.rollup.v1.MsgSubmitRollupHeader": metroForm(
    "metro/MsgSubmitRollupHeader",
    MsgSubmitRollupHeaderCodec,
  ),
  "/metro.rollup.v1.MsgSubmitEquivocation": metroForm(
    "metro/MsgSubmitEquivocation",
    MsgSubmitEquivocationCodec,
  ),
  "/metro.rollup.v1.MsgChallengeHeader": metroForm("metro/MsgChallengeHeader", MsgChallengeHeaderCodec),
};

/** A message in amino JSON, or NotSupported for one without an amino form. */
export function toAminoMsg(message: TxMessage): AminoMsg {
  const form = AMINO_FORMS[message.typeUrl] as AminoForm<TxMessage["value"]> | undefined;
  if (!form) {
    throw sdkError(
      SdkCode.NotSupported,
      `${message.typeUrl} has no amino JSON form: sign it with SIGN_MODE_DIRECT`,
    );
  }
  return { type: form.name, value: form.toAmino(message.value) };
}

/**
 * The amino JSON does not fix the protobuf bytes, so a signed tx could be re-encoded (unknown or
 * default fields, a tip) under a new hash with its signature still valid. Only the one canonical
 * encoding of what was signed is accepted.
 */
function requireCanonical(tx: DecodedTx): void {
  const body = TxBody.encode(
    TxBody.fromPartial({
      messages: tx.messages.map((m) => ({ typeUrl: m.typeUrl, value: encodeMessage(m) })),
      memo: tx.memo,
      timeoutHeight: tx.timeoutHeight,
    }),
  ).finish();
  const authInfo = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey: encodeSecp256k1PubKey(tx.signer.pubkey),
          modeInfo: { single: { mode: SignMode.SIGN_MODE_LEGACY_AMINO_JSON } },
          sequence: tx.signer.sequence,
        },
      ],
      fee: { ...tx.fee },
    }),
  ).finish();
  if (!bytesEqual(body, tx.bodyBytes) || !bytesEqual(authInfo, tx.authInfoBytes)) {
    throw sdkError(
      SdkCode.TxDecode,
      "tx parse error: an amino-signed tx must be canonically encoded (no unknown or default-valued fields, no tip)",
    );
  }
}

const aminoMsgsOf = new WeakMap<DecodedTx, AminoMsg[]>();

/** The tx's messages in amino JSON, built once per decoded tx; throws for what amino cannot sign. */
export function legacyAminoMsgs(tx: DecodedTx): AminoMsg[] {
  let msgs = aminoMsgsOf.get(tx);
  if (!msgs) {
    requireCanonical(tx);
    msgs = tx.messages.map(toAminoMsg);
    aminoMsgsOf.set(tx, msgs);
  }
  return msgs;
}

/** SIGN_MODE_LEGACY_AMINO_JSON sign bytes: the StdSignDoc as sorted, HTML-escaped JSON. */
export function aminoSignBytes(tx: DecodedTx, chainId: string, accountNumber: bigint): Uint8Array {
  const { fee } = tx;
  const doc: StdSignDoc = {
    account_number: accountNumber.toString(),
    chain_id: chainId,
    fee: {
      amount: fee.amount.map((c) => ({ denom: c.denom, amount: c.amount })),
      gas: fee.gasLimit.toString(),
      ...(fee.payer ? { payer: fee.payer } : {}),
      ...(fee.granter ? { granter: fee.granter } : {}),
    },
    memo: tx.memo,
    msgs: legacyAminoMsgs(tx),
    sequence: tx.signer.sequence.toString(),
    ...(tx.timeoutHeight > 0n ? { timeout_height: tx.timeoutHeight.toString() } : {}),
  };
  return serializeSignDoc(doc);
}
