import { z } from "zod";
import { AddressError, parseAddress } from "../../core/address.js";
import type { Params } from "../../core/proto/sequencer.js";
import { mint } from "../modules/bank.js";
import { DEFAULT_PARAMS, parseDecimal, writeParams } from "../modules/params.js";
import type { StateOverlay } from "../store/overlay.js";

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
  /** The oracle's currency pairs; the defaults when left out. */
  oracle: z
    .strictObject({
      pairs: z
        .array(
          z.strictObject({
            id: z.string().regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, "must be BASE/QUOTE in capitals"),
            decimals: z.number().int().min(0).max(18),
          }),
        )
        .max(4096)
        .refine(
          (pairs) => new Set(pairs.map((p) => p.id)).size === pairs.length,
          "pair ids must be distinct",
        ),
    })
    .optional(),
});

export type AppState = z.infer<typeof AppStateSchema>;

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
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new GenesisError(`app_state is not JSON: ${(error as Error).message}`);
  }
  const parsed = AppStateSchema.safeParse(json);
  if (!parsed.success) throw new GenesisError(`invalid app_state: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function applyGenesis(state: StateOverlay, appState: AppState): void {
  writeParams(state, paramsFromGenesis(appState.params));
  for (const account of appState.accounts) {
    for (const coin of account.coins) mint(state, account.address, coin.denom, BigInt(coin.amount));
  }
}

export const DEFAULT_GENESIS_PARAMS = paramsToGenesis(DEFAULT_PARAMS);
