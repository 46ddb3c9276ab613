import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The compiled `metro` command, as `npm run metro` runs it. */
export const METRO_CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "chain", "cli", "main.js");

const run = promisify(execFile);

/** Runs `metro ...args` to completion and returns its stdout; rejects with its stderr on failure. */
export async function metroCli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [METRO_CLI, ...args], { timeout: 60_000 });
  return stdout;
}
