/** The chain id InitChain stored: what a message that checks Metro's own blocks compares against. */
import { fromUtf8 } from "../../core/bytes.js";
import type { StateReader } from "../store/overlay.js";

export const CHAIN_ID_KEY = "chain/id";

export function readChainId(state: StateReader): string {
  const bytes = state.get(CHAIN_ID_KEY);
  if (!bytes) throw new Error("chain id is missing from state: was InitChain run?");
  return fromUtf8(bytes);
}
