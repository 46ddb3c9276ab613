/**
 * A rollup operator's home: the EVM genesis, the conductor config and the node's settings,
 * each a JSON file validated on read, plus both processes' data. `createRollupHome` makes
 * one for a rollup that starts at Metro's next height, trusting the validator set that signs it.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { mnemonicToAccount } from "viem/accounts";
import { z } from "zod";
import { nodeStatus, SupervisedProcess, signedBlockAt, TEST_MNEMONIC } from "../chain/index.js";
import { ORACLE_ADDRESS, oracleGenesisCode } from "../contracts/index.js";
import { writeFileAtomic } from "../core/atomic-file.js";
import { toHex } from "../core/bytes.js";
import type { Logger } from "../core/log.js";
import { CelestiaClient } from "../relayer/index.js";
import { type ConductorConfig, ConductorConfigSchema, type HeaderSigning } from "./config.js";
import { type RollupGenesis, RollupGenesisSchema } from "./evm/genesis.js";

export const EvmSettingsSchema = z.object({
  rpcPort: z.number().int().min(0).max(65535),
  executionPort: z.number().int().min(0).max(65535),
  metroRpc: z.string().url(),
  /** The Metro test-mnemonic account that pays for sequencing this rollup's txs. */
  composerAccountIndex: z.number().int().nonnegative(),
  composerMnemonic: z.string().default(TEST_MNEMONIC),
  /** The test mnemonic's Ethereum account that serves `metro_faucet`, if any. */
  faucetAccountIndex: z.number().int().nonnegative().optional(),
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
  gossipPeers: string[];
  rpcPort: number;
  composerAccountIndex: number;
  /** When this operator's validator signs the rollup's headers. */
  headers?: HeaderSigning;
}

/** Writes a new rollup home whose block 1 is Metro's next height, with devnet-funded accounts. */
export async function createRollupHome(options: NewRollupOptions): Promise<RollupHome> {
  const status = await nodeStatus(options.metroRpc);
  const latest = await signedBlockAt(options.metroRpc, status.height);
  // A DA with no blocks yet (a devnet just started) answers with an error: read it from the start.
  const daHead = await new CelestiaClient({ url: options.daUrl })
    .networkHead()
    .then((head) => head.height)
    .catch(() => 1);
  const startHeight = status.height + 1;
  const alloc: RollupGenesis["alloc"] = {
    [ORACLE_ADDRESS]: { balance: "0", nonce: 0, code: oracleGenesisCode() },
  };
  for (const i of [...Array(FUNDED_ETH_ACCOUNTS).keys(), FAUCET_ETH_ACCOUNT]) {
    alloc[mnemonicToAccount(TEST_MNEMONIC, { addressIndex: i }).address] = {
      balance: DEVNET_BALANCE,
      nonce: 0,
    };
  }
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
      // The relayer posts only committed heights, so nothing at or after the start is older than this.
      daStartHeight: Math.max(1, daHead - 2),
      executionUrl: "",
      gossip: { port: 0, peers: options.gossipPeers },
      gossipGraceMs: 1500,
      forks: [],
      ...(options.headers ? { headers: options.headers } : {}),
    },
    settings: {
      rpcPort: options.rpcPort || (await freePort()),
      executionPort: await freePort(),
      metroRpc: options.metroRpc,
      composerAccountIndex: options.composerAccountIndex,
      composerMnemonic: TEST_MNEMONIC,
      faucetAccountIndex: FAUCET_ETH_ACCOUNT,
    },
  };
  home.conductor.executionUrl = `http://127.0.0.1:${home.settings.executionPort}`;
  writeFileAtomic(join(options.dir, FILES.genesis), JSON.stringify(home.genesis, null, 2));
  writeFileAtomic(join(options.dir, FILES.conductor), JSON.stringify(home.conductor, null, 2));
  writeFileAtomic(join(options.dir, FILES.settings), JSON.stringify(home.settings, null, 2));
  return home;
}

/** A rollup's two processes, `metro evm` and `metro conductor`, each supervised. */
export class RollupProcesses {
  readonly evm: SupervisedProcess;
  readonly conductor: SupervisedProcess;

  constructor(
    readonly home: RollupHome,
    log: Logger,
  ) {
    this.evm = new SupervisedProcess("evm", ["evm", "--home", home.dir], join(home.dir, "evm.log"), log);
    this.conductor = new SupervisedProcess(
      "conductor",
      ["conductor", "--home", home.dir],
      join(home.dir, "conductor.log"),
      log,
    );
  }

  get rpcUrl(): string {
    return `http://127.0.0.1:${this.home.settings.rpcPort}`;
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
