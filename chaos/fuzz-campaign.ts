/**
 * Runs one surface's property with fast-check: `cases` hostile inputs from `seed`, each bounded
 * by `caseTimeoutMs`, then checks that the system still works. A crash stops the run and is
 * shrunk to a small counterexample, which the result carries with the seed that replays it.
 */
import fc from "fast-check";
import { CrashError, type Surface, type Verdict } from "./surface.js";

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** A case that takes longer is a hang. */
  caseTimeoutMs: number;
  /** Told after every case (progress for the runner's watchdog). */
  onCase?: (done: number) => void;
}

export interface SurfaceResult {
  surface: string;
  cases: number;
  refused: number;
  accepted: number;
  /** Cases that got past decoding, and those that reached the surface's deepest checks. */
  decoded: number;
  deep: number;
  crashes: number;
  seed: number;
  seconds: number;
  /** The shrunk failing input and what went wrong, when a case crashed or the system stopped working. */
  failure?: string;
}

export class HangError extends CrashError {
  override name = "HangError";
}

async function bounded<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause =
    error.cause instanceof Error ? `\n  caused by ${error.cause.stack ?? error.cause.message}` : "";
  return `${error.stack ?? error.message}${cause}`;
}

export async function runSurface(surface: Surface, options: FuzzOptions): Promise<SurfaceResult> {
  const started = performance.now();
  let target: Awaited<ReturnType<Surface["setup"]>>;
  try {
    target = await surface.setup();
  } catch (error) {
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    const empty = { cases: 0, refused: 0, accepted: 0, decoded: 0, deep: 0 };
    return {
      surface: surface.name,
      ...empty,
      crashes: 1,
      seed: options.seed,
      seconds,
      failure: `setup: ${describe(error)}`,
    };
  }
  const tally = { cases: 0, refused: 0, accepted: 0, decoded: 0, deep: 0 };
  let failing = false;
  const count = (verdict: Verdict) => {
    tally.cases++;
    if (verdict.accepted) tally.accepted++;
    else tally.refused++;
    if (verdict.depth >= 1) tally.decoded++;
    if (verdict.depth >= 2) tally.deep++;
    options.onCase?.(tally.cases);
  };
  let failure: string | undefined;
  try {
    const details = await fc.check(
      fc.asyncProperty(target.arbitrary, async (input) => {
        try {
          const verdict = await bounded(target.run(input), options.caseTimeoutMs);
          if (!failing) count(verdict);
        } catch (error) {
          failing = true;
          throw error;
        }
      }),
      { numRuns: options.cases, seed: options.seed, endOnFailure: false },
    );
    if (details.failed) {
      failure = `input ${fc.stringify(details.counterexample?.[0]).slice(0, 4000)}\n${describe(details.errorInstance)}`;
    } else {
      await bounded(target.stillWorks(), options.caseTimeoutMs * 10);
    }
  } catch (error) {
    failure = `after the campaign: ${describe(error)}`;
  } finally {
    await target.close();
  }
  return {
    surface: surface.name,
    ...tally,
    crashes: failure ? 1 : 0,
    seed: options.seed,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    ...(failure ? { failure } : {}),
  };
}
