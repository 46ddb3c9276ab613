/**
 * A header signer told to misbehave, for the tests that show Metro punishing it. Only code sets
 * it (no flag or environment variable reaches it from `metro conductor`), and HeaderSigner
 * refuses it unless the chain is a devnet one. Tests may change it while the signer runs.
 */
import type { RollupHeader } from "../core/rollup-header.js";

export interface SignerMisbehaviour {
  /** Sign a wrong state root at this rollup height (a committee majority lying, to be challenged). */
  wrongStateRootAt?: bigint;
  /** Also sign a second, different header for this rollup height (equivocation). */
  equivocateAt?: bigint;
}

/** The same header with its state root's bits flipped. */
export function withWrongStateRoot(header: RollupHeader): RollupHeader {
  return { ...header, stateRoot: header.stateRoot.map((byte) => byte ^ 0xff) };
}
