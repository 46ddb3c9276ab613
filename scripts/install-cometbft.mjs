#!/usr/bin/env node
// Builds the pinned CometBFT into ./bin with `go install`. Idempotent: a binary built from the
// pinned module version is kept. Metro never ships its own consensus.
//
// `node scripts/install-cometbft.mjs abci-cli` builds CometBFT's abci-cli (same module, same
// version) instead: the benchmark serves the kvstore baseline over the ABCI socket with it.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const COMETBFT_VERSION = "0.38.25";
const MODULE = "github.com/cometbft/cometbft";
const TOOLS = {
  cometbft: `${MODULE}/cmd/cometbft`,
  "abci-cli": `${MODULE}/abci/cmd/abci-cli`,
};
const tool = process.argv[2] ?? "cometbft";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, "bin");
const binary = join(binDir, tool);

if (!Object.hasOwn(TOOLS, tool)) {
  console.error(`metro: unknown tool ${tool}; choose from ${Object.keys(TOOLS).join(", ")}`);
  process.exit(1);
}

/**
 * The CometBFT module version the binary was built from: `go version -m` reads it from any Go
 * binary; without Go, `cometbft version` still answers for cometbft itself.
 */
function installedVersion(haveGo) {
  if (!existsSync(binary)) return undefined;
  if (!haveGo) {
    if (tool !== "cometbft") return undefined;
    const out = spawnSync(binary, ["version"], { encoding: "utf8" });
    return out.status === 0 ? out.stdout.trim() : undefined;
  }
  const out = spawnSync("go", ["version", "-m", binary], { encoding: "utf8" });
  if (out.status !== 0) return undefined;
  const line = out.stdout.split("\n").find((l) => l.trim().startsWith(`mod\t${MODULE}\t`));
  return line?.trim().split("\t")[2]?.replace(/^v/, "");
}

const go = spawnSync("go", ["version"], { encoding: "utf8" });
const haveGo = !go.error && go.status === 0;
if (!haveGo && installedVersion(false) === COMETBFT_VERSION) {
  console.log(`${tool} ${COMETBFT_VERSION} already in ${binDir}`);
  process.exit(0);
}
if (!haveGo) {
  console.error(
    `metro: Go is needed to build CometBFT v${COMETBFT_VERSION}, but \`go\` was not found on PATH.\n` +
      "Install Go >= 1.22.11 (https://go.dev/dl/) and run `npm ci` again.",
  );
  process.exit(1);
}
const found = installedVersion(true);
if (found === COMETBFT_VERSION) {
  console.log(`${tool} ${found} already in ${binDir}`);
  process.exit(0);
}
console.log(`building ${tool} v${COMETBFT_VERSION} with ${go.stdout.trim()} (found: ${found ?? "none"})`);
mkdirSync(binDir, { recursive: true });
execFileSync("go", ["install", `${TOOLS[tool]}@v${COMETBFT_VERSION}`], {
  stdio: "inherit",
  env: { ...process.env, GOBIN: binDir },
});
const built = installedVersion(true);
if (built !== COMETBFT_VERSION) {
  console.error(`metro: built ${tool} reports version ${built ?? "(none)"}, expected ${COMETBFT_VERSION}`);
  process.exit(1);
}
console.log(`${tool} ${built} installed in ${binDir}`);
