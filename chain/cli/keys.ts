import { parse, UsageError } from "../../core/cli-args.js";
import { createKey, keyringDir, resolveSigner } from "../client/keyring.js";
import { testAccountAddresses, walletFromMnemonic } from "../client/keys.js";

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
    const key = await createKey(dir, name);
    console.log(`${name}  ${key.address}\nmnemonic: ${key.mnemonic}`);
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
