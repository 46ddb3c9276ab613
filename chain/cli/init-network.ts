/**
 * What `metro init` reads for a real network: the operator's key, the genesis funding asked
 * for, and where CometBFT listens and says it can be reached.
 */
import { isIP } from "node:net";
import { join } from "node:path";
import { z } from "zod";
import { parseAddress } from "../../core/address.js";
import { checkedOption, UsageError } from "../../core/cli-args.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { tcpLaddr } from "../../core/listen.js";
import type { AppState } from "../app/genesis.js";
import { createKey, keyringDir, readKey } from "../client/keyring.js";
import { walletFromMnemonic } from "../client/keys.js";
import type { TomlValue } from "../node/toml.js";
import { parseAmount } from "./tx.js";

type Account = AppState["accounts"][number];

/** `--fund ADDRESS=AMOUNT` (AMOUNT as `metro tx send` takes it: 250, 1.5stTIA, 250<denom>). */
export function parseFunding(entries: readonly string[]): Account[] {
  const seen = new Set<string>();
  return entries.map((entry) => {
    const split = entry.indexOf("=");
    if (split <= 0) throw new UsageError(`--fund takes ADDRESS=AMOUNT, got "${entry}"`);
    let address: string;
    try {
      address = parseAddress(entry.slice(0, split));
    } catch (error) {
      throw new UsageError(`--fund "${entry}": not a Metro address (${(error as Error).message})`);
    }
    if (seen.has(address)) throw new UsageError(`--fund names ${address} twice`);
    seen.add(address);
    try {
      return { address, coins: [parseAmount(entry.slice(split + 1))] };
    } catch (error) {
      throw new UsageError(`--fund "${entry}": ${(error as Error).message}`);
    }
  });
}

/** The self-bond in base units of the LST, at least one unit of voting power (1 stTIA). */
export function parseSelfBond(text: string): string {
  const coin = parseAmount(text);
  if (coin.denom !== DEFAULT_LST_DENOM || BigInt(coin.amount) < 1_000_000n) {
    throw new UsageError(`--self-bond must be at least 1stTIA, got "${text}"`);
  }
  return coin.amount;
}

export interface Operator {
  address: string;
  /** Set when init generated the key: shown once, and kept in `keyFile`. */
  mnemonic?: string;
  keyFile?: string;
}

/** `--key NAME` from the keyring, else a new key kept in `<home>/keys/operator.json`. */
export async function operatorKey(
  home: string,
  name: string | undefined,
  keyring: string | undefined,
): Promise<Operator> {
  if (name !== undefined) {
    const key = readKey(keyringDir(keyring), name);
    const [account] = await (await walletFromMnemonic(key.mnemonic, [key.index])).getAccounts();
    return { address: account!.address };
  }
  const dir = join(home, "keys");
  const key = await createKey(dir, "operator");
  return { ...key, keyFile: join(dir, "operator.json") };
}

const HOST_PORT = String.raw`(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}`;
const HostPortSchema = z.string().regex(new RegExp(`^${HOST_PORT}$`), "HOST:PORT, such as 203.0.113.7:26656");
/** CometBFT's `persistent_peers`: comma-separated NODE_ID@HOST:PORT. */
const PeersSchema = z
  .string()
  .regex(new RegExp(`^[0-9a-f]{40}@${HOST_PORT}(,[0-9a-f]{40}@${HOST_PORT})*$`), "NODE_ID@HOST:PORT[,…]");
const LaddrSchema = z.string().refine((laddr) => {
  const match = /^tcp:\/\/\[?([0-9a-fA-F:.]+)\]?:(\d{1,5})$/.exec(laddr);
  return match !== null && isIP(match[1]!) !== 0 && Number(match[2]) <= 65535;
}, "tcp://IP:PORT, such as tcp://0.0.0.0:26656");

export interface CometNetworkFlags {
  host: string;
  ports: { p2p: number; rpc: number };
  p2pLaddr?: string;
  rpcLaddr?: string;
  externalAddress?: string;
  persistentPeers?: string;
}

/** CometBFT's listen and external addresses; a real network also finds peers through PEX. */
export function cometNetworkConfig(flags: CometNetworkFlags, devnet: boolean): Record<string, TomlValue> {
  const p2p = flags.p2pLaddr ? checkedOption(LaddrSchema, flags.p2pLaddr, "p2p-laddr") : undefined;
  const rpc = flags.rpcLaddr ? checkedOption(LaddrSchema, flags.rpcLaddr, "rpc-laddr") : undefined;
  const external = flags.externalAddress
    ? checkedOption(HostPortSchema, flags.externalAddress, "external-address")
    : "";
  return {
    "p2p.laddr": p2p ?? tcpLaddr(flags.host, flags.ports.p2p),
    "rpc.laddr": rpc ?? tcpLaddr(flags.host, flags.ports.rpc),
    "p2p.external_address": external,
    ...(devnet
      ? {}
      : {
          "p2p.persistent_peers": flags.persistentPeers
            ? checkedOption(PeersSchema, flags.persistentPeers, "persistent-peers")
            : "",
          "p2p.pex": true,
          "p2p.addr_book_strict": true,
          "p2p.allow_duplicate_ip": false,
        }),
  };
}
