/**
 * One rollup's EVM node: the chain on its own database, the Ethereum JSON-RPC for users, the
 * execution API for the conductor, and the composer that sequences users' txs on Metro.
 */
import type { Server } from "node:http";
import { join } from "node:path";
import type { HDAccount } from "viem/accounts";
import { queryRollup } from "../../chain/index.js";
import { DEFAULT_HOST, httpUrl } from "../../core/listen.js";
import type { Logger } from "../../core/log.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { Composer } from "../composer/composer.js";
import type { ComposerTuning } from "../composer/tuning.js";
import { serveExecutionApi } from "../execution/transport.js";
import { EvmChain } from "./chain.js";
import { ethHandlers } from "./eth-api.js";
import { addFaucet } from "./faucet.js";
import type { RollupGenesis } from "./genesis.js";
import { serveJsonRpc } from "./json-rpc.js";
import { checkKeepBlocks, RetentionError } from "./retention.js";
import { EvmStore } from "./store.js";

export const CLIENT_VERSION = "metro-evm/0.1.0 (ethereumjs 10)";

export interface EvmNodeOptions {
  home: string;
  genesis: RollupGenesis;
  rpcPort: number;
  executionPort: number;
  /** Listen addresses of the JSON-RPC and the execution API (127.0.0.1 unless given). */
  rpcHost?: string;
  executionHost?: string;
  metroRpc: string;
  /** The Metro account that pays for sequencing users' txs. */
  composerMnemonic: string;
  composerAccountIndex: number;
  /** How the composer batches and retries (its defaults fill Metro's blocks). */
  composer?: ComposerTuning;
  /** A funded account that serves `metro_faucet` (devnets). */
  faucet?: HDAccount;
  /** Blocks kept below the firm head, checked against the rollup's challenge window (0: all). */
  keepBlocks?: number;
  log: Logger;
}

export interface EvmNode {
  chain: EvmChain;
  rpcUrl: string;
  executionUrl: string;
  stop(): Promise<void>;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

export async function startEvmNode(options: EvmNodeOptions): Promise<EvmNode> {
  const { log } = options;
  const keepBlocks = options.keepBlocks ?? 0;
  if (keepBlocks > 0) await checkAgainstChallengeWindow(options.metroRpc, options.genesis.name, keepBlocks);
  const store = new EvmStore(join(options.home, "evm"));
  const chain = await EvmChain.open(store, options.genesis, { keepBlocks, log }).catch(async (error) => {
    await store.close();
    throw error;
  });
  const composer = await Composer.start({
    metroRpc: options.metroRpc,
    rollupName: options.genesis.name,
    mnemonic: options.composerMnemonic,
    accountIndex: options.composerAccountIndex,
    ...(options.composer ? { tuning: options.composer } : {}),
    log,
  });
  const onError = (error: Error) => log.error({ err: error }, "request failed");
  const handlers = ethHandlers(chain, composer, CLIENT_VERSION);
  if (options.faucet) addFaucet(handlers, options.faucet, options.genesis.chainId);
  const rpcHost = options.rpcHost ?? DEFAULT_HOST;
  const executionHost = options.executionHost ?? DEFAULT_HOST;
  const rpc = await serveJsonRpc(handlers, options.rpcPort, onError, rpcHost);
  const execution = await serveExecutionApi(chain, options.executionPort, onError, executionHost);
  const state = await chain.getCommitmentState();
  log.info(
    {
      rpc: rpc.port,
      execution: execution.port,
      soft: state.soft.number.toString(),
      keepBlocks: keepBlocks || "all",
      composer: composer.address,
    },
    "EVM node up",
  );
  return {
    chain,
    rpcUrl: httpUrl(rpcHost, rpc.port),
    executionUrl: httpUrl(executionHost, execution.port),
    stop: async () => {
      composer.stop();
      rpc.server.closeAllConnections();
      execution.server.closeAllConnections();
      await Promise.all([close(rpc.server), close(execution.server)]);
      await store.close();
    },
  };
}

/** A retention shorter than fraud proofs need is refused before anything is pruned. */
async function checkAgainstChallengeWindow(
  metroRpc: string,
  rollup: string,
  keepBlocks: number,
): Promise<void> {
  const found = await queryRollup(metroRpc, rollupIdFromName(rollup)).catch((error: Error) => {
    throw new RetentionError(
      `--keep-blocks needs ${rollup}'s challenge window from Metro, and ${metroRpc} failed: ${error.message}`,
    );
  });
  if (!found?.rollup) {
    throw new RetentionError(
      `--keep-blocks needs ${rollup}'s challenge window, but ${rollup} is not registered on Metro (${metroRpc})`,
    );
  }
  checkKeepBlocks(keepBlocks, found.rollup.challengeWindow, rollup);
}
