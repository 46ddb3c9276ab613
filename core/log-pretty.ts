/**
 * A small pretty printer for pino's JSON lines, for people at a terminal:
 * `12:03:04 WARN  metro-relayer: reading Metro failed; retrying height=5 err="connect ECONNREFUSED"`.
 * Logs written anywhere else stay JSON, one object a line, for machines.
 */
const LEVELS: Record<number, { label: string; color: string }> = {
  10: { label: "TRACE", color: "90" },
  20: { label: "DEBUG", color: "36" },
  30: { label: "INFO ", color: "32" },
  40: { label: "WARN ", color: "33" },
  50: { label: "ERROR", color: "31" },
  60: { label: "FATAL", color: "35" },
};
/** Fields every line has, shown in the prefix or not at all. */
const OMITTED = new Set(["level", "time", "name", "msg", "pid", "hostname"]);

function fieldValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value !== null && typeof value === "object" && "message" in value) {
    return JSON.stringify((value as { message: unknown }).message);
  }
  return JSON.stringify(value);
}

/** One pino JSON line as a readable line (the input itself when it is not a JSON object). */
export function prettyLine(line: string, color = false): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = LEVELS[Number(record.level)] ?? { label: String(record.level), color: "0" };
  const time = new Date(typeof record.time === "number" ? record.time : Date.now())
    .toTimeString()
    .slice(0, 8);
  const label = color ? `\x1b[${level.color}m${level.label}\x1b[0m` : level.label;
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${fieldValue(value)}`);
  const name = record.name ? `${String(record.name)}: ` : "";
  return [`${time} ${label} ${name}${String(record.msg ?? "")}`, ...fields].join(" ");
}

/** A destination for pino that writes each line pretty to `stream`. */
export function prettyDestination(stream: NodeJS.WriteStream): { write(chunk: string): void } {
  return {
    write(chunk: string) {
      for (const line of chunk.split("\n")) if (line) stream.write(`${prettyLine(line, stream.isTTY)}\n`);
    },
  };
}
