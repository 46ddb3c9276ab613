import { z } from "zod";
import { AddressError, parseAddress } from "../../core/address.js";
import { parseDecimal } from "../../core/decimal.js";
import type { Params } from "../../core/proto/sequencer.js";
import type { MsgCreateValidator } from "../../core/proto/staking.js";
import { mint } from "../modules/bank.js";
import { createValidator } from "../modules/delegations.js";
import { DEFAULT_GOV_PARAMS, writeGovParams } from "../modules/gov.js";
import { writeOracleParams } from "../modules/oracle-penalties.js";
import { DEFAULT_PARAMS, writeParams } from "../modules/params.js";
import { writeSlashingParams } from "../modules/slashing.js";
import { writeStakingParams } from "../modules/staking.js";
import type { StateOverlay } from "../store/overlay.js";
import { TxError } from "../tx/errors.js";

const uint = z.string().regex(/^\d+$/, "must be a non-negative integer string");

/** A metro1… address, in canonical (lower-case) form whatever case genesis wrote it in. */
const address = z.string().transform((value, context) => {
  try {
    return parseAddress(value);
  } catch (error) {
    if (!(error instanceof AddressError)) throw error;
    context.addIssue({ code: "custom", message: "must be a metro1… address" });
    return z.NEVER;
  }
});

export const GenesisParamsSchema = z.strictObject({
  fee_denom: z.string().min(3),
  min_gas_price: z.string().refine((value) => {
    try {
      parseDecimal(value);
      return true;
    } catch {
      return false;
    }
  }, "must be a decimal such as 0.002"),
  gas_per_tx: uint,
  gas_per_message: uint,
  gas_per_rollup_byte: uint,
  max_rollup_data_bytes: z.number().int().positive(),
  max_tx_bytes: z.number().int().positive(),
  max_memo_chars: z.number().int().nonnegative(),
});

