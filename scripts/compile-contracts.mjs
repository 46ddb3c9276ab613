#!/usr/bin/env node
// Compiles every .sol file under contracts/ with the pinned solc (npm) and writes
// dist/contracts/artifacts.json: { "<ContractName>": { abi, bytecode, deployedBytecode } }, keys sorted.
// Deterministic: sources are keyed by their repository-relative path and read in sorted order, and no
// metadata hash is appended, so the bytecode depends only on the code and these settings (MetroOracle's
// runtime code goes into rollup genesis, and MetroPriceFeed's creation code fixes every feed's address).
// Usage: node scripts/compile-contracts.mjs [outDir]   (outDir defaults to dist/contracts)
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const EXPECTED_SOLC = "0.8.37";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const contractsDir = join(root, "contracts");
const outDir = resolve(root, process.argv[2] ?? join("dist", "contracts"));

function fail(message) {
  console.error(`compile-contracts: ${message}`);
  process.exit(1);
}

function solidityFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...solidityFiles(path));
    else if (entry.isFile() && entry.name.endsWith(".sol")) found.push(path);
  }
  return found;
}

const version = solc.version();
if (!version.startsWith(`${EXPECTED_SOLC}+`)) fail(`expected solc ${EXPECTED_SOLC}, found ${version}`);

const files = solidityFiles(contractsDir)
  .map((path) => relative(root, path).split(sep).join("/"))
  .sort();
if (files.length === 0) fail(`no .sol files under ${contractsDir}`);

const sources = {};
for (const file of files) sources[file] = { content: readFileSync(join(root, file), "utf8") };

const input = {
  language: "Solidity",
  sources,
  settings: {
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 200 },
    metadata: { bytecodeHash: "none", appendCBOR: false },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};

// Every source is already in the input; an import of anything else is an error.
const findImports = (path) => ({
  error: `import not found: ${path} (only files under contracts/ are compiled)`,
});
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

const diagnostics = output.errors ?? [];
for (const d of diagnostics.filter((e) => e.severity !== "error")) {
  console.error((d.formattedMessage ?? d.message).trimEnd());
}
const errors = diagnostics.filter((e) => e.severity === "error");
if (errors.length > 0) {
  for (const e of errors) console.error((e.formattedMessage ?? e.message).trimEnd());
  fail(`${errors.length} compile error(s) with solc ${version}`);
}

const artifacts = {};
const origin = {};
for (const file of files) {
  const contracts = output.contracts?.[file] ?? {};
  for (const name of Object.keys(contracts).sort()) {
    if (origin[name]) fail(`contract name ${name} is defined in both ${origin[name]} and ${file}`);
    origin[name] = file;
    const c = contracts[name];
    artifacts[name] = {
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    };
  }
}
const unlinked = Object.entries(artifacts).filter(([, a]) => a.bytecode.includes("__$"));
if (unlinked.length > 0) fail(`unlinked libraries in ${unlinked.map(([n]) => n).join(", ")}`);

const sorted = Object.fromEntries(
  Object.keys(artifacts)
    .sort()
    .map((name) => [name, artifacts[name]]),
);
mkdirSync(outDir, { recursive: true });
const target = join(outDir, "artifacts.json");
writeFileSync(target, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(
  `compiled ${Object.keys(sorted).length} contracts from ${files.length} files with solc ${version} -> ${relative(root, target)}`,
);
