import { writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join, resolve } from "node:path";
import { DEFAULT_ROLLUP, DevnetRollups, serveDevnetAdmin } from "../../conductor/index.js";
import { operatorAddress } from "../../core/address.js";
import { toHex } from "../../core/bytes.js";
import { intOption, parse } from "../../core/cli-args.js";
import { DEFAULT_LST_DENOM, DEFAULT_LST_DISPLAY } from "../../core/denom.js";
import { createLogger } from "../../core/log.js";
import { type MetricsServer, serveMetrics, serviceRegistry } from "../../core/metrics.js";
import { StepCounter } from "../../core/progress.js";
import type { RollupCount } from "../../core/proto/sequencer.js";
import { rollupIdFromName } from "../../core/rollup.js";
import {
  DEFAULT_DASHBOARD_PORT,
  type MetricsEndpoint,
  type RunningDashboard,
  startDashboard,
} from "../../dashboard/index.js";
import {
  devnetSidecar,
  fromFixedPoint,
  type OracleSidecar,
  registerSidecarMetrics,
  SimulatedMarket,
} from "../../oracle/index.js";
import { DEFAULT_DA_PORT, type DevnetRelaying, startDevnetRelaying } from "../../relayer/index.js";
import { injectedTxCount } from "../app/block-layout.js";
import { operatorAccountIndex, TEST_MNEMONIC, testAccountAddresses } from "../client/keys.js";
import { queryBlockRollups, queryPrice, queryRollup } from "../client/queries.js";
import { DEFAULT_PORT_BASE, Devnet, DevnetError, devnetPort } from "../node/devnet.js";
import { DEVNET_CHAIN_ID } from "../node/home.js";
import { blockAt, nodeStatus, waitForHeight } from "../node/rpc.js";
import { DEFAULT_REST_PORT, RestServer } from "../rest/index.js";
import { devnetHostsCommand, HOSTS_FLAGS, RUN_FLAGS, refuseFlags } from "./devnet-hosts.js";

function describeRollups(rollups: readonly RollupCount[]): string {
  if (rollups.length === 0) return "rollups 0";
  const parts = rollups.map((r) => `${toHex(r.rollupId).slice(0, 8)} (${r.txCount} tx, ${r.dataBytes} B)`);
  return `rollups ${rollups.length}: ${parts.join(", ")}`;
}

