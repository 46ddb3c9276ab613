/** Staking, distribution and slashing messages: checks, state changes, and the SDK's events and responses. */
import {
  type MsgWithdrawDelegatorReward,
  MsgWithdrawDelegatorRewardResponse,
  type MsgWithdrawValidatorCommission,
  MsgWithdrawValidatorCommissionResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { type MsgUnjail, MsgUnjailResponse } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import {
  type MsgBeginRedelegate,
  MsgBeginRedelegateResponse,
  type MsgDelegate,
  MsgDelegateResponse,
  type MsgUndelegate,
  MsgUndelegateResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { operatorAccount } from "../../../core/address.js";
import {
  type MsgCreateValidator,
  MsgCreateValidatorResponseCodec,
  type MsgUpdateStakingParams,
} from "../../../core/proto/staking.js";
import { msToTimestamp } from "../../../core/timestamp.js";
import {
  bondAmount,
  createValidator,
  delegate,
  redelegate,
  requireValidator,
  type StakingEnv,
  undelegate,
} from "../../modules/delegations.js";
import { startDelegation, withdrawCommission, withdrawDelegation } from "../../modules/distribution.js";
import { unjail } from "../../modules/slashing.js";
import { getDelegationShares, writeStakingParams } from "../../modules/staking.js";
import { DistributionCode, moduleError, StakingCode } from "../../tx/errors.js";
import { operatorField } from "../../tx/messages.js";
import { event } from "../events.js";
import { requireAuthority, StakingParamsSchema, validParams, validStakingParams } from "./authority.js";
import type { MessageEnv, MessageHandler } from "./types.js";

/** The staking view of a message's env; reading `timeMs` marks the tx as time-dependent. */
function stakingEnv(env: MessageEnv): StakingEnv {
  return {
    height: env.height,
    denom: env.params.feeDenom,
    get timeMs() {
      return env.blockTimeMs();
    },
  };
}

const operator = operatorField;

const coinText = (amount: bigint, denom: string): string => `${amount}${denom}`;

export const msgCreateValidator: MessageHandler<MsgCreateValidator> = {
  module: "staking",
  responseTypeUrl: MsgCreateValidatorResponseCodec.typeUrl,
  execute(env, message) {
    const created = createValidator(env.state, message, stakingEnv(env));
    env.events.push(
      event(
        "create_validator",
        { validator: created, amount: coinText(BigInt(message.value?.amount ?? 0), env.params.feeDenom) },
        ["validator"],
      ),
    );
    return MsgCreateValidatorResponseCodec.encode({});
  },
};

export const msgDelegate: MessageHandler<MsgDelegate> = {
  module: "staking",
  responseTypeUrl: "/cosmos.staking.v1beta1.MsgDelegateResponse",
  validate: (message) => void operator(message.validatorAddress),
  execute(env, message) {
    const validator = operator(message.validatorAddress);
    const amount = bondAmount(message.amount, env.params.feeDenom);
    delegate(env.state, env.signer, validator, amount, stakingEnv(env));
    env.events.push(
      event("delegate", { validator, delegator: env.signer, amount: coinText(amount, env.params.feeDenom) }, [
        "validator",
        "delegator",
      ]),
    );
    return MsgDelegateResponse.encode({}).finish();
  },
};

export const msgUndelegate: MessageHandler<MsgUndelegate> = {
  module: "staking",
  responseTypeUrl: "/cosmos.staking.v1beta1.MsgUndelegateResponse",
  validate: (message) => void operator(message.validatorAddress),
  execute(env, message) {
    const validator = operator(message.validatorAddress);
    const amount = bondAmount(message.amount, env.params.feeDenom);
    const result = undelegate(env.state, env.signer, validator, amount, stakingEnv(env));
    const completionTime = msToTimestamp(result.completionTimeMs);
    env.events.push(
      event(
        "unbond",
        {
          validator,
          delegator: env.signer,
          amount: coinText(result.amount, env.params.feeDenom),
          completion_time: new Date(Number(result.completionTimeMs)).toISOString(),
        },
        ["validator", "delegator"],
      ),
    );
    return MsgUndelegateResponse.encode({
      completionTime,
      amount: { denom: env.params.feeDenom, amount: result.amount.toString() },
    }).finish();
  },
};

export const msgBeginRedelegate: MessageHandler<MsgBeginRedelegate> = {
  module: "staking",
  responseTypeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegateResponse",
  validate(message) {
    operator(message.validatorSrcAddress);
    operator(message.validatorDstAddress);
  },
  execute(env, message) {
    const source = operator(message.validatorSrcAddress);
    const destination = operator(message.validatorDstAddress);
    const amount = bondAmount(message.amount, env.params.feeDenom);
    const completionMs = redelegate(env.state, env.signer, source, destination, amount, stakingEnv(env));
    env.events.push(
      event(
        "redelegate",
        {
          source_validator: source,
          destination_validator: destination,
          delegator: env.signer,
          amount: coinText(amount, env.params.feeDenom),
          completion_time: new Date(Number(completionMs)).toISOString(),
        },
        ["source_validator", "destination_validator", "delegator"],
      ),
    );
    return MsgBeginRedelegateResponse.encode({ completionTime: msToTimestamp(completionMs) }).finish();
  },
};

export const msgWithdrawDelegatorReward: MessageHandler<MsgWithdrawDelegatorReward> = {
  module: "distribution",
  responseTypeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorRewardResponse",
  validate: (message) => void operator(message.validatorAddress),
  execute(env, message) {
    const validator = requireValidator(env.state, operator(message.validatorAddress));
    const { denom, height } = stakingEnv(env);
    if (getDelegationShares(env.state, env.signer, validator.operatorAddress) === 0n) {
      throw moduleError(
        "staking",
        StakingCode.DelegationNotFound,
        `${env.signer} has no delegation to ${validator.operatorAddress}`,
      );
    }
    const paid = withdrawDelegation(env.state, env.signer, validator, denom);
    startDelegation(env.state, env.signer, validator, height);
    env.events.push(
      event(
        "withdraw_rewards",
        { validator: validator.operatorAddress, delegator: env.signer, amount: coinText(paid, denom) },
        ["validator", "delegator"],
      ),
    );
    const amount = paid > 0n ? [{ denom, amount: paid.toString() }] : [];
    return MsgWithdrawDelegatorRewardResponse.encode({ amount }).finish();
  },
};

export const msgWithdrawValidatorCommission: MessageHandler<MsgWithdrawValidatorCommission> = {
  module: "distribution",
  responseTypeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommissionResponse",
  execute(env, message) {
    const validator = requireValidator(env.state, operator(message.validatorAddress));
    const denom = env.params.feeDenom;
    const paid = withdrawCommission(env.state, validator, operatorAccount(validator.operatorAddress), denom);
    if (paid === 0n) {
      throw moduleError(
        "distribution",
        DistributionCode.NoValidatorCommission,
        `validator ${validator.operatorAddress} has no commission to withdraw`,
      );
    }
    env.events.push(event("withdraw_commission", { amount: coinText(paid, denom) }));
    return MsgWithdrawValidatorCommissionResponse.encode({
      amount: [{ denom, amount: paid.toString() }],
    }).finish();
  },
};

export const msgUnjail: MessageHandler<MsgUnjail> = {
  module: "slashing",
  responseTypeUrl: "/cosmos.slashing.v1beta1.MsgUnjailResponse",
  execute(env, message) {
    const validator = requireValidator(env.state, operator(message.validatorAddr));
    unjail(env.state, validator, stakingEnv(env));
    env.events.push(event("unjail", { validator: validator.operatorAddress }, ["validator"]));
    return MsgUnjailResponse.encode({}).finish();
  },
};

export const msgUpdateStakingParams: MessageHandler<MsgUpdateStakingParams> = {
  module: "staking",
  responseTypeUrl: "/metro.staking.v1.MsgUpdateParamsResponse",
  validate: (message) => void validParams(StakingParamsSchema, message.params, "staking"),
  execute(env, message) {
    requireAuthority(message.authority);
    writeStakingParams(env.state, validStakingParams(env.state, message.params));
    return new Uint8Array();
  },
};
