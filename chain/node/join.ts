/**
 * What `metro join` learns from a running network's RPC: its genesis, a peer per RPC node, and
 * a recent block (height and hash) for CometBFT's light client to trust. With two RPC nodes,
 * they must agree, so one lying node cannot pick the block the new node trusts.
 */
import { isIP } from "node:net";
import { z } from "zod";
import { rpcGet } from "./rpc.js";

export class JoinError extends Error {
  override name = "JoinError";
}

/** How far below the latest block the trusted one is: recent, and surely final on every peer. */
export const TRUST_MARGIN = 10;

const GenesisSchema = z.object({
  result: z.object({ genesis: z.object({ chain_id: z.string().min(1) }).passthrough() }),
});
const StatusSchema = z.object({
  result: z.object({
    node_info: z.object({
      id: z.string().regex(/^[0-9a-f]{40}$/),
      listen_addr: z.string(),
      network: z.string(),
    }),
    sync_info: z.object({ latest_block_height: z.string().regex(/^\d+$/) }),
  }),
});
const CommitSchema = z.object({
  result: z.object({
    signed_header: z.object({
      header: z.object({ height: z.string(), chain_id: z.string() }),
      commit: z.object({ block_id: z.object({ hash: z.string().regex(/^[0-9A-Fa-f]{64}$/) }) }),
    }),
  }),
});

export interface JoinPlan {
  chainId: string;
  /** The genesis document, as the network's nodes hold it. */
  genesis: Record<string, unknown>;
  /** NODE_ID@HOST:PORT of each RPC node, for persistent_peers. */
  peers: string[];
  rpcServers: string[];
  trustHeight: number;
  trustHash: string;
}

const UNREACHABLE_HOSTS = new Set(["0.0.0.0", "::", "", "127.0.0.1", "::1", "localhost"]);

/**
 * A node's p2p address as seen from here: the address it announces (its external address, or
 * its listen address), unless that is unspecified or loopback, when the RPC URL's host is used.
 */
export function peerAddress(id: string, listenAddr: string, rpcUrl: string): string {
  const match = /^(?:[a-z]+:\/\/)?(?:\[([0-9a-fA-F:]+)\]|([^:/]*)):(\d+)$/.exec(listenAddr);
  if (!match) throw new JoinError(`${rpcUrl} reports a listen address "${listenAddr}" that has no port`);
  const listenHost = match[1] ?? match[2] ?? "";
  const rpcHost = new URL(rpcUrl).hostname.replace(/^\[|\]$/g, "");
  const host = UNREACHABLE_HOSTS.has(listenHost) ? rpcHost : listenHost;
  return `${id}@${isIP(host) === 6 ? `[${host}]` : host}:${match[3]}`;
}

async function blockHashAt(rpcUrl: string, height: number, chainId: string): Promise<string> {
  const { result } = await rpcGet(`${rpcUrl}/commit?height=${height}`, CommitSchema);
  if (result.signed_header.header.chain_id !== chainId)
    throw new JoinError(`${rpcUrl} serves chain ${result.signed_header.header.chain_id}, not ${chainId}`);
  return result.signed_header.commit.block_id.hash.toUpperCase();
}

/**
 * Reads the network through `rpcUrls` (one or two). `trust` pins the trusted block instead of
 * taking the one TRUST_MARGIN below the latest; the RPC nodes must agree with it.
 */
export async function planJoin(
  rpcUrls: readonly string[],
  trust?: { height: number; hash?: string },
): Promise<JoinPlan> {
  const urls = rpcUrls.map((url) => url.replace(/\/+$/, ""));
  const { genesis } = (await rpcGet(`${urls[0]}/genesis`, GenesisSchema)).result;
  const chainId = genesis.chain_id;
  const statuses = await Promise.all(
    urls.map(async (url) => (await rpcGet(`${url}/status`, StatusSchema)).result),
  );
  statuses.forEach((status, i) => {
    if (status.node_info.network !== chainId)
      throw new JoinError(`${urls[i]} is on chain ${status.node_info.network}, the genesis says ${chainId}`);
  });
  const latest = Math.min(...statuses.map((s) => Number(s.sync_info.latest_block_height)));
  const trustHeight = trust?.height ?? latest - TRUST_MARGIN;
  if (trustHeight < 1 || trustHeight > latest)
    throw new JoinError(`no block to trust at height ${trustHeight}: the network is at height ${latest}`);
  const hashes = await Promise.all(urls.map((url) => blockHashAt(url, trustHeight, chainId)));
  if (hashes.some((hash) => hash !== hashes[0]))
    throw new JoinError(`the RPC nodes disagree on block ${trustHeight}: ${hashes.join(" vs ")}`);
  const trustHash = hashes[0]!;
  if (trust?.hash !== undefined && trust.hash.toUpperCase() !== trustHash) {
    throw new JoinError(
      `the trusted hash ${trust.hash} does not match block ${trustHeight}, which is ${trustHash} on ${urls.join(" and ")}`,
    );
  }
  const peers = [
    ...new Set(statuses.map((s, i) => peerAddress(s.node_info.id, s.node_info.listen_addr, urls[i]!))),
  ];
  // CometBFT's light client wants two RPC servers (a primary and a witness).
  const rpcServers = urls.length > 1 ? urls : [urls[0]!, urls[0]!];
  return { chainId, genesis, peers, rpcServers, trustHeight, trustHash };
}
