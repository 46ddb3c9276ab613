/** What the adversary phases do to a validator and read from it: its switches, address and log. */
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import type { ChaosStack } from "../stack.js";

const PrivValidatorKeySchema = z.object({ address: z.string().regex(/^[0-9A-Fa-f]{40}$/) });

/** Validator `index`'s consensus address, upper-case hex as CometBFT prints it. */
export function consensusAddress(stack: ChaosStack, index: number): string {
  const path = join(stack.devnet.specs[index]!.home, "config", "priv_validator_key.json");
  return PrivValidatorKeySchema.parse(JSON.parse(readFileSync(path, "utf8"))).address.toUpperCase();
}

/**
 * Restarts validator `index` with the fault switch `env` set to `value` (or unset), and waits
 * until it serves again. The switch is read when `metro start` begins, so the restart is what
 * turns it on or off; it stays in this process's environment until unset, so a supervisor's
 * restart keeps the same behaviour.
 */
export async function restartWithSwitch(
  stack: ChaosStack,
  index: number,
  env: string,
  value: string | undefined,
): Promise<void> {
  if (value === undefined) delete process.env[env];
  else process.env[env] = value;
  const validator = stack.devnet.validators[index]!;
  await validator.stop();
  await validator.start();
  const { height } = await nodeStatus(stack.devnet.rpcUrl(0));
  await waitForHeight(stack.devnet.rpcUrl(index), height, 90_000);
}

/** The home folder's name, which the fault switches name. */
export const homeName = (stack: ChaosStack, index: number): string =>
  stack.devnet.specs[index]!.home.split("/").at(-1)!;

const LogLineSchema = z.object({ msg: z.string() }).passthrough();
export type LogEntry = z.infer<typeof LogLineSchema>;

/** A place in a validator's app.log, to read only what was written after it. */
export interface LogMark {
  path: string;
  offset: number;
}

export function markLog(stack: ChaosStack, index: number): LogMark {
  const path = join(stack.devnet.specs[index]!.home, "app.log");
  return { path, offset: statSync(path).size };
}

/** The JSON log entries written since `mark` (lines that are not JSON are skipped). */
export function logSince(mark: LogMark): LogEntry[] {
  const length = statSync(mark.path).size - mark.offset;
  if (length <= 0) return [];
  const buffer = Buffer.alloc(length);
  const fd = openSync(mark.path, "r");
  try {
    readSync(fd, buffer, 0, length, mark.offset);
  } finally {
    closeSync(fd);
  }
  return buffer
    .toString("utf8")
    .split("\n")
    .flatMap((line) => {
      try {
        const parsed = LogLineSchema.safeParse(JSON.parse(line));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
}
