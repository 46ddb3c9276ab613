import { readFileSync } from "node:fs";
import { join } from "node:path";

/** `key = value` under `[section]` of a home's config.toml, as written (strings keep their quotes). */
export function cometSetting(home: string, section: string, key: string): string {
  const text = readFileSync(join(home, "config", "config.toml"), "utf8");
  const body = section === "" ? text.split("\n[")[0]! : text.split(`\n[${section}]\n`)[1]!.split("\n[")[0]!;
  return new RegExp(`^${key} = (.*)$`, "m").exec(body)![1]!;
}
