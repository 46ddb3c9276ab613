import { writeFileSync } from "node:fs";
import { hostOption, intOption, parse, UsageError } from "../../core/cli-args.js";
import { isDevnetChainId } from "../../core/fault-injection.js";
import { appConfigPath } from "../node/app-config.js";
import { configureComet, initCometHome } from "../node/cometbft.js";
import { appSocketPath, genesisPath, isInitialized } from "../node/home.js";
import { type JoinPlan, planJoin } from "../node/join.js";
import type { TomlValue } from "../node/toml.js";
import { cometNetworkConfig } from "./init-network.js";
import { startCommand } from "./start.js";

const OPTIONS = {
  rpc: { type: "string" },
  home: { type: "string" },
  moniker: { type: "string" },
  "port-base": { type: "string" },
  host: { type: "string" },
  "p2p-laddr": { type: "string" },
  "rpc-laddr": { type: "string" },
  "external-address": { type: "string" },
  "trust-height": { type: "string" },
  "trust-hash": { type: "string" },
  "snapshot-interval": { type: "string" },
  "no-start": { type: "boolean" },
} as const;

/** Peering on one machine, as the devnet does: loopback addresses, several nodes per IP, no PEX. */
const LOOPBACK_PEERING: Record<string, TomlValue> = {
  "p2p.addr_book_strict": false,
  "p2p.allow_duplicate_ip": true,
  "p2p.pex": false,
};

/**
 * `metro join --rpc URL[,URL2] --home DIR`: a home for a running network (its genesis, its RPC
 * nodes as persistent peers, state sync from a recent block both RPC nodes vouch for), then the
 * node starts as `metro start` would. New node and validator keys come from CometBFT's init.
 */
export async function joinCommand(args: string[]): Promise<void> {
  const { values } = parse(args, OPTIONS);
  const home = values.home;
  if (!home) throw new UsageError("metro join needs --home DIR");
  if (!values.rpc) throw new UsageError("metro join needs --rpc URL[,URL2] of the network's nodes");
  if (isInitialized(home)) throw new UsageError(`${home} is already initialized: start it with metro start`);
  const urls = values.rpc.split(",").filter(Boolean);
  if (urls.length > 2) throw new UsageError("--rpc takes one or two URLs");
  for (const url of urls)
    if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--rpc "${url}": not an http(s) URL`);
  if (values["trust-hash"] !== undefined && values["trust-height"] === undefined)
    throw new UsageError("--trust-hash needs --trust-height");
  if (values["trust-hash"] !== undefined && !/^[0-9A-Fa-f]{64}$/.test(values["trust-hash"]))
    throw new UsageError(`--trust-hash must be a 64-hex-digit block hash, got "${values["trust-hash"]}"`);
  const trust =
    values["trust-height"] === undefined
      ? undefined
      : { height: intOption(values["trust-height"], "trust-height", 0), hash: values["trust-hash"] };
  const portBase = intOption(values["port-base"], "port-base", 26656);
  const flags = {
    host: hostOption(values.host),
    ports: { p2p: portBase, rpc: portBase + 1 },
    p2pLaddr: values["p2p-laddr"],
    rpcLaddr: values["rpc-laddr"],
    externalAddress: values["external-address"],
  };
  cometNetworkConfig(flags, true); // the flags' own checks, before asking the network
  const snapshotInterval = intOption(values["snapshot-interval"], "snapshot-interval", 0);
  const plan = await planJoin(urls, trust);
  const devnet = isDevnetChainId(plan.chainId);
  const network = {
    ...cometNetworkConfig({ ...flags, persistentPeers: plan.peers.join(",") }, devnet),
    ...(devnet ? { "p2p.persistent_peers": plan.peers.join(","), ...LOOPBACK_PEERING } : {}),
  };
  writeHome(home, plan, { ...network, moniker: values.moniker ?? "node" }, snapshotInterval);
  console.log(
    `joined ${plan.chainId} in ${home}: peers ${plan.peers.join(",")}; state sync trusts block ${plan.trustHeight} ${plan.trustHash}`,
  );
  if (!values["no-start"]) await startCommand(["--home", home]);
}

function writeHome(
  home: string,
  plan: JoinPlan,
  config: Record<string, TomlValue>,
  snapshotInterval: number,
): void {
  initCometHome(home);
  writeFileSync(genesisPath(home), `${JSON.stringify(plan.genesis, null, 2)}\n`);
  writeFileSync(appConfigPath(home), `${JSON.stringify({ snapshot_interval: snapshotInterval }, null, 2)}\n`);
  configureComet(home, {
    ...config,
    proxy_app: `unix://${appSocketPath(home)}`,
    "statesync.enable": true,
    "statesync.rpc_servers": plan.rpcServers.join(","),
    "statesync.trust_height": plan.trustHeight,
    "statesync.trust_hash": plan.trustHash,
    // Snapshots are looked for again when none turned up in this time.
    "statesync.discovery_time": "5s",
  });
}
