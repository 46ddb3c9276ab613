/**
 * The validators as the dashboard shows them: staking records (stake, commission, jailed),
 * CometBFT's set (power), slashing signing infos (uptime, tombstoned) and oracle penalty records.
 */
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import * as slashing from "cosmjs-types/cosmos/slashing/v1beta1/query";
import * as staking from "cosmjs-types/cosmos/staking/v1beta1/query";
import { bondStatusToJSON, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { FAULT_UNITS_PER_BLOCK, queryOracleFaults, queryOracleParams, validatorsAt } from "../chain/index.js";
import { consensusAddressText } from "../core/address.js";
import { toHex } from "../core/bytes.js";
import { fromLegacyDec } from "../core/decimal.js";
import { DEFAULT_LST_DECIMALS } from "../core/denom.js";
import { sha256 } from "../core/hash.js";
import { fromFixedPoint } from "../oracle/index.js";
import { sdkQuery } from "./sdk-query.js";
import type { ValidatorRow } from "./snapshot.js";

/** The CometBFT address (upper-case hex) of a staking record's ed25519 consensus key. */
function consensusAddressOf(validator: Validator): Uint8Array {
  const key = validator.consensusPubkey
    ? PubKey.decode(validator.consensusPubkey.value).key
    : new Uint8Array();
  return sha256(key).subarray(0, 20);
}

export interface ValidatorsRead {
  rows: ValidatorRow[];
  /** Moniker by consensus address (upper-case hex), for proposers and votes. */
  monikers: Map<string, string>;
}

/** Fault units as bad blocks in decimal text (FAULT_UNITS_PER_BLOCK is a power of ten). */
const badBlocks = (units: bigint): string =>
  fromFixedPoint(units, FAULT_UNITS_PER_BLOCK.toString().length - 1).replace(/\.?0+$/, "");

export async function readValidators(rpc: string, height: number): Promise<ValidatorsRead> {
  const [{ validators }, set, { info }, { params }, oracleParams] = await Promise.all([
    sdkQuery(
      rpc,
      "/cosmos.staking.v1beta1.Query/Validators",
      staking.QueryValidatorsRequest,
      staking.QueryValidatorsResponse,
      { status: "" },
    ),
    validatorsAt(rpc, height),
    sdkQuery(
      rpc,
      "/cosmos.slashing.v1beta1.Query/SigningInfos",
      slashing.QuerySigningInfosRequest,
      slashing.QuerySigningInfosResponse,
    ),
    sdkQuery(
      rpc,
      "/cosmos.slashing.v1beta1.Query/Params",
      slashing.QueryParamsRequest,
      slashing.QueryParamsResponse,
    ),
    queryOracleParams(rpc),
  ]);
  const power = new Map(set.map((v) => [toHex(v.address).toUpperCase(), Number(v.votingPower)]));
  const window = Number(params?.signedBlocksWindow ?? 0n);
  const monikers = new Map<string, string>();
  const rows = await Promise.all(
    validators.map(async (validator): Promise<ValidatorRow> => {
      const address = consensusAddressOf(validator);
      const hex = toHex(address).toUpperCase();
      const moniker = validator.description?.moniker || validator.operatorAddress;
      monikers.set(hex, moniker);
      const signing = info.find((entry) => entry.address === consensusAddressText(address));
      const missed = Number(signing?.missedBlocksCounter ?? 0n);
      return {
        operator: validator.operatorAddress,
        moniker,
        stake: fromFixedPoint(BigInt(validator.tokens), DEFAULT_LST_DECIMALS),
        power: power.get(hex) ?? 0,
        commission: fromLegacyDec(validator.commission?.commissionRates?.rate ?? "0"),
        uptime: signing && window > 0 ? Math.max(0, 100 * (1 - missed / window)) : undefined,
        missedBlocks: missed,
        window,
        status: bondStatusToJSON(validator.status),
        jailed: validator.jailed,
        tombstoned: signing?.tombstoned ?? false,
        oracleBadBlocks: badBlocks(await queryOracleFaults(rpc, address)),
        oracleMaxBadBlocks: oracleParams.maxBadBlocks.toString(),
      };
    }),
  );
  return { rows, monikers };
}
