/** Rollup registration, committee membership, signed headers, equivocation evidence and fraud challenges. */
import { toHex } from "../../../core/bytes.js";
import {
  type MsgChallengeHeader,
  MsgChallengeHeaderResponseCodec,
  type MsgJoinCommittee,
  type MsgRegisterRollup,
  MsgRegisterRollupResponseCodec,
  type MsgSubmitEquivocation,
  type MsgSubmitRollupHeader,
} from "../../../core/proto/rollup.js";
import { readChainId } from "../../modules/chain-id.js";
import { challengeHeader } from "../../modules/challenges.js";
import { reexecuteOnWorker } from "../../modules/reexecute.js";
import { joinCommittee, registerRollup, submitEquivocation, submitHeader } from "../../modules/rollups.js";
import { SdkCode, sdkError } from "../../tx/errors.js";
import { operatorField } from "../../tx/messages.js";
import { event } from "../events.js";
import type { MessageHandler } from "./types.js";

export const msgRegisterRollup: MessageHandler<MsgRegisterRollup> = {
  module: "rollup",
  responseTypeUrl: "/metro.rollup.v1.MsgRegisterRollupResponse",
  execute(env, message) {
    const id = registerRollup(env.state, env.signer, message);
    env.events.push(event("register_rollup", { rollup_id: toHex(id), name: message.name }, ["rollup_id"]));
    return MsgRegisterRollupResponseCodec.encode({ rollupId: id });
  },
};

export const msgJoinCommittee: MessageHandler<MsgJoinCommittee> = {
  module: "rollup",
  responseTypeUrl: "/metro.rollup.v1.MsgJoinCommitteeResponse",
  execute(env, message) {
    // Only its operator can have signed: the tx signer is checked against the message signer.
    const operator = operatorField(message.validatorAddress);
    joinCommittee(env.state, operator, message.rollupId);
    env.events.push(
      event("join_committee", { rollup_id: toHex(message.rollupId), validator: operator }, ["rollup_id"]),
    );
    return new Uint8Array();
  },
};

export const msgSubmitRollupHeader: MessageHandler<MsgSubmitRollupHeader> = {
  module: "rollup",
  responseTypeUrl: "/metro.rollup.v1.MsgSubmitRollupHeaderResponse",
  execute(env, message) {
    if (!message.signed) throw sdkError(SdkCode.InvalidRequest, "no signed header");
    const header = submitHeader(env.state, message.signed, env.height);
    env.events.push(
      event(
        "rollup_header",
        {
          rollup_id: toHex(header.rollupId),
          rollup_height: header.rollupHeight.toString(),
          status: "pending",
        },
        ["rollup_id"],
      ),
    );
    return new Uint8Array();
  },
};

export const msgSubmitEquivocation: MessageHandler<MsgSubmitEquivocation> = {
  module: "rollup",
  responseTypeUrl: "/metro.rollup.v1.MsgSubmitEquivocationResponse",
  execute(env, message) {
    if (!message.first || !message.second)
      throw sdkError(SdkCode.InvalidRequest, "equivocation needs two signed headers");
    const offenders = submitEquivocation(env.state, message.first, message.second);
    env.events.push(event("rollup_equivocation", { validators: offenders.join(",") }));
    return new Uint8Array();
  },
};

export const msgChallengeHeader: MessageHandler<MsgChallengeHeader> = {
  module: "rollup",
  responseTypeUrl: "/metro.rollup.v1.MsgChallengeHeaderResponse",
  execute(env, message) {
    const challenge = challengeHeader(env.state, message, {
      height: env.height,
      chainId: readChainId(env.state),
      feeDenom: env.params.feeDenom,
      reexecute: reexecuteOnWorker,
    });
    env.events.push(
      event(
        "rollup_challenge",
        {
          rollup_id: toHex(challenge.rollupId),
          rollup_height: challenge.rollupHeight.toString(),
          challenger: challenge.challenger,
          outcome: challenge.outcome,
          reason: challenge.reason,
          signers: challenge.signers.join(","),
        },
        ["rollup_id", "challenger", "outcome"],
      ),
    );
    return MsgChallengeHeaderResponseCodec.encode({ outcome: challenge.outcome, reason: challenge.reason });
  },
};
