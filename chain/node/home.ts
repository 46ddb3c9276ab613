/**
 * Validator homes: CometBFT's config and keys, a shared genesis, and the app's data, all under
 * one folder per validator. Each home is self-contained so `metro start --home` can run it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { type BlsKeyPair, blsKeyPair, blsProvePOP } from "../../core/bls.js";
import { toHex } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM, DEFAULT_LST_DISPLAY, DEFAULT_LST_TRACE } from "../../core/denom.js";
import { DEFAULT_HOST, hostPort, tcpLaddr } from "../../core/listen.js";
import { type AppState, DEFAULT_GENESIS_PARAMS, type GenesisValidator } from "../app/genesis.js";
import { DEFAULT_STAKING_PARAMS, POWER_REDUCTION } from "../modules/staking.js";
import { configureComet, initCometHome, nodeId, readValidatorKey } from "./cometbft.js";

export const DEVNET_CHAIN_ID = "metro-devnet-1";
/** 1,000,000 stTIA in base units (6 decimals) for each funded account. */
export const DEVNET_ACCOUNT_BALANCE = "1000000000000";

export interface NodePorts {
  p2p: number;
  rpc: number;
}

/** Each genesis validator's self-bond: 10,000 stTIA, which is 10,000 TIA of power at a 1.0 rate. */
export const DEVNET_SELF_BOND = "10000000000";
export const blsKeyPath = (home: string): string => join(home, "config", "bls_key.json");

const BlsKeyFileSchema = z.object({ secret_key: z.string().regex(/^[0-9a-f]{64}$/), public_key: z.string() });

/** The validator's BLS key (rollup header signing), created next to its CometBFT key on first use. */
export function loadOrCreateBlsKey(home: string): BlsKeyPair {
  const path = blsKeyPath(home);
  if (existsSync(path)) {
    const file = BlsKeyFileSchema.parse(JSON.parse(readFileSync(path, "utf8")));
    const secretKey = Buffer.from(file.secret_key, "hex");
    return { secretKey, publicKey: Buffer.from(file.public_key, "hex") };
  }
  const keys = blsKeyPair();
  const file = { secret_key: toHex(keys.secretKey), public_key: toHex(keys.publicKey) };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

/** A genesis validator entry for a home's keys, bonded by `operator`. */
export function genesisValidatorFor(
  home: string,
  moniker: string,
  operator: string,
  selfBond: string = DEVNET_SELF_BOND,
): GenesisValidator {
  const bls = loadOrCreateBlsKey(home);
  return {
    operator,
    moniker,
    commission_rate: "0.05",
    min_self_delegation: DEFAULT_STAKING_PARAMS.minSelfDelegation,
    self_bond: selfBond,
    consensus_pubkey: readValidatorKey(home).pubKeyBase64,
    bls_pubkey: toHex(bls.publicKey),
    bls_proof_of_possession: toHex(blsProvePOP(bls)),
  };
}

export const appSocketPath = (home: string): string => join(home, "app.sock");
export const appDataDir = (home: string): string => join(home, "metro-data");
/** State-sync snapshots this node took and serves. */
export const snapshotDir = (home: string): string => join(home, "metro-snapshots");
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
  /** The account that bonds this validator at genesis; without operators, genesis bonds nobody. */
  operator?: string;
  /** The operator's self-bond in base units (10,000 stTIA unless given). */
  selfBond?: string;
  /**
   * Where the other validators dial this one (a hostname or IP), announced as its external
   * address; 127.0.0.1, announcing nothing, unless given.
   */
  host?: string;
  /** The IP its CometBFT p2p and RPC listeners bind: 127.0.0.1 unless given. */
  listenHost?: string;
}

export interface InitOptions {
  voteExtensions?: boolean;
  /** Whether operators also get a liquid devnet balance for fees (yes unless false). */
  fundOperators?: boolean;
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
  options: InitOptions = {},
): void {
  for (const spec of specs) initCometHome(spec.home);
  const staked = specs.flatMap((spec) =>
    spec.operator ? [genesisValidatorFor(spec.home, spec.moniker, spec.operator, spec.selfBond)] : [],
  );
  const fullAppState: AppState =
    staked.length > 0
      ? {
          ...appState,
          // Operators keep a liquid balance too, for fees (an unjail, a withdrawal).
          accounts: [
            ...appState.accounts,
            ...(options.fundOperators === false ? [] : staked).map((v) => ({
              address: v.operator,
              coins: [{ denom: appState.params.fee_denom, amount: DEVNET_ACCOUNT_BALANCE }],
            })),
          ],
          staking: { ...appState.staking, validators: [...(appState.staking?.validators ?? []), ...staked] },
        }
      : appState;
  const unbondingSeconds = BigInt(
    fullAppState.staking?.params?.unbonding_time_seconds ?? DEFAULT_STAKING_PARAMS.unbondingTimeSeconds,
  );
  const powerOf = (spec: HomeSpec): string => {
    const bonded = staked.find((v) => v.moniker === spec.moniker)?.self_bond;
    return bonded ? (BigInt(bonded) / POWER_REDUCTION).toString() : "10";
  };
  const template = JSON.parse(readFileSync(genesisPath(specs[0]!.home), "utf8")) as Record<string, unknown>;
  const consensusParams = (template.consensus_params ?? {}) as Record<string, unknown>;
  const genesis = {
    ...template,
    // Price votes ride in every precommit from the first height (ABCI 2.0 vote extensions).
    consensus_params: {
      ...consensusParams,
      abci: { vote_extensions_enable_height: options.voteExtensions === false ? "0" : "1" },
      // Evidence must outlive unbonding, or a double signer could unbond before its slash.
      evidence: {
        ...((consensusParams.evidence ?? {}) as Record<string, unknown>),
        max_age_num_blocks: unbondingSeconds.toString(),
        max_age_duration: (unbondingSeconds * 1_000_000_000n).toString(),
      },
    },
    genesis_time: new Date().toISOString(),
    chain_id: chainId,
    initial_height: "1",
    validators: specs.map((spec) => {
      const key = readValidatorKey(spec.home);
      return {
        address: key.address,
        pub_key: { type: "tendermint/PubKeyEd25519", value: key.pubKeyBase64 },
        power: powerOf(spec),
        name: spec.moniker,
      };
    }),
    app_hash: "",
    app_state: fullAppState,
  };
  const peers = specs.map(
    (spec) => `${nodeId(spec.home)}@${hostPort(spec.host ?? DEFAULT_HOST, spec.ports.p2p)}`,
  );
  specs.forEach((spec, index) => {
    writeFileSync(genesisPath(spec.home), `${JSON.stringify(genesis, null, 2)}\n`);
    configureComet(spec.home, {
      moniker: spec.moniker,
      proxy_app: proxyApp(spec),
      "rpc.laddr": tcpLaddr(spec.listenHost ?? DEFAULT_HOST, spec.ports.rpc),
      "p2p.laddr": tcpLaddr(spec.listenHost ?? DEFAULT_HOST, spec.ports.p2p),
      "p2p.external_address": spec.host === undefined ? "" : hostPort(spec.host, spec.ports.p2p),
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
