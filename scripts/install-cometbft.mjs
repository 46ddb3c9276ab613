#!/usr/bin/env node
// Builds the pinned CometBFT into ./bin with `go install`. Idempotent: a binary built from the
// pinned module version is kept. Metro never ships its own consensus.
//
// `node scripts/install-cometbft.mjs abci-cli` builds CometBFT's abci-cli (same module, same
// version) instead: the benchmark serves the kvstore baseline over the ABCI socket with it.
import { spawn, spawnSync } from "node:child_process";
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

/**
 * `go install -v`, with progress: it names each package as it builds it, so a counter, the
 * elapsed time and the package at hand are shown (one line rewritten on a terminal, a line
 * every 15 s elsewhere). On failure the whole output is printed.
 */
function goInstall(target) {
  const started = Date.now();
  const tty = process.stdout.isTTY;
  const spinner = ["|", "/", "-", "\\"];
  const output = [];
  let packages = 0;
  let current = "resolving modules";
  let lastPrinted = 0;
  const show = () => {
    const seconds = Math.round((Date.now() - started) / 1000);
    const line = `building ${tool}: ${packages} packages, ${seconds} s, ${current}`;
    if (tty)
      process.stdout.write(
        `\r\x1b[2K${spinner[seconds % 4]} ${line.slice(0, (process.stdout.columns ?? 100) - 3)}`,
      );
    else if (Date.now() - lastPrinted >= 15_000) {
      console.log(line);
      lastPrinted = Date.now();
    }
  };
  return new Promise((resolve) => {
    const child = spawn("go", ["install", "-v", target], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, GOBIN: binDir },
    });
    const onData = (chunk) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line.trim()) continue;
        output.push(line);
        if (/^go: downloading /.test(line)) current = line.slice(4);
        else if (!line.startsWith("#") && !line.includes(" ")) {
          packages++;
          current = line;
        }
      }
      show();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setInterval(() => show(), tty ? 250 : 1000);
    child.on("close", (code) => {
      clearInterval(timer);
      if (tty) process.stdout.write("\r\x1b[2K");
      if (code !== 0) {
        console.error(output.join("\n"));
        console.error(`metro: go install ${target} failed (exit ${code})`);
        process.exit(1);
      }
      console.log(`built ${packages} packages in ${Math.round((Date.now() - started) / 1000)} s`);
      resolve();
    });
  });
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
await goInstall(`${TOOLS[tool]}@v${COMETBFT_VERSION}`);
const built = installedVersion(true);
if (built !== COMETBFT_VERSION) {
  console.error(`metro: built ${tool} reports version ${built ?? "(none)"}, expected ${COMETBFT_VERSION}`);
  process.exit(1);
}
console.log(`${tool} ${built} installed in ${binDir}`);
