/**
 * One rollup's EVM node: the chain on its own database, the Ethereum JSON-RPC for users, the
 * execution API for the conductor, and the composer that sequences users' txs on Metro.
 */
import type { Server } from "node:http";
import { join } from "node:path";
import type { HDAccount } from "viem/accounts";
import { DEFAULT_HOST, httpUrl } from "../../core/listen.js";
import type { Logger } from "../../core/log.js";
import { serveExecutionApi } from "../execution/transport.js";
import { EvmChain } from "./chain.js";
import { Composer } from "./composer.js";
import { ethHandlers } from "./eth-api.js";
import { addFaucet } from "./faucet.js";
import type { RollupGenesis } from "./genesis.js";
import { serveJsonRpc } from "./json-rpc.js";
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
  /** A funded account that serves `metro_faucet` (devnets). */
  faucet?: HDAccount;
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
  const store = new EvmStore(join(options.home, "evm"));
  const chain = await EvmChain.open(store, options.genesis);
  const composer = await Composer.start({
    metroRpc: options.metroRpc,
    rollupName: options.genesis.name,
    mnemonic: options.composerMnemonic,
    accountIndex: options.composerAccountIndex,
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
