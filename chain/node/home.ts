/**
 * Validator homes: CometBFT's config and keys, a shared genesis, and the app's data, all under
 * one folder per validator. Each home is self-contained so `metro start --home` can run it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_LST_DENOM, DEFAULT_LST_DISPLAY, DEFAULT_LST_TRACE } from "../../core/denom.js";
import { type AppState, DEFAULT_GENESIS_PARAMS } from "../app/genesis.js";
import { configureComet, initCometHome, nodeId, readValidatorKey } from "./cometbft.js";

export const DEVNET_CHAIN_ID = "metro-devnet-1";
/** 1,000,000 stTIA in base units (6 decimals) for each funded account. */
export const DEVNET_ACCOUNT_BALANCE = "1000000000000";

export interface NodePorts {
  p2p: number;
  rpc: number;
}

export const appSocketPath = (home: string): string => join(home, "app.sock");
export const appDataDir = (home: string): string => join(home, "metro-data");
export const genesisPath = (home: string): string => join(home, "config", "genesis.json");

export function isInitialized(home: string): boolean {
  return existsSync(genesisPath(home)) && existsSync(join(home, "config", "config.toml"));
}

export function devnetAppState(
  fundedAddresses: readonly string[],
  pairs?: NonNullable<AppState["oracle"]>["pairs"],
): AppState {
  return {
    ...(pairs ? { oracle: { pairs } } : {}),
    params: DEFAULT_GENESIS_PARAMS,
    lst: { trace: DEFAULT_LST_TRACE, denom: DEFAULT_LST_DENOM, display: DEFAULT_LST_DISPLAY },
    accounts: fundedAddresses.map((address) => ({
      address,
      coins: [{ denom: DEFAULT_LST_DENOM, amount: DEVNET_ACCOUNT_BALANCE }],
    })),
  };
}

export interface HomeSpec {
  home: string;
  moniker: string;
  ports: NodePorts;
}

/**
 * Initializes one CometBFT home per spec and writes the same genesis (all of them as
 * validators with equal power) into each, with every node peering with every other.
 * `proxyApp` says where each node finds its app (the benchmark points it at CometBFT's kvstore).
 */
export function initValidatorHomes(
  specs: readonly HomeSpec[],
  chainId: string,
  appState: AppState,
  proxyApp: (spec: HomeSpec) => string = (spec) => `unix://${appSocketPath(spec.home)}`,
  options: { voteExtensions?: boolean } = {},
): void {
  for (const spec of specs) initCometHome(spec.home);
  const template = JSON.parse(readFileSync(genesisPath(specs[0]!.home), "utf8")) as Record<string, unknown>;
  const consensusParams = (template.consensus_params ?? {}) as Record<string, unknown>;
  const genesis = {
    ...template,
    // Price votes ride in every precommit from the first height (ABCI 2.0 vote extensions).
    consensus_params: {
      ...consensusParams,
      abci: { vote_extensions_enable_height: options.voteExtensions === false ? "0" : "1" },
    },
    genesis_time: new Date().toISOString(),
    chain_id: chainId,
    initial_height: "1",
    validators: specs.map((spec) => {
      const key = readValidatorKey(spec.home);
      return {
        address: key.address,
        pub_key: { type: "tendermint/PubKeyEd25519", value: key.pubKeyBase64 },
        power: "10",
        name: spec.moniker,
      };
    }),
    app_hash: "",
    app_state: appState,
  };
  const peers = specs.map((spec) => `${nodeId(spec.home)}@127.0.0.1:${spec.ports.p2p}`);
  specs.forEach((spec, index) => {
    writeFileSync(genesisPath(spec.home), `${JSON.stringify(genesis, null, 2)}\n`);
    configureComet(spec.home, {
      moniker: spec.moniker,
      proxy_app: proxyApp(spec),
      "rpc.laddr": `tcp://127.0.0.1:${spec.ports.rpc}`,
      "p2p.laddr": `tcp://127.0.0.1:${spec.ports.p2p}`,
      "p2p.persistent_peers": peers.filter((_, other) => other !== index).join(","),
      "p2p.addr_book_strict": false,
      "p2p.allow_duplicate_ip": true,
      "p2p.pex": false,
      "consensus.timeout_commit": "1s",
      // METRO_COMET_LOG_LEVEL, e.g. "mempool:debug,*:info", for looking inside CometBFT.
      log_level: process.env.METRO_COMET_LOG_LEVEL ?? "info",
      "mempool.size": 10000,
      "mempool.cache_size": 20000,
    });
  });
}
