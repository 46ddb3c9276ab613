import assert from "node:assert/strict";
import { UsageError } from "../../core/cli-args.js";

/** Asserts that `run` fails with a UsageError (a refused flag) whose message matches. */
export function rejectsUsage(run: Promise<unknown>, message: RegExp): Promise<void> {
  return assert.rejects(run, (error: Error) => error instanceof UsageError && message.test(error.message));
}
