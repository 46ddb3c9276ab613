/**
 * What one hostile-input surface gives the campaign: a generator of hostile inputs and the real
 * code that judges each one, in process. A case either is refused (a typed error or a refusal
 * result with a clear message) or accepted; anything else is a crash, thrown as CrashError.
 */
import type fc from "fast-check";

/** How far a case got: 0 refused while decoding, 1 decoded, 2 reached the surface's deepest checks. */
export type Depth = 0 | 1 | 2;

export interface Verdict {
  accepted: boolean;
  depth: Depth;
}

export const refusedAt = (depth: Depth): Verdict => ({ accepted: false, depth });
export const acceptedAt = (depth: Depth): Verdict => ({ accepted: true, depth });

/** A live target: the system under test, set up once per campaign. */
export interface Target<T> {
  arbitrary: fc.Arbitrary<T>;
  /** Judges one hostile input with the real code; throws CrashError (or anything else) on a crash. */
  run(input: T): Promise<Verdict>;
  /** After the campaign: the system still does its job (the chain makes its next block, …). */
  stillWorks(): Promise<void>;
  close(): Promise<void>;
}

export interface Surface {
  name: string;
  /** One line: what is hostile, and which real code judges it. */
  description: string;
  /** What "deep" means on this surface, for the table's footnote. */
  deep: string;
  setup(): Promise<Target<never>>;
}

/** A surface over inputs of type T (the campaign never looks inside them). */
export function surface<T>(spec: {
  name: string;
  description: string;
  deep: string;
  setup(): Promise<Target<T>>;
}): Surface {
  return spec as unknown as Surface;
}

/** A hostile input got an answer that is not a clear refusal: the bug the campaign looks for. */
export class CrashError extends Error {
  override name = "CrashError";
}
