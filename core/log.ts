import pino from "pino";

export type Logger = pino.Logger;

/** One logger for the whole node; `METRO_LOG_LEVEL` overrides the level. */
export function createLogger(name: string, level = process.env.METRO_LOG_LEVEL ?? "info"): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
