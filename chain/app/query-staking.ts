/**
 * The Cosmos SDK's staking, distribution and slashing queries, on Metro's state, in the SDK's
 * exact types and paths: cosmjs's query extensions and wallets read them unchanged. Lists are
 * served whole at the latest height (their pagination reports the total).
 */

import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import * as dist from "cosmjs-types/cosmos/distribution/v1beta1/query";
import * as slashingQuery from "cosmjs-types/cosmos/slashing/v1beta1/query";
import type { ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import * as q from "cosmjs-types/cosmos/staking/v1beta1/query";
import { BondStatus, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { canonicalAddress, parseOperatorAddress } from "../../core/address.js";
import { LEGACY_DEC_SCALE, toLegacyDec } from "../../core/decimal.js";
import type { ValidatorRecord } from "../../core/proto/staking.js";
import { msToTimestamp } from "../../core/timestamp.js";
import { getBalance } from "../modules/bank.js";
import { getCommunityPool, pendingDelegationRewards, settledRewards } from "../modules/distribution.js";
import { readParams } from "../modules/params.js";
import { getSigningInfo, readSlashingParams, toSdkSlashingParams } from "../modules/slashing.js";
import {
  allValidators,
  BONDED_POOL,
  consensusAddress,
  delegationPrefix,
  getDelegationShares,
  getPower,
  getUnbondingEntries,
  getValidator,
  NOT_BONDED_POOL,
  readStakingParams,
  tokensOfShares,
  unbondingPrefix,
} from "../modules/staking.js";
import type { StateReader } from "../store/overlay.js";
import { SdkCode } from "../tx/errors.js";
import type { QueryHandler } from "./query.js";
import { notFound, page, QueryError, scannable } from "./query.js";

function operatorParam(text: string): string {
  try {
    return parseOperatorAddress(text);
  } catch (error) {
    throw new QueryError(SdkCode.InvalidAddress, (error as Error).message);
  }
}

function validatorOrThrow(reader: StateReader, text: string): ValidatorRecord {
  const operator = operatorParam(text);
  const validator = getValidator(reader, operator);
  if (!validator) throw notFound(`validator ${operator} not found`);
  return validator;
}

const decCoins = (amount: bigint, denom: string) =>
  amount > 0n ? [{ denom, amount: (amount * LEGACY_DEC_SCALE).toString() }] : [];

export function sdkValidator(reader: StateReader, record: ValidatorRecord): Validator {
  return {
    operatorAddress: record.operatorAddress,
    consensusPubkey: {
      typeUrl: "/cosmos.crypto.ed25519.PubKey",
      value: PubKey.encode({ key: record.consensusPubkey }).finish(),
    },
    jailed: record.jailed,
    status:
      getPower(reader, record.operatorAddress) > 0n
        ? BondStatus.BOND_STATUS_BONDED
        : BondStatus.BOND_STATUS_UNBONDED,
    tokens: record.tokens,
    delegatorShares: record.shares,
    description: { moniker: record.moniker, identity: "", website: "", securityContact: "", details: "" },
    unbondingHeight: 0n,
    unbondingTime: msToTimestamp(0n),
    commission: {
      commissionRates: {
        rate: toLegacyDec(record.commissionRate),
        maxRate: toLegacyDec("1"),
        maxChangeRate: toLegacyDec("1"),
      },
      updateTime: msToTimestamp(0n),
    },
    minSelfDelegation: record.minSelfDelegation,
    unbondingOnHoldRefCount: 0n,
    unbondingIds: [],
  };
}

const STATUS_NAMES: Record<string, BondStatus> = {
  BOND_STATUS_BONDED: BondStatus.BOND_STATUS_BONDED,
  BOND_STATUS_UNBONDED: BondStatus.BOND_STATUS_UNBONDED,
  BOND_STATUS_UNBONDING: BondStatus.BOND_STATUS_UNBONDING,
};

function delegationResponse(reader: StateReader, delegator: string, validator: ValidatorRecord) {
  const shares = getDelegationShares(reader, delegator, validator.operatorAddress);
  const denom = readParams(reader).feeDenom;
  return {
    delegation: {
      delegatorAddress: delegator,
      validatorAddress: validator.operatorAddress,
      shares: shares.toString(),
    },
    balance: { denom, amount: tokensOfShares(validator, shares).toString() },
  };
}

function unbondingResponse(reader: StateReader, delegator: string, operator: string) {
  return {
    delegatorAddress: delegator,
    validatorAddress: operator,
    entries: getUnbondingEntries(reader, delegator, operator).map((entry) => ({
      creationHeight: entry.creationHeight,
      completionTime: msToTimestamp(entry.completionTimeMs),
      initialBalance: entry.initialBalance,
      balance: entry.balance,
      unbondingId: 0n,
      unbondingOnHoldRefCount: 0n,
    })),
  };
}

function delegatedOperators(reader: StateReader, delegator: string): string[] {
  const prefix = delegationPrefix(delegator);
  return Array.from(scannable(reader).scan(prefix), ([key]) => key.slice(prefix.length));
}

export const stakingQueryHandlers: Record<string, QueryHandler> = {
  "/cosmos.staking.v1beta1.Query/Validators": (data, reader) => {
    const { status } = q.QueryValidatorsRequest.decode(data);
    const wanted = status ? STATUS_NAMES[status] : undefined;
    if (status && wanted === undefined)
      throw new QueryError(SdkCode.InvalidRequest, `invalid validator status ${status}`);
    const validators = allValidators(scannable(reader))
      .map((record) => sdkValidator(reader, record))
      .filter((validator) => wanted === undefined || validator.status === wanted);
    return q.QueryValidatorsResponse.encode({ validators, pagination: page(validators.length) }).finish();
  },
  "/cosmos.staking.v1beta1.Query/Validator": (data, reader) => {
    const record = validatorOrThrow(reader, q.QueryValidatorRequest.decode(data).validatorAddr);
    return q.QueryValidatorResponse.encode({ validator: sdkValidator(reader, record) }).finish();
  },
  "/cosmos.staking.v1beta1.Query/Delegation": (data, reader) => {
    const request = q.QueryDelegationRequest.decode(data);
    const delegator = canonicalAddress(request.delegatorAddr);
    const validator = validatorOrThrow(reader, request.validatorAddr);
    if (getDelegationShares(reader, delegator, validator.operatorAddress) === 0n) {
      throw notFound(
        `delegation with delegator ${delegator} not found for validator ${validator.operatorAddress}`,
      );
    }
    return q.QueryDelegationResponse.encode({
      delegationResponse: delegationResponse(reader, delegator, validator),
    }).finish();
  },
  "/cosmos.staking.v1beta1.Query/DelegatorDelegations": (data, reader) => {
    const delegator = canonicalAddress(q.QueryDelegatorDelegationsRequest.decode(data).delegatorAddr);
    const responses = delegatedOperators(reader, delegator).flatMap((operator) => {
      const validator = getValidator(reader, operator);
      return validator ? [delegationResponse(reader, delegator, validator)] : [];
    });
    return q.QueryDelegatorDelegationsResponse.encode({
      delegationResponses: responses,
      pagination: page(responses.length),
    }).finish();
  },
  "/cosmos.staking.v1beta1.Query/UnbondingDelegation": (data, reader) => {
    const request = q.QueryUnbondingDelegationRequest.decode(data);
    const delegator = canonicalAddress(request.delegatorAddr);
    const operator = operatorParam(request.validatorAddr);
    const unbond = unbondingResponse(reader, delegator, operator);
    if (unbond.entries.length === 0)
      throw notFound(`unbonding delegation of ${delegator} at ${operator} not found`);
    return q.QueryUnbondingDelegationResponse.encode({ unbond }).finish();
  },
  "/cosmos.staking.v1beta1.Query/DelegatorUnbondingDelegations": (data, reader) => {
    const delegator = canonicalAddress(
      q.QueryDelegatorUnbondingDelegationsRequest.decode(data).delegatorAddr,
    );
    const prefix = unbondingPrefix(delegator);
    const responses = Array.from(scannable(reader).scan(prefix), ([key]) =>
      unbondingResponse(reader, delegator, key.slice(prefix.length)),
    );
    return q.QueryDelegatorUnbondingDelegationsResponse.encode({
      unbondingResponses: responses,
      pagination: page(responses.length),
    }).finish();
  },
  "/cosmos.staking.v1beta1.Query/Params": (_data, reader) => {
    const params = readStakingParams(reader);
    return q.QueryParamsResponse.encode({
      params: {
        unbondingTime: { seconds: params.unbondingTimeSeconds, nanos: 0 },
        maxValidators: params.maxValidators,
        maxEntries: params.maxEntries,
        historicalEntries: 0,
        bondDenom: readParams(reader).feeDenom,
        minCommissionRate: toLegacyDec(params.minCommissionRate),
      },
    }).finish();
  },
  "/cosmos.staking.v1beta1.Query/Pool": (_data, reader) => {
    const denom = readParams(reader).feeDenom;
    return q.QueryPoolResponse.encode({
      pool: {
        bondedTokens: getBalance(reader, BONDED_POOL, denom).toString(),
        notBondedTokens: getBalance(reader, NOT_BONDED_POOL, denom).toString(),
      },
    }).finish();
  },
  "/cosmos.distribution.v1beta1.Query/DelegationRewards": (data, reader) => {
    const request = dist.QueryDelegationRewardsRequest.decode(data);
    const delegator = canonicalAddress(request.delegatorAddress);
    const validator = validatorOrThrow(reader, request.validatorAddress);
    if (getDelegationShares(reader, delegator, validator.operatorAddress) === 0n) {
      throw notFound(`delegation of ${delegator} to ${validator.operatorAddress} not found`);
    }
    const amount = pendingDelegationRewards(reader, delegator, validator);
    return dist.QueryDelegationRewardsResponse.encode({
      rewards: decCoins(amount, readParams(reader).feeDenom),
    }).finish();
  },
  "/cosmos.distribution.v1beta1.Query/DelegationTotalRewards": (data, reader) => {
    const delegator = canonicalAddress(dist.QueryDelegationTotalRewardsRequest.decode(data).delegatorAddress);
    const denom = readParams(reader).feeDenom;
    let total = 0n;
    const rewards = delegatedOperators(reader, delegator).flatMap((operator) => {
      const validator = getValidator(reader, operator);
      if (!validator) return [];
      const amount = pendingDelegationRewards(reader, delegator, validator);
      total += amount;
      return [{ validatorAddress: operator, reward: decCoins(amount, denom) }];
    });
    return dist.QueryDelegationTotalRewardsResponse.encode({
      rewards,
      total: decCoins(total, denom),
    }).finish();
  },
  "/cosmos.distribution.v1beta1.Query/DelegatorValidators": (data, reader) => {
    const delegator = canonicalAddress(dist.QueryDelegatorValidatorsRequest.decode(data).delegatorAddress);
    return dist.QueryDelegatorValidatorsResponse.encode({
      validators: delegatedOperators(reader, delegator),
    }).finish();
  },
  "/cosmos.distribution.v1beta1.Query/DelegatorWithdrawAddress": (data) => {
    const delegator = canonicalAddress(
      dist.QueryDelegatorWithdrawAddressRequest.decode(data).delegatorAddress,
    );
    return dist.QueryDelegatorWithdrawAddressResponse.encode({ withdrawAddress: delegator }).finish();
  },
  "/cosmos.distribution.v1beta1.Query/ValidatorCommission": (data, reader) => {
    const validator = validatorOrThrow(
      reader,
      dist.QueryValidatorCommissionRequest.decode(data).validatorAddress,
    );
    const rewards = settledRewards(reader, validator);
    const denom = readParams(reader).feeDenom;
    return dist.QueryValidatorCommissionResponse.encode({
      commission: { commission: decCoins(BigInt(rewards.commission), denom) },
    }).finish();
  },
  "/cosmos.distribution.v1beta1.Query/ValidatorOutstandingRewards": (data, reader) => {
    const validator = validatorOrThrow(
      reader,
      dist.QueryValidatorOutstandingRewardsRequest.decode(data).validatorAddress,
    );
    const rewards = settledRewards(reader, validator);
    const denom = readParams(reader).feeDenom;
    return dist.QueryValidatorOutstandingRewardsResponse.encode({
      rewards: { rewards: decCoins(BigInt(rewards.outstanding), denom) },
    }).finish();
  },
  "/cosmos.distribution.v1beta1.Query/CommunityPool": (_data, reader) => {
    const denom = readParams(reader).feeDenom;
    return dist.QueryCommunityPoolResponse.encode({
      pool: decCoins(getCommunityPool(reader), denom),
    }).finish();
  },
  "/cosmos.slashing.v1beta1.Query/Params": (_data, reader) =>
    slashingQuery.QueryParamsResponse.encode({
      params: toSdkSlashingParams(readSlashingParams(reader)),
    }).finish(),
  "/cosmos.slashing.v1beta1.Query/SigningInfo": (data, reader, height) => {
    const { consAddress } = slashingQuery.QuerySigningInfoRequest.decode(data);
    const info = signingInfos(reader, height).find((entry) => entry.address === consAddress);
    if (!info) throw notFound(`signing info for ${consAddress} not found`);
    return slashingQuery.QuerySigningInfoResponse.encode({ valSigningInfo: info }).finish();
  },
  "/cosmos.slashing.v1beta1.Query/SigningInfos": (_data, reader, height) => {
    const info = signingInfos(reader, height);
    return slashingQuery.QuerySigningInfosResponse.encode({ info, pagination: page(info.length) }).finish();
  },
};

/** Signing infos of every validator that has one, in operator order, their offsets as of `height`. */
function signingInfos(reader: StateReader, height: bigint): ValidatorSigningInfo[] {
  return allValidators(scannable(reader)).flatMap((validator) => {
    const info = getSigningInfo(reader, consensusAddress(validator.consensusPubkey));
    if (!info) return [];
    const offset = height >= info.startHeight ? height - info.startHeight + 1n : 0n;
    return [{ ...info, indexOffset: offset }];
  });
}
