#!/usr/bin/env node
// Run after `npm install` changes dependencies. The registry this project installs from does not
// serve some other-platform optional packages (e.g. @biomejs/cli-darwin-x64), so npm leaves them
// out of package-lock.json and `npm ci` then rejects the lock as out of sync. This records each
// missing platform package with its os/cpu, so `npm ci` sees a complete lock and skips them on
// platforms they do not match.
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORM =
  /-(android|darwin|freebsd|linux|openbsd|sunos|win32)-(arm64|arm|ia32|x64|riscv64|s390x|ppc64)(-(gnu|musl|msvc))?$/;
const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;
let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location}/node_modules/${name}`;
    if (packages[`node_modules/${name}`] || packages[nested]) continue;
    const match = PLATFORM.exec(name);
    if (!match)
      throw new Error(
        `${name} (optional for ${location}) is missing from the lock and is not a platform package`,
      );
    const [, os, cpu, , libc] = match;
    packages[`node_modules/${name}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [os],
      cpu: [cpu],
      ...(libc === "musl" ? { libc: ["musl"] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: recorded ${added} platform package(s) the registry does not serve`);
