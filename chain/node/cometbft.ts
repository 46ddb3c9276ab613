import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { setTomlValues, type TomlValue } from "./toml.js";

export const COMETBFT_VERSION = "0.38.25";

export class CometBftError extends Error {
  override name = "CometBftError";
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The pinned CometBFT that `npm ci` builds into ./bin (METRO_COMETBFT overrides the path). */
export function cometbftBinary(): string {
  const binary = process.env.METRO_COMETBFT ?? join(repoRoot, "bin", "cometbft");
  if (!existsSync(binary)) {
    throw new CometBftError(
      `CometBFT not found at ${binary}: run \`npm ci\` (it builds v${COMETBFT_VERSION} with Go)`,
    );
  }
  return binary;
}

/**
 * CometBFT's abci-cli at the same pinned version, built into ./bin on first use: only the
 * benchmark needs it, to serve the kvstore baseline over the ABCI socket.
 */
export function abciCliBinary(): string {
  const binary = join(repoRoot, "bin", "abci-cli");
  if (!existsSync(binary)) {
    execFileSync(process.execPath, [join(repoRoot, "scripts", "install-cometbft.mjs"), "abci-cli"], {
      stdio: "inherit",
    });
  }
  return binary;
}

function run(args: string[]): string {
  const result = spawnSync(cometbftBinary(), args, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new CometBftError(`cometbft ${args.join(" ")} failed: ${result.stderr || result.stdout}`);
  }
  return result.stdout.trim();
}

/**
 * Wipes a home's blocks, consensus state and double-sign guard, keeping its keys and config:
 * the step every validator takes before starting a hard fork's genesis.
 */
export function resetCometData(home: string): void {
  run(["unsafe-reset-all", "--home", home]);
}

export function cometbftVersion(): string {
  return run(["version"]);
}

/** Writes a CometBFT home (keys, config, a placeholder genesis) unless one is there already. */
export function initCometHome(home: string): void {
  run(["init", "--home", home]);
}

export function nodeId(home: string): string {
  return run(["show-node-id", "--home", home]);
}

const PrivValidatorKeySchema = z.object({
  address: z.string(),
  pub_key: z.object({ type: z.literal("tendermint/PubKeyEd25519"), value: z.string() }),
});

export interface ValidatorKey {
  address: string;
  pubKeyBase64: string;
}

export function readValidatorKey(home: string): ValidatorKey {
  const key = PrivValidatorKeySchema.parse(
    JSON.parse(readFileSync(join(home, "config", "priv_validator_key.json"), "utf8")),
  );
  return { address: key.address, pubKeyBase64: key.pub_key.value };
}

export function configureComet(home: string, values: Record<string, TomlValue>): void {
  const path = join(home, "config", "config.toml");
  writeFileSync(path, setTomlValues(readFileSync(path, "utf8"), values));
}
