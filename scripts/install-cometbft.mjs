#!/usr/bin/env node
// Builds the pinned CometBFT into ./bin with `go install`. Idempotent: a binary that already
// reports the pinned version is kept. Metro never ships its own consensus.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const COMETBFT_VERSION = "0.38.25";
const MODULE = `github.com/cometbft/cometbft/cmd/cometbft@v${COMETBFT_VERSION}`;
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, "bin");
const binary = join(binDir, "cometbft");

function installedVersion() {
  if (!existsSync(binary)) return undefined;
  const out = spawnSync(binary, ["version"], { encoding: "utf8" });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

const found = installedVersion();
if (found === COMETBFT_VERSION) {
  console.log(`cometbft ${found} already in ${binDir}`);
  process.exit(0);
}
const go = spawnSync("go", ["version"], { encoding: "utf8" });
if (go.error || go.status !== 0) {
  console.error(
    `metro: Go is needed to build CometBFT v${COMETBFT_VERSION}, but \`go\` was not found on PATH.\n` +
      "Install Go >= 1.22.11 (https://go.dev/dl/) and run `npm ci` again.",
  );
  process.exit(1);
}
console.log(`building cometbft v${COMETBFT_VERSION} with ${go.stdout.trim()} (found: ${found ?? "none"})`);
mkdirSync(binDir, { recursive: true });
execFileSync("go", ["install", MODULE], { stdio: "inherit", env: { ...process.env, GOBIN: binDir } });
const built = installedVersion();
if (built !== COMETBFT_VERSION) {
  console.error(`metro: built cometbft reports version ${built ?? "(none)"}, expected ${COMETBFT_VERSION}`);
  process.exit(1);
}
console.log(`cometbft ${built} installed in ${binDir}`);
