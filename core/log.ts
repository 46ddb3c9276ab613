import pino from "pino";
import { prettyDestination } from "./log-pretty.js";

export type Logger = pino.Logger;

/**
 * Whether logs are pretty: METRO_LOG_FORMAT=pretty or json decides; otherwise pretty on a
 * terminal and JSON lines anywhere else (a file, a pipe, CI).
 */
export function prettyLogs(stream: NodeJS.WriteStream = process.stdout): boolean {
  const format = process.env.METRO_LOG_FORMAT;
  if (format === "json") return false;
  if (format === "pretty") return true;
  return stream.isTTY === true;
}

/** One logger for the whole node; `METRO_LOG_LEVEL` overrides the level. */
export function createLogger(name: string, level = process.env.METRO_LOG_LEVEL ?? "info"): Logger {
  const options = { name, level, base: { pid: process.pid } };
  return prettyLogs() ? pino(options, prettyDestination(process.stdout)) : pino(options);
}
