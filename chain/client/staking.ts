/** Building Metro's own staking messages from a validator home's keys. */
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { Coin } from "@cosmjs/stargate";
import { blsProvePOP } from "../../core/bls.js";
import { type MsgCreateValidator, MsgCreateValidatorCodec } from "../../core/proto/staking.js";
import { DEFAULT_STAKING_PARAMS } from "../modules/staking.js";
import { readValidatorKey } from "../node/cometbft.js";
import { loadOrCreateBlsKey } from "../node/home.js";

export interface CreateValidatorOptions {
  moniker: string;
  commissionRate?: string;
  minSelfDelegation?: string;
}

/**
 * A MsgCreateValidator for the node at `home`: its CometBFT consensus key, and its BLS key (made
 * on first use) with a fresh proof of possession. `delegator` bonds `amount` and operates it.
 */
export function createValidatorMsg(
  home: string,
  delegator: string,
  amount: Coin,
  options: CreateValidatorOptions,
): EncodeObject {
  const bls = loadOrCreateBlsKey(home);
  const value: MsgCreateValidator = {
    moniker: options.moniker,
    commissionRate: options.commissionRate ?? "0.05",
    minSelfDelegation: options.minSelfDelegation ?? DEFAULT_STAKING_PARAMS.minSelfDelegation,
    delegatorAddress: delegator,
    consensusPubkey: Buffer.from(readValidatorKey(home).pubKeyBase64, "base64"),
    blsPubkey: bls.publicKey,
    blsProofOfPossession: blsProvePOP(bls),
    value: amount,
  };
  return { typeUrl: MsgCreateValidatorCodec.typeUrl, value };
}
