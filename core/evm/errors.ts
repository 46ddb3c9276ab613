/** Errors of the deterministic rollup block function. */

/**
 * Stateless re-execution needed something the witness does not hold: a trie node (by its
 * keccak hash), a contract code (by its code hash) or an ancestor header for BLOCKHASH (by its
 * block hash). A challenge whose witness is incomplete fails: this is never a verdict on the
 * block itself.
 */
export class IncompleteWitnessError extends Error {
  override readonly name = "IncompleteWitnessError";

  constructor(
    readonly missing: "node" | "code" | "header",
    /** 0x-prefixed hash of what was missing. */
    readonly hash: string,
  ) {
    super(`the witness lacks the ${missing} ${hash}`);
  }
}

/** The MetroOracle system call failed: a bug in the predeploy or in the inputs, never skipped. */
export class OracleUpdateError extends Error {
  override readonly name = "OracleUpdateError";
}
