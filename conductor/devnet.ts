/**
 * The rollups of `metro devnet`: one by default (EVM chain id 1337, RPC on 127.0.0.1:8545),
 * more through `metro rollup deploy`. Each lives in <devnet home>/rollups/<name> and resumes
 * there after a restart.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { connectSigner, operatorAccountIndex, TEST_MNEMONIC, walletFromMnemonic } from "../chain/index.js";
import { operatorAddress } from "../core/address.js";
import { DEFAULT_LST_DENOM } from "../core/denom.js";
import type { Logger } from "../core/log.js";
import { MsgJoinCommitteeCodec, MsgRegisterRollupCodec } from "../core/proto/rollup.js";
import { rollupIdFromName } from "../core/rollup.js";
import type { DeployRequest, DeployResult } from "./devnet-admin.js";
import { genesisBlockHash } from "./evm/chain.js";
import type { RollupGenesis } from "./evm/genesis.js";
import {
  createRollupHome,
  type RollupMetricsPorts,
  RollupProcesses,
  readRollupHome,
  rollupHomeExists,
} from "./rollup-home.js";

export const DEFAULT_ROLLUP = { name: "devnet", chainId: 1337, rpcPort: 8545 } as const;
/** Rollup composers pay from the Metro test accounts 9, 8, 7…, one each. */
const FIRST_COMPOSER_ACCOUNT = 9;
/** Each rollup's header aggregator pays from its own account (50, 51…), funded at registration. */
const FIRST_SUBMITTER_ACCOUNT = 50;
const SUBMITTER_FUNDS = "100000000";

export interface DevnetRollupsOptions {
  home: string;
  metroRpc: string;
  /** Validator 0's home: its BLS key signs every devnet rollup's headers. */
  validatorHome: string;
  daUrl: string;
  gossipPeers: string[];
  /** The metrics ports of the n-th rollup launched (none: no metrics). */
  metricsPorts?: (index: number) => RollupMetricsPorts;
  log: Logger;
}

/**
 * Registers the rollup on Metro with validator 0 as its header committee: the devnet runs one
 * conductor per rollup, so one member signs (and its stake is the whole committee's).
 */
async function registerWithCommittee(
  metroRpc: string,
  genesis: RollupGenesis,
  submitterIndex: number,
): Promise<void> {
  const { name } = genesis;
  const operator = await connectSigner(metroRpc, TEST_MNEMONIC, operatorAccountIndex(0));
  const [submitter] = await (await walletFromMnemonic(TEST_MNEMONIC, [submitterIndex])).getAccounts();
  try {
    const result = await operator.client.signAndBroadcast(
      operator.address,
      [
        {
          typeUrl: MsgRegisterRollupCodec.typeUrl,
          value: {
            creator: operator.address,
            name,
            quorum: "0.67",
            challengeWindow: 10n,
            executionKind: "evm",
            evmChainId: BigInt(genesis.chainId),
            genesisHash: await genesisBlockHash(genesis),
          },
        },
        {
          typeUrl: MsgJoinCommitteeCodec.typeUrl,
          value: { validatorAddress: operatorAddress(operator.address), rollupId: rollupIdFromName(name) },
        },
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: {
            fromAddress: operator.address,
            toAddress: submitter!.address,
            amount: [{ denom: DEFAULT_LST_DENOM, amount: SUBMITTER_FUNDS }],
          },
        },
      ],
      "auto",
    );
    if (result.code !== 0) throw new Error(`registering rollup ${name} on Metro failed: ${result.rawLog}`);
  } finally {
    operator.client.disconnect();
  }
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

  private deploying: Promise<unknown> = Promise.resolve();

  /** One at a time: each deploy takes the next composer and submitter accounts. */
  deploy(request: DeployRequest): Promise<DeployResult> {
    const run = this.deploying.then(() => this.deployNow(request));
    this.deploying = run.catch(() => undefined);
    return run;
  }

  private async deployNow(request: DeployRequest): Promise<DeployResult> {
    const dir = join(this.dir, request.name);
    if (rollupHomeExists(dir)) throw new Error(`rollup ${request.name} already exists in ${dir}`);
    for (const rollup of this.running.values()) {
      if (rollup.home.genesis.chainId === request.chainId) {
        throw new Error(`EVM chain id ${request.chainId} is taken by rollup ${rollup.home.genesis.name}`);
      }
    }
    const submitterAccountIndex = FIRST_SUBMITTER_ACCOUNT + this.running.size;
    const home = await createRollupHome({
      dir,
      name: request.name,
      chainId: request.chainId,
      metroRpc: this.options.metroRpc,
      daUrl: this.options.daUrl,
      gossipPeers: this.options.gossipPeers,
      rpcPort: request.rpcPort,
      composerAccountIndex: FIRST_COMPOSER_ACCOUNT - this.running.size,
      headers: {
        validatorHome: this.options.validatorHome,
        operatorMnemonic: TEST_MNEMONIC,
        operatorAccountIndex: operatorAccountIndex(0),
        aggregate: true,
        submitterAccountIndex,
        gossip: { port: 0, peers: [] },
      },
    });
    try {
      await registerWithCommittee(this.options.metroRpc, home.genesis, submitterAccountIndex);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true }); // a later deploy of the name starts afresh
      throw error;
    }
    const processes = await this.launch(home);
    return { rpcUrl: processes.rpcUrl, home: dir };
  }

  private async launch(home: ReturnType<typeof readRollupHome>): Promise<RollupProcesses> {
    const processes = new RollupProcesses(
      home,
      this.options.log,
      this.options.metricsPorts?.(this.running.size),
    );
    this.running.set(home.genesis.name, processes);
    await processes.start();
    return processes;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.values()].map((rollup) => rollup.stop()));
  }
}
