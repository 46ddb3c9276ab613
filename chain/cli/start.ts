import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import { parse, UsageError } from "../../core/cli-args.js";
import {
  assertFaultInjectionAllowed,
  BAD_VOTE_EXTENSIONS,
  BAD_VOTE_EXTENSIONS_ENV,
  CORRUPT_SNAPSHOT_ENV,
  faultSwitchMode,
  INJECTION_TAMPERS,
  TAMPER_INJECTION_ENV,
} from "../../core/fault-injection.js";
import { createLogger, type Logger } from "../../core/log.js";
import { METRICS_FLAGS, metricsListenOption, serveMetrics, serviceRegistry } from "../../core/metrics.js";
import { SidecarPriceFeed } from "../../oracle/index.js";
import { AbciServer } from "../abci/server.js";
import { MetroApp } from "../app/app.js";
import { AppMetrics, registerPriceGauges } from "../app/metrics.js";
import { type AppConfig, readAppConfig } from "../node/app-config.js";
import { configureComet } from "../node/cometbft.js";
import { appDataDir, appSocketPath, genesisPath, isInitialized, snapshotDir } from "../node/home.js";
import { HALTED_EXIT_CODE, STORE_FAILURE_EXIT_CODE, spawnComet } from "../node/process.js";
import type { StateSyncOptions } from "../statesync/index.js";

/** The validator's oracle sidecar: `--oracle-url`, else `<home>/oracle-url`, else METRO_ORACLE_URL. */
function oracleUrlOf(home: string): string | undefined {
  const path = join(home, "oracle-url");
  if (existsSync(path)) return readFileSync(path, "utf8").trim() || undefined;
  return process.env.METRO_ORACLE_URL;
}

const GenesisChainIdSchema = z.object({ chain_id: z.string().min(1) });

const genesisChainId = (home: string): string =>
  GenesisChainIdSchema.parse(JSON.parse(readFileSync(genesisPath(home), "utf8"))).chain_id;

/**
 * Whether the fault switch `env` names this home's folder (tests only: e.g. the validator that
 * tampers with the commits it injects). Allowed only on a devnet chain; elsewhere the switch
 * stops the node before it starts.
 */
function faultSwitchOn(home: string, env: string, log: Logger): boolean {
  const named = process.env[env];
  if (!named) return false;
  assertFaultInjectionAllowed(genesisChainId(home), [env], log);
  return named === basename(resolve(home));
}

/** The mode of a fault switch with modes (`node1:drop`), checked as faultSwitchOn checks. */
function faultSwitchModeOf<Mode extends string>(
  home: string,
  env: string,
  modes: readonly Mode[],
  log: Logger,
  fallback?: Mode,
): Mode | undefined {
  const value = process.env[env];
  if (!value) return undefined;
  assertFaultInjectionAllowed(genesisChainId(home), [env], log);
  return faultSwitchMode(value, basename(resolve(home)), modes, fallback);
}

/** State sync: snapshots as `<home>/config/app.json` says, served and restored. */
function stateSyncOptions(home: string, config: AppConfig, log: Logger): StateSyncOptions {
  return {
    ...config.snapshots,
    chainId: genesisChainId(home),
    directory: snapshotDir(home),
    corruptChunks: faultSwitchOn(home, CORRUPT_SNAPSHOT_ENV, log),
  };
}

/**
 * `metro start --home DIR [--app-only] [--oracle-url URL] [--metrics-port P] [--metrics-host H]`:
 * the Metro app, and unless --app-only, CometBFT beside it.
 */
export async function startCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    home: { type: "string" },
    "app-only": { type: "boolean" },
    "oracle-url": { type: "string" },
    ...METRICS_FLAGS,
  });
  const home = values.home;
  if (!home) throw new UsageError("metro start needs --home DIR (create one with `metro init`)");
  if (!isInitialized(home))
    throw new UsageError(`${home} is not a Metro home: run \`metro init --home ${home}\``);
  const metricsListen = metricsListenOption(values);
  const log = createLogger("metro-app");
  const tamperInjectedCommit = faultSwitchModeOf(home, TAMPER_INJECTION_ENV, INJECTION_TAMPERS, log, "forge");
  const badVoteExtensions = faultSwitchModeOf(home, BAD_VOTE_EXTENSIONS_ENV, BAD_VOTE_EXTENSIONS, log);
  // One worker for CheckTx signature checks by default; METRO_VERIFY_WORKERS=0 checks inline.
  const verifyWorkers = Number(process.env.METRO_VERIFY_WORKERS ?? 1);
  const config = readAppConfig(home);
  const oracleUrl = values["oracle-url"] ?? oracleUrlOf(home);
  const feed = oracleUrl
    ? new SidecarPriceFeed({
        url: oracleUrl,
        onError: (error) =>
          log.warn({ err: error, oracleUrl }, "oracle sidecar unreachable; empty vote extensions"),
      })
    : undefined;
  // Metrics first: a port in use stops the node before it opens anything.
  const registry = metricsListen ? serviceRegistry("metro-app", { processMetrics: true }) : undefined;
  const metricsServer = registry && metricsListen ? await serveMetrics(registry, metricsListen) : undefined;
  if (metricsServer) log.info({ url: metricsServer.url }, "metrics serving");
  feed?.start();
  const app = new MetroApp(appDataDir(home), log, {
    ...(registry ? { observer: new AppMetrics(registry) } : {}),
    verifyWorkers,
    pruning: config.pruning,
    prices: () => feed?.latest(),
    tamperInjectedCommit,
    badVoteExtensions,
    stateSync: stateSyncOptions(home, config, log),
    // The Commit response must reach CometBFT before the app goes.
    // The exception reaches CometBFT, which stops too; the store keeps the last height whole.
    onStoreFailure: (error) => {
      log.fatal({ err: error }, "the store could not be written; stopping");
      setTimeout(() => void shutdown(STORE_FAILURE_EXIT_CODE), 300);
    },
    onHalt: (height) => {
      log.warn({ height: height.toString() }, "halted by governance after committing this height");
      setTimeout(() => void shutdown(HALTED_EXIT_CODE), 300);
    },
  });
  const halted = app.haltedAt();
  if (halted !== undefined) {
    log.warn(
      { height: halted.toString() },
      "the chain halted here by governance: export it (metro export) or upgrade",
    );
    await app.close();
    process.exit(HALTED_EXIT_CODE);
  }
  if (registry) registerPriceGauges(registry, app.store);
  const server = new AbciServer(app, log);
  const socket = appSocketPath(resolve(home));
  // The socket is always the home's own, so a home copied to another folder or host still works.
  configureComet(home, { proxy_app: `unix://${socket}` });
  await server.listen(`unix://${socket}`);
  log.info({ socket, height: app.store.height.toString() }, "metro app listening");
  const comet = values["app-only"] ? undefined : spawnComet(home, "inherit");
  async function shutdown(code: number): Promise<never> {
    comet?.kill("SIGTERM");
    feed?.stop();
    await metricsServer?.close();
    await app.close();
    process.exit(code);
  }
  comet?.once("exit", (code) => void shutdown(code ?? 1));
  process.once("SIGINT", () => void shutdown(0));
  process.once("SIGTERM", () => void shutdown(0));
}
