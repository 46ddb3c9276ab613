/**
 * A rollup operator's home: the EVM genesis, the conductor config and the node's settings,
 * each a JSON file validated on read, plus both processes' data. `createRollupHome` makes
 * one for a rollup that starts at Metro's next height, trusting the validator set that signs it.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { mnemonicToAccount } from "viem/accounts";
import { z } from "zod";
import { nodeStatus, SupervisedProcess, signedBlockAt, TEST_MNEMONIC } from "../chain/index.js";
import { ORACLE_ADDRESS, oracleGenesisCode } from "../contracts/index.js";
import { writeFileAtomic } from "../core/atomic-file.js";
import { toHex } from "../core/bytes.js";
import { DEFAULT_HOST, httpUrl, ListenHostSchema } from "../core/listen.js";
import type { Logger } from "../core/log.js";
import { CelestiaClient } from "../relayer/index.js";
import { type ComposerTuning, ComposerTuningSchema } from "./composer/tuning.js";
import {
  type ConductorConfig,
  ConductorConfigSchema,
  type GossipConfig,
  type HeaderSigning,
} from "./config.js";
import { type RollupGenesis, RollupGenesisSchema } from "./evm/genesis.js";

const mnemonic = z.string().min(1);

/**
 * evm.json. A devnet home may leave its keys out: they are then the test mnemonic's. A home
 * from `metro rollup init` says `devnet: false` and must carry its own.
 */
export const EvmSettingsSchema = z
  .object({
    rpcPort: z.number().int().min(0).max(65535),
    executionPort: z.number().int().min(0).max(65535),
    /** Where the JSON-RPC and the execution API listen (127.0.0.1 unless set). */
    rpcHost: ListenHostSchema.default(DEFAULT_HOST),
    executionHost: ListenHostSchema.default(DEFAULT_HOST),
    metroRpc: z.string().url(),
    devnet: z.boolean().default(true),
    /** The Metro account (mnemonic and index) that pays for sequencing this rollup's txs. */
    composerAccountIndex: z.number().int().nonnegative(),
    composerMnemonic: mnemonic.optional(),
    /** How the composer batches and retries; its defaults fill Metro's blocks. */
    composer: ComposerTuningSchema.optional(),
    /** The Ethereum account (m/44'/60'/0'/0/i of the mnemonic) that serves `metro_faucet`, if any. */
    faucetAccountIndex: z.number().int().nonnegative().optional(),
    faucetMnemonic: mnemonic.optional(),
  })
  .transform((settings, ctx) => {
    const fallback = settings.devnet ? TEST_MNEMONIC : undefined;
    const composerMnemonic = settings.composerMnemonic ?? fallback;
    const faucetMnemonic = settings.faucetMnemonic ?? fallback;
    if (composerMnemonic === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "a non-devnet home needs its composerMnemonic",
        input: settings,
      });
      return z.NEVER;
    }
    if (settings.faucetAccountIndex !== undefined && faucetMnemonic === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "a non-devnet faucet needs its faucetMnemonic",
        input: settings,
      });
      return z.NEVER;
    }
    return { ...settings, composerMnemonic, ...(faucetMnemonic ? { faucetMnemonic } : {}) };
  });
export type EvmSettings = z.infer<typeof EvmSettingsSchema>;

export interface RollupHome {
  dir: string;
  genesis: RollupGenesis;
  conductor: ConductorConfig;
  settings: EvmSettings;
}

const FILES = { genesis: "genesis.json", conductor: "conductor.json", settings: "evm.json" } as const;

/** The devnet's rollup accounts: the test mnemonic's Ethereum accounts m/44'/60'/0'/0/i. */
export const FUNDED_ETH_ACCOUNTS = 10;
/** The faucet's account: past the ones users are told about, so their nonces stay theirs. */
export const FAUCET_ETH_ACCOUNT = 100;
const DEVNET_BALANCE = (10n ** 18n * 1_000_000n).toString();

export function readRollupHome(dir: string): RollupHome {
  const read = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8")) as unknown;
  return {
    dir,
    genesis: RollupGenesisSchema.parse(read(FILES.genesis)),
    conductor: ConductorConfigSchema.parse(read(FILES.conductor)),
    settings: EvmSettingsSchema.parse(read(FILES.settings)),
  };
}

