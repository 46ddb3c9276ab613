/** `metro evm`, `metro conductor` and `metro rollup deploy`: a rollup's processes and its setup. */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { mnemonicToAccount } from "viem/accounts";
import { blsKeyPath, loadOrCreateBlsKey, OfflineSigner } from "../chain/index.js";
import { operatorAddress } from "../core/address.js";
import { intOption, parse, required, stopOnSignal, UsageError } from "../core/cli-args.js";
import { createLogger, type Logger } from "../core/log.js";
import { METRICS_FLAGS, metricsListenOption, serveServiceMetrics } from "../core/metrics.js";
import { Conductor } from "./conductor.js";
import type { ConductorConfig, HeaderSigning } from "./config.js";
import { deployThroughDevnet } from "./devnet-admin.js";
import { startEvmNode } from "./evm/node.js";
import { ExecutionClient } from "./execution/transport.js";
import { HeaderSigner } from "./headers.js";
import { registerConductorMetrics, registerEvmMetrics } from "./metrics.js";
import { readRollupHome, rollupHomeExists } from "./rollup-home.js";
import { evmChainIdOption, rollupInitCommand } from "./rollup-init.js";

function homeOf(values: { home?: string }): string {
  const home = resolve(required(values.home, "--home (a rollup home)"));
  if (!rollupHomeExists(home)) throw new UsageError(`${home} is not a rollup home (no genesis.json)`);
  return home;
}

/**
 * `metro evm --home DIR [--keep-blocks N] [--metrics-port P]`: the rollup's EVM node (JSON-RPC,
 * execution API, composer). `--keep-blocks` bounds its history (0, the default, keeps all).
 */
export async function evmCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    home: { type: "string" },
    "keep-blocks": { type: "string" },
    ...METRICS_FLAGS,
  });
  const keepBlocks = intOption(values["keep-blocks"], "keep-blocks", 0);
  const metricsListen = metricsListenOption(values);
  const home = readRollupHome(homeOf(values));
  const log = createLogger(`metro-evm-${home.genesis.name}`);
  const node = await startEvmNode({
    home: home.dir,
    genesis: home.genesis,
    rpcPort: home.settings.rpcPort,
    executionPort: home.settings.executionPort,
    rpcHost: home.settings.rpcHost,
    executionHost: home.settings.executionHost,
    metroRpc: home.settings.metroRpc,
    composerMnemonic: home.settings.composerMnemonic,
    composerAccountIndex: home.settings.composerAccountIndex,
    ...(home.settings.composer ? { composer: home.settings.composer } : {}),
    keepBlocks,
    ...(home.settings.faucetAccountIndex === undefined || home.settings.faucetMnemonic === undefined
      ? {}
      : {
          faucet: mnemonicToAccount(home.settings.faucetMnemonic, {
            addressIndex: home.settings.faucetAccountIndex,
          }),
        }),
    log,
  });
  const metrics = await serveServiceMetrics(`metro-evm-${home.genesis.name}`, metricsListen, (registry) =>
    registerEvmMetrics(registry, node.chain),
  ).catch(async (error: Error) => {
    await node.stop();
    throw error;
  });
  if (metrics) log.info({ url: metrics.url }, "metrics serving");
  stopOnSignal(async () => {
    await metrics?.close();
    await node.stop();
  });
}

/** `metro conductor --home DIR [--metrics-port P]`: follows Metro and drives the EVM node's execution API. */
export async function conductorCommand(args: string[]): Promise<void> {
  const { values } = parse(args, { home: { type: "string" }, ...METRICS_FLAGS });
  const metricsListen = metricsListenOption(values);
  const home = readRollupHome(homeOf(values));
  const log = createLogger(`metro-conductor-${home.genesis.name}`);
  const engine = new ExecutionClient(home.conductor.executionUrl);
  // The engine may still be starting (or restarting): wait for it rather than fail.
  for (let attempt = 0; ; attempt++) {
    try {
      await engine.getGenesisInfo();
      break;
    } catch (error) {
      if (attempt % 25 === 0) log.info({ err: error }, "waiting for the execution engine");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const signer = home.conductor.headers
    ? await startHeaderSigner(home.conductor, home.conductor.headers, resolve(home.dir, "conductor"), log)
    : undefined;
  const conductor = await Conductor.start({
    config: home.conductor,
    home: resolve(home.dir, "conductor"),
    engine,
    ...(signer ? { onFirm: (blocks, daHeight) => signer.onFirm(blocks, daHeight) } : {}),
    log,
  });
  const stop = async () => {
    await conductor.stop();
    await signer?.stop();
  };
  const metrics = await serveServiceMetrics(
    `metro-conductor-${home.genesis.name}`,
    metricsListen,
    (registry) => registerConductorMetrics(registry, conductor),
  ).catch(async (error: Error) => {
    await stop();
    throw error;
  });
  if (metrics) log.info({ url: metrics.url }, "metrics serving");
  stopOnSignal(async () => {
    await metrics?.close();
    await stop();
  });
}

async function startHeaderSigner(config: ConductorConfig, signing: HeaderSigning, dir: string, log: Logger) {
  if (!existsSync(blsKeyPath(signing.validatorHome))) {
    throw new UsageError(`no BLS key in ${signing.validatorHome} (${blsKeyPath(signing.validatorHome)})`);
  }
  const operator = await OfflineSigner.fromMnemonic(signing.operatorMnemonic, signing.operatorAccountIndex);
  return HeaderSigner.start({
    metroRpc: config.metroRpc,
    metroChainId: config.metroChainId,
    rollupName: config.rollupName,
    operator: operatorAddress(operator.address),
    blsSecretKey: loadOrCreateBlsKey(signing.validatorHome).secretKey,
    ...(signing.aggregate
      ? {
          aggregator: {
            mnemonic: signing.operatorMnemonic,
            accountIndex: signing.submitterAccountIndex ?? signing.operatorAccountIndex,
          },
        }
      : {}),
    gossip: signing.gossip,
    statePath: join(dir, "headers.json"),
    log,
  });
}

/**
 * `metro rollup deploy --name N --chain-id ID [--devnet-home DIR] [--rpc-port P]` (the devnet)
 * and `metro rollup init --home DIR --name N --chain-id ID …` (any network).
 */
export async function rollupCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action === "init") return rollupInitCommand(rest);
  if (action !== "deploy") {
    throw new UsageError(
      "usage: metro rollup deploy --name N --chain-id ID | rollup init --home DIR --name N --chain-id ID",
    );
  }
  const { values } = parse(rest, {
    name: { type: "string" },
    "chain-id": { type: "string" },
    "devnet-home": { type: "string" },
    "rpc-port": { type: "string" },
  });
  const name = required(values.name, "--name");
  const chainId = evmChainIdOption(values["chain-id"]);
  const rpcPort = values["rpc-port"] === undefined ? 0 : Number(values["rpc-port"]);
  const deployed = await deployThroughDevnet(resolve(values["devnet-home"] ?? ".devnet"), {
    name,
    chainId,
    rpcPort,
  });
  console.log(`rollup ${name} (EVM chain id ${chainId}) deployed; it takes transactions now`);
  console.log(`  RPC: ${deployed.rpcUrl}`);
  console.log(`  home: ${deployed.home}`);
  console.log(`  funded accounts: the test mnemonic's Ethereum accounts m/44'/60'/0'/0/0..9`);
  console.log(
    `  faucet: curl -s ${deployed.rpcUrl} -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"metro_faucet","params":["0xYOURADDRESS"]}'`,
  );
}
