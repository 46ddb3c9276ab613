/**
 * The rollups of `metro devnet`: one by default (EVM chain id 1337, RPC on 127.0.0.1:8545),
 * more through `metro rollup deploy`. Each lives in <devnet home>/rollups/<name> and resumes
 * there after a restart.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../chain/log.js";
import type { DeployRequest, DeployResult } from "./devnet-admin.js";
import { createRollupHome, RollupProcesses, readRollupHome, rollupHomeExists } from "./rollup-home.js";

export const DEFAULT_ROLLUP = { name: "devnet", chainId: 1337, rpcPort: 8545 } as const;
/** Rollup composers pay from the Metro test accounts 9, 8, 7…, one each. */
const FIRST_COMPOSER_ACCOUNT = 9;

export interface DevnetRollupsOptions {
  home: string;
  metroRpc: string;
  daUrl: string;
  gossipPeers: string[];
  log: Logger;
}

export class DevnetRollups {
  readonly running = new Map<string, RollupProcesses>();

  constructor(private readonly options: DevnetRollupsOptions) {}

  private get dir(): string {
    return join(this.options.home, "rollups");
  }

  /** Resumes every rollup in the home; creates the default one on a fresh home. */
  async start(defaultRpcPort: number = DEFAULT_ROLLUP.rpcPort): Promise<void> {
    const names = existsSync(this.dir)
      ? readdirSync(this.dir).filter((name) => rollupHomeExists(join(this.dir, name)))
      : [];
    if (names.length === 0) {
      await this.deploy({ ...DEFAULT_ROLLUP, rpcPort: defaultRpcPort });
      return;
    }
    for (const name of names) await this.launch(readRollupHome(join(this.dir, name)));
  }

  async deploy(request: DeployRequest): Promise<DeployResult> {
    const dir = join(this.dir, request.name);
    if (rollupHomeExists(dir)) throw new Error(`rollup ${request.name} already exists in ${dir}`);
    for (const rollup of this.running.values()) {
      if (rollup.home.genesis.chainId === request.chainId) {
        throw new Error(`EVM chain id ${request.chainId} is taken by rollup ${rollup.home.genesis.name}`);
      }
    }
    const home = await createRollupHome({
      dir,
      name: request.name,
      chainId: request.chainId,
      metroRpc: this.options.metroRpc,
      daUrl: this.options.daUrl,
      gossipPeers: this.options.gossipPeers,
      rpcPort: request.rpcPort,
      composerAccountIndex: FIRST_COMPOSER_ACCOUNT - this.running.size,
    });
    const processes = await this.launch(home);
    return { rpcUrl: processes.rpcUrl, home: dir };
  }

  private async launch(home: ReturnType<typeof readRollupHome>): Promise<RollupProcesses> {
    const processes = new RollupProcesses(home, this.options.log);
    this.running.set(home.genesis.name, processes);
    await processes.start();
    return processes;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.values()].map((rollup) => rollup.stop()));
  }
}
