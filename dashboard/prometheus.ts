/**
 * Reading a Prometheus endpoint: GET its text exposition, sum each metric's samples over their
 * labels, and check with zod that the metrics a panel needs are there and are numbers. A reply
 * that is not the service's metrics (an HTML page, another exporter) is an error saying so.
 */
import type { z } from "zod";
import { describeFetchError } from "../chain/index.js";

export class MetricsReadError extends Error {
  override name = "MetricsReadError";
}

/** Metric name, optional labels (quoted values may hold braces), value, optional timestamp. */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+-?\d+)?$/;

const SPECIAL_VALUES: Record<string, number> = {
  "+Inf": Number.POSITIVE_INFINITY,
  "-Inf": Number.NEGATIVE_INFINITY,
};

/** Each metric's samples summed over their labels; comments and lines that are no sample are skipped. */
export function parseExposition(text: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = SAMPLE.exec(line.trim());
    if (!match) continue;
    const [, name, text] = match as unknown as [string, string, string];
    const value = SPECIAL_VALUES[text] ?? Number(text);
    // "NaN" is a value Prometheus allows; any other text that is no number is no sample.
    if (Number.isNaN(value) && text !== "NaN") continue;
    sums[name] = (sums[name] ?? 0) + value;
  }
  return sums;
}

/** GET `url`'s metrics as sums by name; unreachable or not 200 is a MetricsReadError naming it. */
export async function scrape(url: string): Promise<Record<string, number>> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    throw new MetricsReadError(`GET ${url}: ${describeFetchError(error)}`);
  }
  const text = await response.text();
  if (!response.ok) throw new MetricsReadError(`GET ${url}: HTTP ${response.status}`);
  return parseExposition(text);
}

/** The metrics `schema` asks for; those missing or not numbers are named in the error. */
export function readMetrics<T>(
  url: string,
  sums: Record<string, number>,
  schema: z.ZodType<T>,
  what: string,
): T {
  const parsed = schema.safeParse(sums);
  if (parsed.success) return parsed.data;
  const names = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".")))];
  // Garbage lacks them all: three names say enough.
  const listed =
    names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", ");
  throw new MetricsReadError(`${url} does not serve ${what}: no usable ${listed}`);
}
