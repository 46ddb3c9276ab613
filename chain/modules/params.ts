import { moduleAddress } from "../../core/address.js";
import type { Fraction } from "../../core/decimal.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { type Params, ParamsCodec } from "../../core/proto/sequencer.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";

const PARAMS_KEY = "sequencer/params";
/** CometBFT's consensus `block.max_bytes`, kept from InitChain (Metro never changes it). */
const BLOCK_MAX_BYTES_KEY = "consensus/block-max-bytes";

export const DEFAULT_PARAMS: Params = {
  feeDenom: DEFAULT_LST_DENOM,
  minGasPrice: "0.002",
  gasPerTx: 30_000n,
  gasPerMessage: 10_000n,
  gasPerRollupByte: 10n,
  maxRollupDataBytes: 256 * 1024,
  maxTxBytes: 1024 * 1024,
  maxMemoChars: 256,
};

export function readParams(state: StateReader): Params {
  const bytes = state.get(PARAMS_KEY);
  if (!bytes) throw new Error("chain params are missing from state: was InitChain run?");
  return ParamsCodec.decode(bytes);
}

export function writeParams(state: StateOverlay, params: Params): void {
  state.set(PARAMS_KEY, ParamsCodec.encode(params));
}

export function writeBlockMaxBytes(state: StateOverlay, maxBytes: bigint): void {
  state.set(BLOCK_MAX_BYTES_KEY, new TextEncoder().encode(maxBytes.toString()));
}

/** The consensus `block.max_bytes`; undefined on a chain initialized before it was kept. */
export function readBlockMaxBytes(state: StateReader): bigint | undefined {
  const bytes = state.get(BLOCK_MAX_BYTES_KEY);
  return bytes ? BigInt(new TextDecoder().decode(bytes)) : undefined;
}

/** A tx's gas: fixed per tx and per message, plus a cost per byte of rollup data. */
export function gasFor(params: Params, messageCount: number, rollupBytes: bigint): bigint {
  return (
    params.gasPerTx + params.gasPerMessage * BigInt(messageCount) + params.gasPerRollupByte * rollupBytes
  );
}

/** ceil(gasLimit × price): the smallest fee a tx with this gas limit may pay. */
export function requiredFee(gasLimit: bigint, price: Fraction): bigint {
  return (gasLimit * price.numerator + price.denominator - 1n) / price.denominator;
}

/** The gov module account: the only authority allowed to change parameters. */
export const GOV_AUTHORITY = moduleAddress("gov");