const decimal = z.string().regex(/^\d+(\.\d{1,18})?$/, "must be a decimal such as 0.05");
const base64Key = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, "must be a base64 ed25519 public key");
const hexBytes = (length: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${length * 2}}$`), `must be ${length} bytes of lower-case hex`);

export const GenesisValidatorSchema = z.strictObject({
  /** The operator's account; its self-bond is created at genesis. */
  operator: address,
  moniker: z.string().min(1).max(70),
  commission_rate: decimal,
  min_self_delegation: uint,
  self_bond: uint,
  consensus_pubkey: base64Key,
  bls_pubkey: hexBytes(48),
  bls_proof_of_possession: hexBytes(96),
});

export type GenesisValidator = z.infer<typeof GenesisValidatorSchema>;

export const StakingGenesisSchema = z.strictObject({
  params: z
    .strictObject({
      unbonding_time_seconds: uint,
      max_validators: z.number().int().min(1).max(10_000),
      max_entries: z.number().int().min(1).max(100),
      epoch_length: uint,
      min_self_delegation: uint,
      min_commission_rate: decimal,
    })
    .optional(),
  validators: z.array(GenesisValidatorSchema),
});

export const SlashingGenesisSchema = z.strictObject({
  params: z.strictObject({
    signed_blocks_window: uint,
    min_signed_per_window: decimal,
    downtime_jail_seconds: uint,
    slash_fraction_double_sign: decimal,
    slash_fraction_downtime: decimal,
  }),
});

export const GovGenesisSchema = z.strictObject({
  params: z.strictObject({
    min_deposit: z.array(z.strictObject({ denom: z.string().min(3), amount: uint })),
    max_deposit_period_seconds: uint,
    voting_period_seconds: uint,
    quorum: decimal,
    threshold: decimal,
    veto_threshold: decimal,
  }),
});

/** The `app_state` of genesis.json, as `metro init` and `metro devnet` write it. */
export const AppStateSchema = z.strictObject({
  params: GenesisParamsSchema,
  lst: z.strictObject({ trace: z.string(), denom: z.string(), display: z.string() }),
  accounts: z.array(
    z.strictObject({
      address,
      coins: z.array(z.strictObject({ denom: z.string().min(3), amount: uint })),
    }),
  ),
  /** The oracle's currency pairs (the defaults when left out) and its penalty parameters. */
  oracle: z
    .strictObject({
      penalties: z
        .strictObject({
          window_blocks: uint,
          max_bad_blocks: uint,
          deviation_band: decimal,
          slash_fraction: decimal,
          jail_seconds: uint,
        })
        .optional(),
      pairs: z
        .array(
          z.strictObject({
            id: z.string().regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, "must be BASE/QUOTE in capitals"),
            decimals: z.number().int().min(0).max(18),
          }),
        )
        .max(4096)
        .refine((pairs) => new Set(pairs.map((p) => p.id)).size === pairs.length, "pair ids must be distinct")
        .optional(),
    })
    .optional(),
  /** Validators bonded at genesis; without them the chain runs with CometBFT's genesis set, unstaked. */
  staking: StakingGenesisSchema.optional(),
  slashing: SlashingGenesisSchema.optional(),
  gov: GovGenesisSchema.optional(),
});

export type AppState = z.infer<typeof AppStateSchema>;

/**
 * The `app_state` `metro export` writes: the whole state at a height, key by key, for a hard
 * fork that keeps every balance, delegation and validator.
 */
export const ExportedStateSchema = z.strictObject({
  metro_export: z.strictObject({
    height: uint,
    chain_id: z.string(),
    app_hash: z.string().regex(/^[0-9a-f]{64}$/),
    entries: z.array(z.tuple([z.string().min(1), z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/)])),
  }),
});

export type ExportedState = z.infer<typeof ExportedStateSchema>["metro_export"];

export type GenesisAppState =
  | { kind: "fresh"; appState: AppState }
  | { kind: "export"; exported: ExportedState };

export function paramsToGenesis(params: Params): AppState["params"] {
  return {
    fee_denom: params.feeDenom,
    min_gas_price: params.minGasPrice,
    gas_per_tx: params.gasPerTx.toString(),
    gas_per_message: params.gasPerMessage.toString(),
    gas_per_rollup_byte: params.gasPerRollupByte.toString(),
    max_rollup_data_bytes: params.maxRollupDataBytes,
    max_tx_bytes: params.maxTxBytes,
    max_memo_chars: params.maxMemoChars,
  };
}

function paramsFromGenesis(params: AppState["params"]): Params {
  return {
    feeDenom: params.fee_denom,
    minGasPrice: params.min_gas_price,
    gasPerTx: BigInt(params.gas_per_tx),
    gasPerMessage: BigInt(params.gas_per_message),
    gasPerRollupByte: BigInt(params.gas_per_rollup_byte),
    maxRollupDataBytes: params.max_rollup_data_bytes,
    maxTxBytes: params.max_tx_bytes,
    maxMemoChars: params.max_memo_chars,
  };
}

export class GenesisError extends Error {
  override name = "GenesisError";
}

export function parseAppState(bytes: Uint8Array): AppState {
  const parsed = parseGenesisAppState(bytes);
  if (parsed.kind !== "fresh") throw new GenesisError("app_state is an export, not a fresh genesis");
  return parsed.appState;
}

/** A fresh genesis, or a `metro export` of a halted chain. */
export function parseGenesisAppState(bytes: Uint8Array): GenesisAppState {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new GenesisError(`app_state is not JSON: ${(error as Error).message}`);
  }
  if (typeof json === "object" && json !== null && "metro_export" in json) {
    const exported = ExportedStateSchema.safeParse(json);
    if (!exported.success)
      throw new GenesisError(`invalid exported app_state: ${z.prettifyError(exported.error)}`);
    return { kind: "export", exported: exported.data.metro_export };
  }
  const parsed = AppStateSchema.safeParse(json);
  if (!parsed.success) throw new GenesisError(`invalid app_state: ${z.prettifyError(parsed.error)}`);
  return { kind: "fresh", appState: parsed.data };
}

export function applyGenesis(state: StateOverlay, appState: AppState, genesisTimeMs: bigint): void {
  const params = paramsFromGenesis(appState.params);
  writeParams(state, params);
  for (const account of appState.accounts) {
    for (const coin of account.coins) mint(state, account.address, coin.denom, BigInt(coin.amount));
  }
  const slashing = appState.slashing?.params;
  if (slashing) {
    writeSlashingParams(state, {
      signedBlocksWindow: BigInt(slashing.signed_blocks_window),
      minSignedPerWindow: slashing.min_signed_per_window,
      downtimeJailSeconds: BigInt(slashing.downtime_jail_seconds),
      slashFractionDoubleSign: slashing.slash_fraction_double_sign,
      slashFractionDowntime: slashing.slash_fraction_downtime,
    });
  }
  const penalties = appState.oracle?.penalties;
  if (penalties) {
    writeOracleParams(state, {
      windowBlocks: BigInt(penalties.window_blocks),
      maxBadBlocks: BigInt(penalties.max_bad_blocks),
      deviationBand: penalties.deviation_band,
      slashFraction: penalties.slash_fraction,
      jailSeconds: BigInt(penalties.jail_seconds),
    });
  }
  const gov = appState.gov?.params;
  if (gov) {
    writeGovParams(state, {
      ...DEFAULT_GOV_PARAMS,
      minDeposit: gov.min_deposit,
      maxDepositPeriod: { seconds: BigInt(gov.max_deposit_period_seconds), nanos: 0 },
      votingPeriod: { seconds: BigInt(gov.voting_period_seconds), nanos: 0 },
      quorum: gov.quorum,
      threshold: gov.threshold,
      vetoThreshold: gov.veto_threshold,
    });
  }
  const staking = appState.staking;
  if (!staking) return;
  const stakingParams = staking.params;
  if (stakingParams) {
    writeStakingParams(state, {
      unbondingTimeSeconds: BigInt(stakingParams.unbonding_time_seconds),
      maxValidators: stakingParams.max_validators,
      maxEntries: stakingParams.max_entries,
      epochLength: BigInt(stakingParams.epoch_length),
      minSelfDelegation: stakingParams.min_self_delegation,
      minCommissionRate: stakingParams.min_commission_rate,
    });
  }
  const env = { height: 0n, timeMs: genesisTimeMs, denom: params.feeDenom };
  for (const validator of staking.validators) {
    mint(state, validator.operator, params.feeDenom, BigInt(validator.self_bond));
    try {
      createValidator(state, createValidatorMessage(validator, params.feeDenom), env);
    } catch (error) {
      if (!(error instanceof TxError)) throw error;
      throw new GenesisError(`genesis validator ${validator.moniker}: ${error.message}`);
    }
  }
}

export function createValidatorMessage(validator: GenesisValidator, denom: string): MsgCreateValidator {
  return {
    moniker: validator.moniker,
    commissionRate: validator.commission_rate,
    minSelfDelegation: validator.min_self_delegation,
    delegatorAddress: validator.operator,
    consensusPubkey: Buffer.from(validator.consensus_pubkey, "base64"),
    blsPubkey: Buffer.from(validator.bls_pubkey, "hex"),
    blsProofOfPossession: Buffer.from(validator.bls_proof_of_possession, "hex"),
    value: { denom, amount: validator.self_bond },
  };
}

export const DEFAULT_GENESIS_PARAMS = paramsToGenesis(DEFAULT_PARAMS);
