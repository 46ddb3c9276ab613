/**
 * A test keyring: mnemonics stored unencrypted in `<keyring-dir>/<name>.json`, readable by their
 * owner only, like the Cosmos SDK's `--keyring-backend test`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { z } from "zod";
import { ADDRESS_PREFIX } from "../../core/address.js";
import { UsageError } from "../../core/cli-args.js";
import { TEST_MNEMONIC } from "./keys.js";

const KeyFileSchema = z.object({ name: z.string(), address: z.string(), mnemonic: z.string() });

export function keyringDir(dir: string | undefined): string {
  return resolve(dir ?? join(".devnet", "keys"));
}

export interface SignerRef {
  mnemonic: string;
  index: number;
}

/** A key stored in `dir`, by name; a usage error when there is none. */
export function readKey(dir: string, name: string): SignerRef {
  const path = join(dir, `${name}.json`);
  if (!existsSync(path)) throw new UsageError(`no key named "${name}" in ${dir}`);
  return { mnemonic: KeyFileSchema.parse(JSON.parse(readFileSync(path, "utf8"))).mnemonic, index: 0 };
}

/** `--from` is a test account index (0-9) or a key name in the keyring. */
export function resolveSigner(from: string | undefined, dir: string | undefined): SignerRef {
  if (from === undefined || /^\d+$/.test(from)) return { mnemonic: TEST_MNEMONIC, index: Number(from ?? 0) };
  return readKey(keyringDir(dir), from);
}

export interface NewKey {
  address: string;
  mnemonic: string;
}

/** Generates a 24-word key and stores it as `<dir>/<name>.json`, readable by its owner only. */
export async function createKey(dir: string, name: string): Promise<NewKey> {
  const path = join(dir, `${name}.json`);
  if (existsSync(path)) throw new UsageError(`key "${name}" exists already in ${dir}`);
  const wallet = await DirectSecp256k1HdWallet.generate(24, { prefix: ADDRESS_PREFIX });
  const [account] = await wallet.getAccounts();
  mkdirSync(dir, { recursive: true });
  const key = { name, address: account!.address, mnemonic: wallet.mnemonic };
  writeFileSync(path, JSON.stringify(key, null, 2), { mode: 0o600 });
  return key;
}
