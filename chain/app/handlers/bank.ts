import { type MsgSend, MsgSendResponse } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { AddressError, parseAddress } from "../../../core/address.js";
import { toHex } from "../../../core/bytes.js";
import { merkleLeaf } from "../../../core/merkle.js";
import {
  type MsgSequence,
  MsgSequenceResponseCodec,
  ROLLUP_ID_LENGTH,
} from "../../../core/proto/sequencer.js";
import { parseCoins, transfer } from "../../modules/bank.js";
import { SdkCode, SequencerCode, sdkError, sequencerError } from "../../tx/errors.js";
import { event, transferEvents } from "../events.js";
import type { MessageHandler } from "./types.js";

export const msgSend: MessageHandler<MsgSend> = {
  module: "bank",
  responseTypeUrl: "/cosmos.bank.v1beta1.MsgSendResponse",
  validate(message) {
    try {
      parseAddress(message.toAddress);
    } catch (error) {
      if (error instanceof AddressError) throw sdkError(SdkCode.InvalidAddress, error.message);
      throw error;
    }
    if (message.amount.length === 0) throw sdkError(SdkCode.InvalidCoins, "MsgSend sends no coins");
    parseCoins(message.amount);
  },
  execute(env, message) {
    const toAddress = parseAddress(message.toAddress);
    for (const coin of parseCoins(message.amount)) {
      transfer(env.state, message.fromAddress, toAddress, coin.denom, coin.amount);
    }
    const text = message.amount.map((coin) => `${coin.amount}${coin.denom}`).join(",");
    env.events.push(...transferEvents(message.fromAddress, toAddress, text));
    return MsgSendResponse.encode({}).finish();
  },
};

export const msgSequence: MessageHandler<MsgSequence> = {
  module: "sequencer",
  responseTypeUrl: MsgSequenceResponseCodec.typeUrl,
  validate(message, params) {
    const { rollupId, data } = message;
    if (rollupId.length !== ROLLUP_ID_LENGTH) {
      throw sequencerError(
        SequencerCode.InvalidRollupId,
        `rollup id is ${rollupId.length} bytes, expected 32`,
      );
    }
    if (data.length === 0) throw sequencerError(SequencerCode.EmptyRollupData, "rollup data is empty");
    if (data.length > params.maxRollupDataBytes) {
      throw sequencerError(
        SequencerCode.RollupDataTooLarge,
        `rollup data is ${data.length} bytes, over the limit of ${params.maxRollupDataBytes}`,
      );
    }
  },
  execute(env, message) {
    const { rollupId, data } = message;
    env.rollupItems.push({ rollupId, data, msgIndex: env.msgIndex, leaf: merkleLeaf(data) });
    env.events.push(
      event("sequence", { rollup_id: toHex(rollupId), data_bytes: String(data.length) }, ["rollup_id"]),
    );
    return MsgSequenceResponseCodec.encode({});
  },
  rollupBytes: (message) => message.data.length,
};
