/** What a composer's callers are told when their rollup tx is not sequenced. */

export class ComposerError extends Error {
  override name = "ComposerError";
}

/** A rollup tx Metro could never take: refused to its caller at once, never queued. */
export class RollupTxRefusedError extends ComposerError {
  override name = "RollupTxRefusedError";
  constructor(
    message: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(message);
  }
}

/** Metro refused (or never answered for) the Metro tx carrying the rollup tx, `attempts` times. */
export class SequencingRefusedError extends ComposerError {
  override name = "SequencingRefusedError";
  constructor(
    readonly reason: string,
    readonly attempts: number,
  ) {
    super(`Metro refused the sequencing tx (${attempts} attempts): ${reason}`);
  }
}
