import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { type Params, ParamsCodec } from "../../core/proto/sequencer.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";

const PARAMS_KEY = "sequencer/params";

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

/** An exact decimal as a fraction, so fee arithmetic never rounds in floating point. */
export interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

export function parseDecimal(text: string): Fraction {
  const match = /^(\d+)(?:\.(\d{1,18}))?$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a non-negative decimal`);
  const fraction = match[2] ?? "";
  return { numerator: BigInt(match[1]! + fraction), denominator: 10n ** BigInt(fraction.length) };
}

/** ceil(gasLimit × price): the smallest fee a tx with this gas limit may pay. */
export function requiredFee(gasLimit: bigint, price: Fraction): bigint {
  return (gasLimit * price.numerator + price.denominator - 1n) / price.denominator;
}
