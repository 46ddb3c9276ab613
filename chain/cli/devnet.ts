import { writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join, resolve } from "node:path";
import { DEFAULT_ROLLUP, DevnetRollups, serveDevnetAdmin } from "../../conductor/index.js";
import { operatorAddress } from "../../core/address.js";
import { toHex } from "../../core/bytes.js";
import { intOption, parse } from "../../core/cli-args.js";
import { DEFAULT_LST_DENOM, DEFAULT_LST_DISPLAY } from "../../core/denom.js";
import { createLogger } from "../../core/log.js";
import type { RollupCount } from "../../core/proto/sequencer.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { DEFAULT_DASHBOARD_PORT, type RunningDashboard, startDashboard } from "../../dashboard/index.js";
import { devnetSidecar, fromFixedPoint, type OracleSidecar, SimulatedMarket } from "../../oracle/index.js";
import { DEFAULT_DA_PORT, type DevnetRelaying, startDevnetRelaying } from "../../relayer/index.js";
import { injectedTxCount } from "../app/block-layout.js";
import { operatorAccountIndex, TEST_MNEMONIC, testAccountAddresses } from "../client/keys.js";
import { queryBlockRollups, queryPrice, queryRollup } from "../client/queries.js";
import { DEFAULT_PORT_BASE, Devnet, DevnetError } from "../node/devnet.js";
import { DEVNET_CHAIN_ID } from "../node/home.js";
import { blockAt, nodeStatus, waitForHeight } from "../node/rpc.js";
import { DEFAULT_REST_PORT, RestServer } from "../rest/index.js";

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

/** `metro devnet`: a local network in the foreground; Ctrl-C stops every process it started. */
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
  });
  const log = createLogger("metro-devnet", process.env.METRO_LOG_LEVEL ?? "warn");
  const controller = new AbortController();
  let stopping = false;
  const home = resolve(values.home ?? ".devnet");
  const devnet = await Devnet.create({
    home,
    validators: intOption(values.validators, "validators", 1),
    portBase: intOption(values["port-base"], "port-base", DEFAULT_PORT_BASE),
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
    for (const spec of devnet.specs) {
      const sidecar = devnetSidecar(marketUrl, log);
      sidecars.push(sidecar);
      writeFileSync(join(spec.home, "oracle-url"), await sidecar.start());
    }
    await devnet.start();
    await waitForHeight(devnet.rpcUrl(0), 1);
    relaying = await startDevnetRelaying({
      home,
      chainId: DEVNET_CHAIN_ID,
      metroRpc: devnet.rpcUrl(0),
      daUrl: values["da-url"],
      daToken: values["da-token"],
      daPort: intOption(values["da-port"], "da-port", DEFAULT_DA_PORT),
      log,
    });
    rest = new RestServer(devnet.rpcUrl(0), log);
    const wantedRestPort = intOption(values["rest-port"], "rest-port", DEFAULT_REST_PORT);
    restPort = await rest.listen(wantedRestPort).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE") throw error;
      throw new DevnetError(
        `port 127.0.0.1:${wantedRestPort} is in use: stop what holds it or pick --rest-port`,
      );
    });
    dashboard = await startDashboard({
      rpc: devnet.rpcUrl(0),
      rest: `http://127.0.0.1:${restPort}`,
      daUrl: relaying.daUrl,
      daToken: values["da-token"],
      port: intOption(values["dashboard-port"], "dashboard-port", DEFAULT_DASHBOARD_PORT),
      log,
    });
    rollups = new DevnetRollups({
      home,
      metroRpc: devnet.rpcUrl(0),
      validatorHome: devnet.specs[0]!.home,
      daUrl: relaying.daUrl,
      gossipPeers: relaying.gossip.addresses(),
      log,
    });
    await rollups.start(intOption(values["rollup-rpc-port"], "rollup-rpc-port", DEFAULT_ROLLUP.rpcPort));
    const deployer = rollups;
    admin = await serveDevnetAdmin(home, (request) => deployer.deploy(request));
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