export function rollupHomeExists(dir: string): boolean {
  return existsSync(join(dir, FILES.genesis));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface NewRollupOptions {
  dir: string;
  name: string;
  chainId: number;
  metroRpc: string;
  daUrl: string;
  daToken?: string;
  gossipPeers: string[];
  /** 0 picks a free port. */
  rpcPort: number;
  /** Listen addresses and ports beyond the defaults (127.0.0.1, free ports). */
  listen?: RollupListen;
  /** When this operator's validator signs the rollup's headers. */
  headers?: HeaderSigning;
  /** The composer's batching and retries, when not its defaults. */
  composer?: ComposerTuning;
}

export interface RollupListen {
  rpcHost?: string;
  executionHost?: string;
  executionPort?: number;
  gossip?: Omit<GossipConfig, "peers">;
}

/** A devnet rollup's composer pays from this test account. */
export interface DevnetRollupOptions extends NewRollupOptions {
  composerAccountIndex: number;
}

/** Who pays for sequencing, who holds ETH at genesis, and who serves the faucet. */
export interface RollupKeys {
  devnet: boolean;
  composer: { mnemonic: string; accountIndex: number };
  /** Ethereum address to balance in wei. */
  alloc: Record<string, string>;
  faucet?: { mnemonic: string; accountIndex: number };
}

/** The devnet's keys: the test mnemonic's Ethereum accounts funded, its faucet account serving. */
export function devnetRollupKeys(composerAccountIndex: number): RollupKeys {
  const alloc: Record<string, string> = {};
  for (const i of [...Array(FUNDED_ETH_ACCOUNTS).keys(), FAUCET_ETH_ACCOUNT]) {
    alloc[mnemonicToAccount(TEST_MNEMONIC, { addressIndex: i }).address] = DEVNET_BALANCE;
  }
  return {
    devnet: true,
    composer: { mnemonic: TEST_MNEMONIC, accountIndex: composerAccountIndex },
    alloc,
    faucet: { mnemonic: TEST_MNEMONIC, accountIndex: FAUCET_ETH_ACCOUNT },
  };
}

/** Writes a new devnet rollup home whose block 1 is Metro's next height. */
export function createRollupHome(options: DevnetRollupOptions): Promise<RollupHome> {
  return writeRollupHome(options, devnetRollupKeys(options.composerAccountIndex));
}

/** Writes a new rollup home whose block 1 is Metro's next height, with the given keys. */
export async function writeRollupHome(options: NewRollupOptions, keys: RollupKeys): Promise<RollupHome> {
  const status = await nodeStatus(options.metroRpc);
  const latest = await signedBlockAt(options.metroRpc, status.height);
  // A DA with no blocks yet (a devnet just started) answers with an error: read it from the start.
  const daHead = await new CelestiaClient({ url: options.daUrl, token: options.daToken })
    .networkHead()
    .then((head) => head.height)
    .catch(() => 1);
  const startHeight = status.height + 1;
  const alloc: RollupGenesis["alloc"] = {
    [ORACLE_ADDRESS]: { balance: "0", nonce: 0, code: oracleGenesisCode() },
  };
  for (const [address, balance] of Object.entries(keys.alloc)) alloc[address] = { balance, nonce: 0 };
  const listen = options.listen ?? {};
  const settings: EvmSettings = {
    rpcPort: options.rpcPort || (await freePort()),
    executionPort: listen.executionPort || (await freePort()),
    rpcHost: listen.rpcHost ?? DEFAULT_HOST,
    executionHost: listen.executionHost ?? DEFAULT_HOST,
    metroRpc: options.metroRpc,
    devnet: keys.devnet,
    composerAccountIndex: keys.composer.accountIndex,
    composerMnemonic: keys.composer.mnemonic,
    ...(options.composer ? { composer: options.composer } : {}),
    ...(keys.faucet
      ? { faucetAccountIndex: keys.faucet.accountIndex, faucetMnemonic: keys.faucet.mnemonic }
      : {}),
  };
  const home: RollupHome = {
    dir: options.dir,
    genesis: {
      name: options.name,
      chainId: options.chainId,
      sequencerStartHeight: startHeight,
      timestamp: Number(latest.header.time.seconds),
      gasLimit: "30000000",
      feeRecipient: "0x0000000000000000000000000000000000000000",
      alloc,
    },
    conductor: {
      rollupName: options.name,
      metroChainId: status.chainId,
      // Header `latest` names the set that signs the next height: trust it from there.
      trust: { height: startHeight, validatorsHash: toHex(latest.header.nextValidatorsHash) },
      metroRpc: options.metroRpc,
      daUrl: options.daUrl,
      ...(options.daToken ? { daToken: options.daToken } : {}),
      // The relayer posts only committed heights, so nothing at or after the start is older than this.
      daStartHeight: Math.max(1, daHead - 2),
      executionUrl: httpUrl(settings.executionHost, settings.executionPort),
      gossip: { port: 0, ...listen.gossip, peers: options.gossipPeers },
      gossipGraceMs: 1500,
      forks: [],
      ...(options.headers ? { headers: options.headers } : {}),
    },
    settings,
  };
  writeFileAtomic(join(options.dir, FILES.genesis), JSON.stringify(home.genesis, null, 2));
  writeFileAtomic(join(options.dir, FILES.conductor), JSON.stringify(home.conductor, null, 2));
  // evm.json holds the composer's (and faucet's) mnemonic: its owner's alone.
  writeFileAtomic(join(options.dir, FILES.settings), JSON.stringify(home.settings, null, 2), 0o600);
  return home;
}

/**
 * A second node's home for the devnet rollup in `of`: the same genesis and conductor config (so
 * the same trust and DA start), its own ports and composer. `scratch` is a folder it may use.
 */
export async function createFollowerHome(
  of: RollupHome,
  dir: string,
  options: Pick<DevnetRollupOptions, "metroRpc" | "daUrl" | "gossipPeers" | "composerAccountIndex">,
): Promise<RollupHome> {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(of.dir, FILES.genesis), join(dir, FILES.genesis));
  const template = await createRollupHome({
    ...options,
    dir: join(dir, "template"),
    name: of.genesis.name,
    chainId: of.genesis.chainId,
    rpcPort: 0,
  });
  copyFileSync(join(template.dir, FILES.settings), join(dir, FILES.settings));
  writeFileAtomic(
    join(dir, FILES.conductor),
    JSON.stringify({ ...of.conductor, executionUrl: template.conductor.executionUrl }, null, 2),
  );
  return readRollupHome(dir);
}

