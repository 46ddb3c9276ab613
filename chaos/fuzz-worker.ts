/**
 * One surface's campaign in a worker thread, so that the runner can stop a case that hangs in
 * synchronous code (which no timer inside the same thread can interrupt). Progress goes to a
 * shared counter; the result is posted back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runSurface } from "./fuzz-campaign.js";
import { surfaceNamed } from "./index.js";

export interface WorkerInput {
  surface: string;
  cases: number;
  seed: number;
  caseTimeoutMs: number;
  /** Int32 cases done. */
  progress: SharedArrayBuffer;
}

const input = workerData as WorkerInput;
const surface = surfaceNamed(input.surface);
if (!surface) throw new Error(`no surface "${input.surface}"`);
const progress = new Int32Array(input.progress);
const result = await runSurface(surface, {
  cases: input.cases,
  seed: input.seed,
  caseTimeoutMs: input.caseTimeoutMs,
  onCase: (done) => Atomics.store(progress, 0, done),
});
parentPort?.postMessage(result);
