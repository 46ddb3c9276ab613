/**
 * `metro rollup init`: a rollup home for any Metro network, with its own composer key and no
 * test accounts. The devnet's rollups (`metro rollup deploy`) keep the test mnemonic and faucet.
 */
import { resolve } from "node:path";
import { getAddress, isAddress } from "viem";
import { english, generateMnemonic, mnemonicToAccount } from "viem/accounts";
import { keyringDir, nodeStatus, readKey, walletFromMnemonic } from "../chain/index.js";
import { checkedOption, hostOption, intOption, parse, required, UsageError } from "../core/cli-args.js";
import { DEFAULT_HOST, httpUrl } from "../core/listen.js";
import { DEFAULT_DA_PORT, MultiaddrSchema } from "../relayer/index.js";
import { DeployRequestSchema } from "./devnet-admin.js";
import { type RollupKeys, rollupHomeExists, writeRollupHome } from "./rollup-home.js";

/** A faucet's genesis balance unless `--faucet-balance` says otherwise: 1,000,000 ETH. */
const FAUCET_BALANCE = (10n ** 24n).toString();

const OPTIONS = {
  home: { type: "string" },
  name: { type: "string" },
  "chain-id": { type: "string" },
  node: { type: "string" },
  "metro-chain-id": { type: "string" },
  "da-url": { type: "string" },
  "da-token": { type: "string" },
  "composer-key": { type: "string" },
  "keyring-dir": { type: "string" },
  alloc: { type: "string", multiple: true },
  faucet: { type: "boolean" },
  "faucet-balance": { type: "string" },
  host: { type: "string" },
  "rpc-port": { type: "string" },
  "execution-host": { type: "string" },
  "execution-port": { type: "string" },
  "gossip-host": { type: "string" },
  "gossip-port": { type: "string" },
  announce: { type: "string", multiple: true },
  peer: { type: "string", multiple: true },
} as const;

const parseOptions = (args: string[]) => parse(args, OPTIONS).values;

/** `--chain-id`: a rollup's EVM chain id, a positive integer. */
export function evmChainIdOption(value: string | undefined): number {
  const chainId = Number(required(value, "--chain-id (the rollup's EVM chain id)"));
  if (!Number.isSafeInteger(chainId) || chainId <= 0)
    throw new UsageError("--chain-id must be a positive integer");
  return chainId;
}

const wei = (text: string, flag: string): string => {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} takes an amount in wei, got "${text}"`);
  return text;
};

/** `--alloc 0xADDRESS=WEI`, repeatable: the rollup's genesis balances. */
export function parseAlloc(entries: readonly string[]): Record<string, string> {
  const alloc: Record<string, string> = {};
  for (const entry of entries) {
    const split = entry.indexOf("=");
    const [address, amount] = split < 0 ? ["", ""] : [entry.slice(0, split), entry.slice(split + 1)];
    if (!isAddress(address, { strict: false }))
      throw new UsageError(`--alloc takes 0xADDRESS=WEI, got "${entry}"`);
    if (alloc[getAddress(address)] !== undefined) throw new UsageError(`--alloc names ${address} twice`);
    alloc[getAddress(address)] = wei(amount, "alloc");
  }
  return alloc;
}

/** The composer's key from the keyring, else a new one (kept in the home's evm.json, mode 0600). */
function composerKey(name: string | undefined, keyring: string | undefined): RollupKeys["composer"] {
  if (name !== undefined) {
    const key = readKey(keyringDir(keyring), name);
    return { mnemonic: key.mnemonic, accountIndex: key.index };
  }
  return { mnemonic: generateMnemonic(english, 256), accountIndex: 0 };
}

function rollupKeys(values: ReturnType<typeof parseOptions>): RollupKeys {
  const alloc = parseAlloc(values.alloc ?? []);
  const keys: RollupKeys = {
    devnet: false,
    composer: composerKey(values["composer-key"], values["keyring-dir"]),
    alloc,
  };
  if (!values.faucet) {
    if (values["faucet-balance"] !== undefined) throw new UsageError("--faucet-balance needs --faucet");
    return keys;
  }
  const faucet = { mnemonic: generateMnemonic(english, 256), accountIndex: 0 };
  const address = mnemonicToAccount(faucet.mnemonic).address;
  alloc[address] = values["faucet-balance"]
    ? wei(values["faucet-balance"], "faucet-balance")
    : FAUCET_BALANCE;
  return { ...keys, faucet };
}

/** `metro rollup init --home DIR --name N --chain-id EVM_ID [--node URL] [--da-url URL] …` */
export async function rollupInitCommand(args: string[]): Promise<void> {
  const values = parseOptions(args);
  const dir = resolve(required(values.home, "--home DIR"));
  if (rollupHomeExists(dir)) throw new UsageError(`${dir} is a rollup home already`);
  const name = checkedOption(DeployRequestSchema.shape.name, required(values.name, "--name"), "name");
  const chainId = evmChainIdOption(values["chain-id"]);
  const metroRpc = values.node ?? "http://127.0.0.1:26657";
  const keys = rollupKeys(values);
  const listen = {
    rpcHost: hostOption(values.host),
    executionHost: hostOption(values["execution-host"], "execution-host"),
    executionPort: intOption(values["execution-port"], "execution-port", 0),
    gossip: {
      host: hostOption(values["gossip-host"], "gossip-host"),
      port: intOption(values["gossip-port"], "gossip-port", 0),
      announce: (values.announce ?? []).map((a) => checkedOption(MultiaddrSchema, a, "announce")),
    },
  };
  const peers = (values.peer ?? []).map((p) => checkedOption(MultiaddrSchema, p, "peer"));
  const status = await nodeStatus(metroRpc);
  const expected = values["metro-chain-id"];
  if (expected !== undefined && status.chainId !== expected) {
    throw new UsageError(`${metroRpc} serves chain ${status.chainId}, not ${expected}`);
  }
  const home = await writeRollupHome(
    {
      dir,
      name,
      chainId,
      metroRpc,
      daUrl: values["da-url"] ?? httpUrl(DEFAULT_HOST, DEFAULT_DA_PORT),
      ...(values["da-token"] ? { daToken: values["da-token"] } : {}),
      gossipPeers: peers,
      rpcPort: intOption(values["rpc-port"], "rpc-port", 8545),
      listen,
    },
    keys,
  );
  const [composer] = await (
    await walletFromMnemonic(keys.composer.mnemonic, [keys.composer.accountIndex])
  ).getAccounts();
  console.log(`rollup home ${dir} for ${name} (EVM chain id ${chainId}) on Metro ${status.chainId}`);
  console.log(
    `  block 1 follows Metro height ${home.genesis.sequencerStartHeight}; faucet ${keys.faucet ? "on" : "off"}`,
  );
  console.log(`  composer (pays for sequencing; key in evm.json, mode 0600): ${composer!.address}`);
  console.log(
    `next: fund the composer, then  metro tx register-rollup ${name} --genesis ${dir}/genesis.json`,
  );
  console.log(`      and run  metro evm --home ${dir}  and  metro conductor --home ${dir}`);
}
