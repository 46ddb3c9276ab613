/** Edits `key = value` lines of CometBFT's config.toml in place, keeping its comments and layout. */
export class ConfigKeyNotFoundError extends Error {
  override name = "ConfigKeyNotFoundError";
}

export type TomlValue = string | number | boolean;

function literal(value: TomlValue): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** `values` maps "section.key" (or "key" for the top level) to its new value. */
export function setTomlValues(text: string, values: Record<string, TomlValue>): string {
  const pending = new Map(Object.entries(values));
  let section = "";
  const lines = text.split("\n").map((line) => {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      return line;
    }
    const assignment = /^(\s*)([A-Za-z0-9_-]+)\s*=/.exec(line);
    if (!assignment) return line;
    const name = section === "" ? assignment[2]! : `${section}.${assignment[2]}`;
    const value = pending.get(name);
    if (value === undefined) return line;
    pending.delete(name);
    return `${assignment[1]}${assignment[2]} = ${literal(value)}`;
  });
  if (pending.size > 0)
    throw new ConfigKeyNotFoundError(`config.toml has no ${[...pending.keys()].join(", ")}`);
  return lines.join("\n");
}
