import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { z } from "zod";
import { parse, UsageError } from "../../core/cli-args.js";
import { TEST_MNEMONIC, testAccountAddresses, walletFromMnemonic } from "../client/keys.js";

/**
 * A test keyring: mnemonics stored unencrypted in `<keyring-dir>/<name>.json`, like the Cosmos
 * SDK's `--keyring-backend test`. For devnets only.
 */
const KeyFileSchema = z.object({ name: z.string(), address: z.string(), mnemonic: z.string() });

export function keyringDir(dir: string | undefined): string {
  return resolve(dir ?? join(".devnet", "keys"));
}

export interface SignerRef {
  mnemonic: string;
  index: number;
}

/** `--from` is a test account index (0-9) or a key name in the keyring. */
export function resolveSigner(from: string | undefined, dir: string | undefined): SignerRef {
  if (from === undefined || /^\d+$/.test(from)) return { mnemonic: TEST_MNEMONIC, index: Number(from ?? 0) };
  const path = join(keyringDir(dir), `${from}.json`);
  if (!existsSync(path)) throw new UsageError(`no key named "${from}" in ${keyringDir(dir)}`);
  return { mnemonic: KeyFileSchema.parse(JSON.parse(readFileSync(path, "utf8"))).mnemonic, index: 0 };
}

export async function keysCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { "keyring-dir": { type: "string" } });
  const [action, name] = positionals;
  const dir = keyringDir(values["keyring-dir"]);
  if (action === "list") {
    (await testAccountAddresses()).forEach((address, i) => {
      console.log(`test-${i}  ${address}`);
    });
    return;
  }
  if (action === "add") {
    if (!name || !/^[\w-]+$/.test(name)) throw new UsageError("usage: metro keys add NAME");
    const path = join(dir, `${name}.json`);
    if (existsSync(path)) throw new UsageError(`key "${name}" exists already`);
    const wallet = await DirectSecp256k1HdWallet.generate(24, { prefix: "metro" });
    const [account] = await wallet.getAccounts();
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path,
      JSON.stringify({ name, address: account!.address, mnemonic: wallet.mnemonic }, null, 2),
      {
        mode: 0o600,
      },
    );
    console.log(`${name}  ${account!.address}\nmnemonic: ${wallet.mnemonic}`);
    return;
  }
  if (action === "show") {
    const signer = resolveSigner(name, values["keyring-dir"]);
    const [account] = await (await walletFromMnemonic(signer.mnemonic, [signer.index])).getAccounts();
    console.log(account!.address);
    return;
  }
  throw new UsageError("usage: metro keys list | keys add NAME | keys show NAME|INDEX");
}
