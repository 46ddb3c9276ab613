import { parseArgs } from "node:util";
import type { z } from "zod";
import { DEFAULT_HOST, ListenHostSchema } from "./listen.js";

export class UsageError extends Error {
  override name = "UsageError";
}

type OptionSpec = Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>;

/** Parses `args` strictly: unknown flags are a usage error, not silently ignored. */
export function parse<T extends OptionSpec>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

/** A flag's value checked by `schema`: a usage error naming the flag when it does not fit. */
export function checkedOption<T>(schema: z.ZodType<T>, value: string, name: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new UsageError(`--${name} "${value}": ${result.error.issues.map((i) => i.message).join("; ")}`);
  }
  return result.data;
}

/** `--host` (or another listen-address flag): an IP literal, 127.0.0.1 when not given. */
export function hostOption(value: string | undefined, name = "host"): string {
  return value === undefined ? DEFAULT_HOST : checkedOption(ListenHostSchema, value, name);
}

export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits: for the long-running commands. */
export function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    void stop().then(() => process.exit(0));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
