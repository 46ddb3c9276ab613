#!/usr/bin/env node
// Builds pinned celestia-app (celestia-appd) and celestia-node (celestia) into ./bin for the
// real-DA test. Both modules carry `replace` directives, so `go install` refuses them: the
// module source is fetched with `go mod download`, copied out of the read-only module cache,
// and built in place. celestia-appd is built without the `multiplexer` tag (that tag downloads
// release binaries of older versions). Idempotent: binaries reporting the pinned versions stay.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// celestia-node v0.31.6-corto is built against celestia-app v9.0.4 (its go.mod); run the same app.
// (The module proxy here serves only some versions: v9.0.6, which v0.32.1 needs, is refused.)
export const CELESTIA_APP_VERSION = "v9.0.4";
export const CELESTIA_NODE_VERSION = "v0.31.6-corto";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, "bin");
const workDir = join(root, ".celestia-build");

const targets = [
  {
    name: "celestia-appd",
    module: "github.com/celestiaorg/celestia-app/v9",
    version: CELESTIA_APP_VERSION,
    pkg: "./cmd/celestia-appd",
    versionArgs: ["version"],
    ldflags: `-X github.com/cosmos/cosmos-sdk/version.Name=celestia-app -X github.com/cosmos/cosmos-sdk/version.AppName=celestia-appd -X github.com/cosmos/cosmos-sdk/version.Version=${CELESTIA_APP_VERSION.slice(1)}`,
  },
  {
    name: "celestia",
    module: "github.com/celestiaorg/celestia-node",
    version: CELESTIA_NODE_VERSION,
    pkg: "./cmd/celestia",
    versionArgs: ["version"],
    ldflags: `-X github.com/celestiaorg/celestia-node/nodebuilder/node.semanticVersion=${CELESTIA_NODE_VERSION}`,
  },
];

function reportsVersion(binary, args, version) {
  if (!existsSync(binary)) return false;
  const out = spawnSync(binary, args, { encoding: "utf8" });
  return out.status === 0 && `${out.stdout}${out.stderr}`.includes(version.replace(/^v/, ""));
}

function build(target) {
  const binary = join(binDir, target.name);
  if (reportsVersion(binary, target.versionArgs, target.version)) {
    console.log(`${target.name} ${target.version} already in ${binDir}`);
    return;
  }
  const started = Date.now();
  console.log(`fetching ${target.module}@${target.version}`);
  const info = JSON.parse(
    execFileSync("go", ["mod", "download", "-json", `${target.module}@${target.version}`], {
      encoding: "utf8",
    }),
  );
  if (info.Error) throw new Error(`${target.module}@${target.version}: ${info.Error}`);
  const source = join(workDir, `${target.name}-${target.version}`);
  rmSync(source, { recursive: true, force: true });
  cpSync(info.Dir, source, { recursive: true });
  chmodRecursive(source);
  console.log(`building ${target.name} in ${source}`);
  const result = spawnSync("go", ["build", `-ldflags=${target.ldflags}`, "-o", binary, target.pkg], {
    cwd: source,
    encoding: "utf8",
    stdio: ["ignore", "inherit", "pipe"],
  });
  if (result.status !== 0) {
    const refused = [
      ...new Set(result.stderr.match(/[\w./-]+@v[\w.+-]+(?=: reading https:\/\/proxy)/g) ?? []),
    ];
    if (refused.length > 0) {
      console.error(
        `${target.name} ${target.version} cannot be built here: the Go module proxy refuses ${refused.length} module version(s) it needs:\n  ${refused.join("\n  ")}`,
      );
    } else {
      console.error(result.stderr);
    }
    process.exit(1);
  }
  console.log(`${target.name} ${target.version} built in ${Math.round((Date.now() - started) / 1000)} s`);
}

function chmodRecursive(dir) {
  // The module cache is read-only; the copy must be writable for go to build (and to delete) it.
  execFileSync("chmod", ["-R", "u+w", dir]);
  chmodSync(dir, 0o755);
}

mkdirSync(binDir, { recursive: true });
mkdirSync(workDir, { recursive: true });
for (const target of targets) build(target);