/** Prints one line per committed block until `signal` aborts; txs counts user txs, not Metro's own. */
async function followBlocks(
  rpcUrl: string,
  signal: AbortSignal,
  progress: () => Promise<string>,
): Promise<void> {
  let next = 1;
  while (!signal.aborted) {
    try {
      const { height } = await nodeStatus(rpcUrl);
      for (; next <= height && !signal.aborted; next++) {
        const block = await blockAt(rpcUrl, next);
        const rollups = await queryBlockRollups(rpcUrl, BigInt(next));
        console.log(
          `block ${block.height}  txs ${block.txs.length - injectedTxCount(block.txs)}  ${describeRollups(rollups)}  ${await progress()}`,
        );
      }
    } catch {
      // The node may be restarting; the next poll picks up where this one stopped.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Validator i's sidecar metrics, on its devnet port. */
function serveSidecarMetrics(
  sidecar: OracleSidecar,
  index: number,
  portBase: number,
): Promise<MetricsServer> {
  const registry = serviceRegistry(`metro-oracle-${index}`);
  registerSidecarMetrics(registry, sidecar);
  return serveMetrics(registry, { host: "127.0.0.1", port: devnetPort(portBase, index, "sidecarMetrics") });
}

/** A rollup's EVM node's and conductor's metrics, named as the devnet prints them. */
function rollupMetrics(
  name: string,
  urls: { evm: string; conductor: string } | undefined,
): MetricsEndpoint[] {
  return urls
    ? [
        { name: `rollup ${name} EVM`, url: urls.evm },
        { name: `rollup ${name} conductor`, url: urls.conductor },
      ]
    : [];
}

/** Every Prometheus endpoint the devnet runs: the validators', the relayer's, the DA's and the rollups'. */
function metricsEndpoints(
  devnet: Devnet,
  sidecars: readonly MetricsServer[],
  relaying: DevnetRelaying,
  rollups?: DevnetRollups,
): MetricsEndpoint[] {
  const endpoints: MetricsEndpoint[] = [];
  const add = (name: string, url: string | undefined) => {
    if (url) endpoints.push({ name, url });
  };
  devnet.specs.forEach((_, i) => {
    const urls = devnet.metricsUrls(i);
    add(`validator ${i} app`, urls.app);
    add(`validator ${i} CometBFT`, urls.comet);
    add(`validator ${i} oracle sidecar`, sidecars[i]?.url);
  });
  add("relayer", relaying.metricsUrls.relayer);
  add("local DA", relaying.metricsUrls.da);
  for (const [name, rollup] of rollups?.running ?? [])
    endpoints.push(...rollupMetrics(name, rollup.metricsUrls));
  return endpoints;
}

function printMetricsUrls(endpoints: readonly MetricsEndpoint[]): void {
  console.log("  metrics (Prometheus):");
  for (const { name, url } of endpoints) console.log(`    ${name.padEnd(26)} ${url}`);
}

/**
 * `metro devnet`: a local network in the foreground; Ctrl-C stops every process it started.
 * With --init-only --hosts, homes for validators on other machines instead (devnet-hosts.ts).
 */
export async function devnetCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    validators: { type: "string" },
    home: { type: "string" },
    "port-base": { type: "string" },
    fresh: { type: "boolean" },
    "da-url": { type: "string" },
    "da-token": { type: "string" },
    "rest-port": { type: "string" },
    "dashboard-port": { type: "string" },
    "rollup-rpc-port": { type: "string" },
    "da-port": { type: "string" },
    ...HOSTS_FLAGS,
  });
  if (values["init-only"]) {
    refuseFlags(values, RUN_FLAGS, "is for a running devnet, not --init-only");
    return devnetHostsCommand(values);
  }
  refuseFlags(values, Object.keys(HOSTS_FLAGS), "needs --init-only (homes for other hosts)");
  const log = createLogger("metro-devnet", process.env.METRO_LOG_LEVEL ?? "warn");
  const controller = new AbortController();
  let stopping = false;
  const home = resolve(values.home ?? ".devnet");
  const portBase = intOption(values["port-base"], "port-base", DEFAULT_PORT_BASE);
  const devnet = await Devnet.create({
    home,
    validators: intOption(values.validators, "validators", 1),
    portBase,
    fresh: values.fresh ?? false,
    log,
    onFailure: (error) => {
      console.error(`metro devnet: ${error.message}`);
      void stop(1);
    },
  });
  let relaying: DevnetRelaying | undefined;
  let rest: RestServer | undefined;
  let rollups: DevnetRollups | undefined;
  let admin: Server | undefined;
  let dashboard: RunningDashboard | undefined;
  // Each validator's sidecar reads a SIMULATED market through the real exchange providers.
  const market = new SimulatedMarket();
  const sidecars: OracleSidecar[] = [];
  const sidecarMetrics: MetricsServer[] = [];
  const steps = new StepCounter(7);
  const stop = async (code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    controller.abort();
    console.log("stopping the devnet…");
    admin?.close();
    await dashboard?.stop();
    await rollups?.stop();
    await relaying?.stop();
    await rest?.close();
    for (const server of sidecarMetrics) await server.close();
    for (const sidecar of sidecars) await sidecar.stop();
    await market.stop();
    await devnet.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  let restPort = 0;
  // Whatever fails while starting (a port in use, a validator that will not start) stops what
  // already runs, so no orphan keeps a port or a lock.
  try {
    const marketUrl = await market.start();
    for (const [i, spec] of devnet.specs.entries()) {
      const sidecar = devnetSidecar(marketUrl, log);
      sidecars.push(sidecar);
      writeFileSync(join(spec.home, "oracle-url"), await sidecar.start());
      sidecarMetrics.push(await serveSidecarMetrics(sidecar, i, portBase));
    }
    steps.step(`simulated market and ${sidecars.length} oracle sidecar(s) up`);
    devnet.metrics = true;
    await devnet.start();
    steps.step(`${devnet.validators.length} validator(s) started`);
    await waitForHeight(devnet.rpcUrl(0), 1);
    steps.step("first block committed");
    relaying = await startDevnetRelaying({
      home,
      chainId: DEVNET_CHAIN_ID,
      metroRpc: devnet.rpcUrl(0),
      daUrl: values["da-url"],
      daToken: values["da-token"],
      daPort: intOption(values["da-port"], "da-port", DEFAULT_DA_PORT),
      metricsPorts: {
        relayer: devnetPort(portBase, 0, "relayerMetrics"),
        da: devnetPort(portBase, 0, "daMetrics"),
      },
      log,
    });
    steps.step(`${values["da-url"] ? "relayer" : "local DA and relayer"} up`);
    rest = new RestServer(devnet.rpcUrl(0), log);
    const wantedRestPort = intOption(values["rest-port"], "rest-port", DEFAULT_REST_PORT);
    restPort = await rest.listen(wantedRestPort).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE") throw error;
      throw new DevnetError(
        `port 127.0.0.1:${wantedRestPort} is in use: stop what holds it or pick --rest-port`,
      );
    });
    steps.step("REST API up");
    dashboard = await startDashboard({
      rpc: devnet.rpcUrl(0),
      rest: `http://127.0.0.1:${restPort}`,
      daUrl: relaying.daUrl,
      daToken: values["da-token"],
      relayerMetrics: relaying.metricsUrls.relayer,
      daMetrics: relaying.metricsUrls.da,
      metrics: metricsEndpoints(devnet, sidecarMetrics, relaying),
      port: intOption(values["dashboard-port"], "dashboard-port", DEFAULT_DASHBOARD_PORT),
      log,
    });
    steps.step("dashboard up");
    rollups = new DevnetRollups({
      home,
      metroRpc: devnet.rpcUrl(0),
      validatorHome: devnet.specs[0]!.home,
      daUrl: relaying.daUrl,
      gossipPeers: relaying.gossip.addresses(),
      metricsPorts: (index) => ({
        evm: devnetPort(portBase, index, "evmMetrics"),
        conductor: devnetPort(portBase, index, "conductorMetrics"),
      }),
      log,
    });
    await rollups.start(intOption(values["rollup-rpc-port"], "rollup-rpc-port", DEFAULT_ROLLUP.rpcPort));
    // The rollups start after the dashboard (and more are deployed later): it learns of their metrics here.
    const [deployer, shown] = [rollups, dashboard];
    const watch = (name: string, urls?: { evm: string; conductor: string }) => {
      for (const endpoint of rollupMetrics(name, urls)) shown.collector.watchMetrics(endpoint);
    };
    for (const [name, rollup] of rollups.running) watch(name, rollup.metricsUrls);
    admin = await serveDevnetAdmin(home, async (request) => {
      const deployed = await deployer.deploy(request);
      const urls = deployer.running.get(request.name)?.metricsUrls;
      if (urls) console.log(`rollup ${request.name} metrics: EVM ${urls.evm}  conductor ${urls.conductor}`);
      watch(request.name, urls);
      return deployed;
    });
    steps.step(`${rollups.running.size} rollup(s) up`);
  } catch (error) {
    console.error(`metro devnet: ${(error as Error).message}`);
    await stop(1);
    return;
  }
  const accounts = await testAccountAddresses();
  console.log(`Metro devnet ${DEVNET_CHAIN_ID}: ${devnet.validators.length} validator(s), home ${home}`);
  devnet.specs.forEach((spec, i) => {
    const operator = spec.operator
      ? `  operator ${operatorAddress(spec.operator)} (--from ${operatorAccountIndex(i)})`
      : "";
    console.log(
      `  validator ${i}: CometBFT RPC http://127.0.0.1:${spec.ports.rpc}  p2p 127.0.0.1:${spec.ports.p2p}${operator}`,
    );
  });
  console.log(`  REST (LCD) API for wallets: http://127.0.0.1:${restPort}`);
  console.log(`  dashboard: ${dashboard.url} (Keplr chain info: ${dashboard.url}/chain-info.json)`);
  console.log(`  fee and staking token: ${DEFAULT_LST_DISPLAY} = ${DEFAULT_LST_DENOM}`);
  console.log(`  funded accounts (mnemonic "${TEST_MNEMONIC}", m/44'/118'/0'/0/i):`);
  accounts.forEach((address, i) => {
    console.log(`    ${i}: ${address}`);
  });
  console.log(
    `  DA: ${relaying.localDa ? "embedded local DA" : "Celestia node"} at ${relaying.daUrl}; relayer gossip on ${relaying.gossip.addresses().join(" ")}`,
  );
  for (const rollup of rollups.running.values()) {
    const { genesis } = rollup.home;
    console.log(
      `  rollup ${genesis.name}: EVM chain id ${genesis.chainId}, RPC ${rollup.rpcUrl} (viem, MetaMask, cast), home ${rollup.home.dir}`,
    );
  }
  printMetricsUrls(metricsEndpoints(devnet, sidecarMetrics, relaying, rollups));
  console.log(`  rollup accounts: mnemonic "${TEST_MNEMONIC}", m/44'/60'/0'/0/0..9, 1,000,000 ETH each`);
  console.log("  deploy another: npm run metro -- rollup deploy --name gm --chain-id 7777777");
  console.log("  try: npm run metro -- tx sequence --rollup my-rollup=hello --rollup other-rollup=world");
  const relayer = relaying.relayer;
  await followBlocks(devnet.rpcUrl(0), controller.signal, async () => {
    const tia = await queryPrice(devnet.rpcUrl(0), "TIA/USD").catch(() => undefined);
    const price = tia
      ? `TIA/USD ${fromFixedPoint(tia.price, tia.decimals).slice(0, -4)} (h${tia.height})`
      : "TIA/USD –";
    const headers = await queryRollup(devnet.rpcUrl(0), rollupIdFromName(DEFAULT_ROLLUP.name)).catch(
      () => undefined,
    );
    return `${price}  DA through ${relayer.stats.postedThrough}  ${DEFAULT_ROLLUP.name} headers ${headers?.latestHeight ?? 0}`;
  });
}