/** Loopback ports the two processes serve metrics on (none when not given). */
export interface RollupMetricsPorts {
  evm: number;
  conductor: number;
}

/** A rollup's two processes, `metro evm` and `metro conductor`, each supervised. */
export class RollupProcesses {
  readonly evm: SupervisedProcess;
  readonly conductor: SupervisedProcess;

  constructor(
    readonly home: RollupHome,
    log: Logger,
    readonly metricsPorts?: RollupMetricsPorts,
  ) {
    const flags = (port: number | undefined) => (port === undefined ? [] : ["--metrics-port", String(port)]);
    this.evm = new SupervisedProcess(
      "evm",
      ["evm", "--home", home.dir, ...flags(metricsPorts?.evm)],
      join(home.dir, "evm.log"),
      log,
    );
    this.conductor = new SupervisedProcess(
      "conductor",
      ["conductor", "--home", home.dir, ...flags(metricsPorts?.conductor)],
      join(home.dir, "conductor.log"),
      log,
    );
  }

  /** The two processes' metrics URLs, when they serve them. */
  get metricsUrls(): { evm: string; conductor: string } | undefined {
    const ports = this.metricsPorts;
    if (!ports) return undefined;
    return {
      evm: `http://127.0.0.1:${ports.evm}/metrics`,
      conductor: `http://127.0.0.1:${ports.conductor}/metrics`,
    };
  }

  get rpcUrl(): string {
    return httpUrl(this.home.settings.rpcHost, this.home.settings.rpcPort);
  }

  /** Starts both; resolves once the rollup's RPC answers. */
  async start(timeoutMs = 60_000): Promise<void> {
    this.evm.start();
    this.conductor.start();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(this.rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        });
        if (response.ok) return;
      } catch {
        // not up yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(
      `rollup ${this.home.genesis.name} did not answer on ${this.rpcUrl}; see ${this.home.dir}/evm.log`,
    );
  }

  /** The conductor first: it must not find its engine gone mid-block. */
  async stop(): Promise<void> {
    await this.conductor.stop();
    await this.evm.stop();
  }
}
