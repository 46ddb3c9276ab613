#!/usr/bin/env node
import { conductorCommand, evmCommand, rollupCommand } from "../../conductor/index.js";
import { UsageError } from "../../core/cli-args.js";
import { dashboardCommand } from "../../dashboard/index.js";
import { marketCommand, oracleCommand } from "../../oracle/index.js";
import { daCommand, relayerCommand } from "../../relayer/index.js";
import { devnetCommand } from "./devnet.js";
import { exportCommand } from "./export.js";
import { initCommand } from "./init.js";
import { joinCommand } from "./join.js";
import { keysCommand } from "./keys.js";
import { queryCommand } from "./query.js";
import { restCommand } from "./rest.js";
import { startCommand } from "./start.js";
import { txCommand } from "./tx.js";

const OPERATIONAL_ERRORS = [
  "RpcError",
  "FaultInjectionRefusedError",
  "DevnetError",
  "MetricsPortInUseError",
  "CelestiaError",
  "CelestiaRpcError",
  "QueryFailedError",
  "ExportError",
  "DevnetAdminError",
  "ExecutionError",
  "ComposerError",
  "DashboardError",
  "JoinError",
  "AppConfigError",
];

const commands: Record<string, (args: string[]) => Promise<void>> = {
  init: initCommand,
  start: startCommand,
  join: joinCommand,
  devnet: devnetCommand,
  keys: keysCommand,
  tx: txCommand,
  query: queryCommand,
  da: daCommand,
  relayer: relayerCommand,
  oracle: oracleCommand,
  market: marketCommand,
  export: exportCommand,
  rest: restCommand,
  dashboard: dashboardCommand,
  evm: evmCommand,
  conductor: conductorCommand,
  rollup: rollupCommand,
};

const USAGE = `usage: metro <command> [options]
  init    --home DIR                      a single-validator devnet home, test accounts funded
  init    --home DIR --chain-id ID [--key NAME] [--fund ADDR=AMOUNT ...] [--self-bond A] [--moniker M]
          [--host H] [--p2p-laddr tcp://IP:P] [--rpc-laddr tcp://IP:P] [--external-address HOST:P] [--persistent-peers ID@HOST:P,...]
                                          a real network's genesis validator, bonded by the operator's own key
  start   --home DIR [--app-only] [--metrics-port P] [--metrics-host H]   the Metro app and CometBFT together
  join    --rpc URL[,URL2] --home DIR [--moniker M] [--port-base P] [--host H] [--p2p-laddr tcp://IP:P] [--rpc-laddr tcp://IP:P]
          [--external-address HOST:P] [--trust-height H [--trust-hash HASH]] [--snapshot-interval N] [--no-start]
                                          a node for a running network, state-synced from its snapshots, then started
  devnet  [--validators N] [--home DIR] [--port-base P] [--fresh] [--rest-port 1317] [--dashboard-port 3000] [--rollup-rpc-port 8545] [--da-port 26658]
  devnet  --init-only --hosts HOST[:P2P],... [--home .devnet-hosts] [--port-base P] [--chain-id ID] [--validators N] [--fresh]
          [--listen-host 0.0.0.0] [--metrics-host H] [--oracle-host H]   homes for validators on other machines, and how to start each
  keys    list | add NAME | show NAME|INDEX
  tx      send TO AMOUNT | sequence --rollup NAME=DATA [--rollup ...]   [--from NAME|INDEX] [--node URL]
          create-validator --home DIR --amount A | delegate V A | unbond V A | redelegate V1 V2 A
          withdraw-rewards V | withdraw-commission | unjail | propose --title T --deposit A [...] | vote ID yes|no|abstain|veto | deposit ID A
          register-rollup NAME [--quorum Q] [--window N] [--kind evm|none] | join-committee NAME
  da      [--home DIR] [--host H] [--port 26658] [--block-time MS] [--token T] [--metrics-port P]     the embedded local DA
  relayer [--node URL] [--da-url URL] [--da-token T] [--home DIR] [--host H] [--gossip-port P] [--announce MULTIADDR] [--peer ADDR] [--metrics-port P]
  oracle  [--host H] [--port P] [--market-url U | --binance-url U --coinbase-url U --kraken-url U] [--chainlink-rpc U] [--stride-rpc U] [--min-providers N] [--metrics-port P]
  market  [--host H] [--port P]           a SIMULATED market in Binance, Coinbase and Kraken formats
  rest    [--node URL] [--host H] [--port 1317]   the REST (LCD) API wallets such as Keplr read
  dashboard [--node URL] [--rest URL] [--da-url URL] [--relayer-metrics URL] [--da-metrics URL] [--metrics NAME=URL ...]
           [--port 3000] [--host 127.0.0.1] [--public-rpc URL] [--public-rest URL]   the web dashboard and Keplr chain info
  evm     --home ROLLUP_HOME [--metrics-port P]   a rollup's EVM node: Ethereum JSON-RPC, execution API, composer
  conductor --home ROLLUP_HOME [--metrics-port P]   drives the EVM node from Metro (gossip, RPC, DA), verifying every block
  rollup  deploy --name N --chain-id ID [--devnet-home DIR] [--rpc-port P]   adds a rollup to the running devnet
  rollup  init --home DIR --name N --chain-id ID [--node URL] [--metro-chain-id ID] [--da-url URL] [--da-token T]
          [--composer-key NAME] [--alloc 0xADDR=WEI ...] [--faucet [--faucet-balance WEI]] [--host H] [--rpc-port 8545]
          [--execution-host H] [--execution-port P] [--gossip-host H] [--gossip-port P] [--announce MULTIADDR] [--peer MULTIADDR]
                                          a rollup home for any Metro network: its own composer key, faucet off
  export  --home DIR --height H --chain-id NEW [--output FILE]   a hard-fork genesis from the state at H
  query   balance ADDR | account ADDR | tx HASH | params | prices [PAIR] | rollup-data --height H --rollup NAME | block-rollups H | key KEY
          validators | delegations ADDR | rewards ADDR | proposals | proposal ID | rollup NAME | header NAME HEIGHT`;

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(USAGE);
    process.exit(name === undefined || name === "help" || name === "--help" ? 0 : 2);
  }
  try {
    await command(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`metro ${name}: ${error.message}`);
      process.exit(2);
    }
    // Operational failures (a node down, a refused request) are reported, not dumped as bugs.
    const known = OPERATIONAL_ERRORS.includes((error as Error).name);
    console.error(`metro ${name}: ${known ? (error as Error).message : ((error as Error).stack ?? error)}`);
    process.exit(1);
  }
}

void main(process.argv.slice(2));
