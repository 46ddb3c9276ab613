import { toHex, utf8 } from "./bytes.js";
import { sha256 } from "./hash.js";

/** The IBC denom of a transferred token: `ibc/` + uppercase hex sha256 of its trace. */
export function ibcDenom(trace: string): string {
  return `ibc/${toHex(sha256(utf8(trace))).toUpperCase()}`;
}

/** The Celestia LST Metro uses by default: Stride's stTIA, as it arrives over IBC. */
export const DEFAULT_LST_TRACE = "transfer/channel-0/stutia";
export const DEFAULT_LST_DENOM = ibcDenom(DEFAULT_LST_TRACE);
export const DEFAULT_LST_DISPLAY = "stTIA";
/** Base units per stTIA: 10^6, as on Stride. */
export const DEFAULT_LST_DECIMALS = 6;
