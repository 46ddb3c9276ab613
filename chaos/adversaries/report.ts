/**
 * What one adversary phase of the campaign did and what the honest nodes did about it. A phase
 * passes when its failures are empty: every hostile act refused, ignored or punished as the
 * design says, and the chain still making blocks.
 */
export interface AdversaryReport {
  /** Who misbehaved and how, for the table: "validator 3 votes extreme prices". */
  name: string;
  /** Hostile acts injected: votes, proposals, blobs, header pairs. */
  attempts: number;
  /** Acts the honest nodes refused or ignored (proposals rejected, blobs skipped, ...). */
  refused: number;
  /** Validators slashed or jailed for it (0 where the design only refuses). */
  punished: number;
  /** The measure that shows the design held, in words: "median inside the honest range at 40 of 40 heights". */
  outcome: string;
  /** What did not go as designed; empty when the phase passed. */
  failures: string[];
}
