import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { Logger } from "../../core/log.js";
import type { AppState } from "../app/genesis.js";
import { operatorAddresses, testAccountAddresses } from "../client/keys.js";
import { configureComet } from "./cometbft.js";
import { DEVNET_CHAIN_ID, devnetAppState, type HomeSpec, initValidatorHomes, isInitialized } from "./home.js";
import { ValidatorProcess } from "./process.js";
import { waitForHeight } from "./rpc.js";

export interface DevnetOptions {
  home: string;
  validators: number;
  /** Validator i listens for p2p on portBase + 10i and for RPC on portBase + 10i + 1. */
  portBase: number;
  fresh: boolean;
  log: Logger;
  /** Called when a validator cannot be kept running. */
  onFailure?: (error: Error) => void;
  /** Genesis choices for a new devnet: oracle pairs, vote extensions, staking and slashing parameters. */
  genesis?: {
    pairs?: NonNullable<AppState["oracle"]>["pairs"];
    voteExtensions?: boolean;
    staking?: NonNullable<AppState["staking"]>["params"];
    slashing?: AppState["slashing"];
    gov?: AppState["gov"];
    oraclePenalties?: NonNullable<AppState["oracle"]>["penalties"];
  };
}

export const DEFAULT_PORT_BASE = 26656;

/**
 * Where a devnet listens, from its port base: slot i is portBase + 10i (validator i's p2p),
 * and each offset below is added to the slot. Slot 0's +2 is left for the local DA (26658).
 */
export const DEVNET_PORT_OFFSETS = {
  p2p: 0,
  rpc: 1,
  /** Validator i's app metrics (`metro start --metrics-port`). */
  appMetrics: 3,
  /** Validator i's CometBFT Prometheus endpoint (instrumentation.prometheus_listen_addr). */
  cometMetrics: 4,
  /** Validator i's oracle sidecar metrics. */
  sidecarMetrics: 5,
  /** Rollup i's EVM node and conductor metrics. */
  evmMetrics: 6,
  conductorMetrics: 7,
  /** Slot 0 only: the relayer's and the local DA's metrics. */
  relayerMetrics: 8,
  daMetrics: 9,
} as const;

export function devnetPort(portBase: number, slot: number, what: keyof typeof DEVNET_PORT_OFFSETS): number {
  return portBase + 10 * slot + DEVNET_PORT_OFFSETS[what];
}

export class DevnetError extends Error {
  override name = "DevnetError";
}

/** A devnet holds 1 to 16 validators (test accounts 10 to 25 operate them). */
export function assertValidatorCount(validators: number): void {
  if (!Number.isInteger(validators) || validators < 1 || validators > 16) {
    throw new DevnetError(`--validators must be 1 to 16, got ${validators}`);
  }
}

const DevnetRecordSchema = z.object({
  chainId: z.string(),
  validators: z.number().int(),
  portBase: z.number().int(),
});

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", () =>
      reject(new DevnetError(`port 127.0.0.1:${port} is in use: stop what holds it or pick --port-base`)),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

/** A local Metro network: N validators on loopback, each an app process plus CometBFT. */
export class Devnet {
  readonly validators: ValidatorProcess[];
  /** Whether start() has each validator serve its app's and CometBFT's metrics (set before start). */
  metrics = false;

  private constructor(
    readonly options: DevnetOptions,
    readonly specs: HomeSpec[],
  ) {
    this.validators = specs.map(
      (spec) =>
        new ValidatorProcess(spec.moniker, spec.home, options.log, (error) => options.onFailure?.(error)),
    );
  }

  /** Creates the validator homes, or reuses those of an earlier run with the same shape. */
  static async create(options: DevnetOptions): Promise<Devnet> {
    const { home, validators, portBase } = options;
    assertValidatorCount(validators);
    const operators = await operatorAddresses(validators);
    const specs: HomeSpec[] = Array.from({ length: validators }, (_, i) => ({
      home: join(home, `node${i}`),
      moniker: `validator-${i}`,
      ports: { p2p: devnetPort(portBase, i, "p2p"), rpc: devnetPort(portBase, i, "rpc") },
      operator: operators[i],
    }));
    const recordPath = join(home, "devnet.json");
    if (options.fresh) rmSync(home, { recursive: true, force: true });
    if (existsSync(recordPath)) {
      const record = DevnetRecordSchema.parse(JSON.parse(readFileSync(recordPath, "utf8")));
      if (record.validators !== validators || record.portBase !== portBase) {
        throw new DevnetError(
          `${home} holds a devnet of ${record.validators} validators at port base ${record.portBase}; use --fresh to replace it`,
        );
      }
    } else {
      if (specs.some((spec) => isInitialized(spec.home))) {
        throw new DevnetError(`${home} holds a half-written devnet; use --fresh to replace it`);
      }
      mkdirSync(home, { recursive: true });
      const { pairs, voteExtensions, staking, slashing, gov, oraclePenalties } = options.genesis ?? {};
      const base = devnetAppState(await testAccountAddresses(), pairs);
      const appState: AppState = {
        ...base,
        ...(oraclePenalties ? { oracle: { ...base.oracle, penalties: oraclePenalties } } : {}),
        ...(staking ? { staking: { params: staking, validators: [] } } : {}),
        ...(slashing ? { slashing } : {}),
        ...(gov ? { gov } : {}),
      };
      initValidatorHomes(specs, DEVNET_CHAIN_ID, appState, undefined, { voteExtensions });
      writeFileSync(recordPath, JSON.stringify({ chainId: DEVNET_CHAIN_ID, validators, portBase }, null, 2));
    }
    return new Devnet(options, specs);
  }

  rpcUrl(index = 0): string {
    return `http://127.0.0.1:${this.specs[index]!.ports.rpc}`;
  }

  /** Validator i's app and CometBFT metrics URLs (served when `metrics` is on). */
  metricsUrls(index: number): { app: string; comet: string } {
    const { portBase } = this.options;
    return {
      app: `http://127.0.0.1:${devnetPort(portBase, index, "appMetrics")}/metrics`,
      comet: `http://127.0.0.1:${devnetPort(portBase, index, "cometMetrics")}/metrics`,
    };
  }

  async start(): Promise<void> {
    for (const [index, spec] of this.specs.entries()) {
      await assertPortFree(spec.ports.p2p);
      await assertPortFree(spec.ports.rpc);
      if (this.metrics) {
        await assertPortFree(devnetPort(this.options.portBase, index, "appMetrics"));
        await assertPortFree(devnetPort(this.options.portBase, index, "cometMetrics"));
      }
      this.configureMetrics(index);
    }
    await Promise.all(this.validators.map((validator) => validator.start()));
  }

  /** Written at every start, so a devnet made before metrics existed gets them too. */
  private configureMetrics(index: number): void {
    const { home } = this.specs[index]!;
    const app = devnetPort(this.options.portBase, index, "appMetrics");
    const comet = devnetPort(this.options.portBase, index, "cometMetrics");
    configureComet(home, {
      "instrumentation.prometheus": this.metrics,
      "instrumentation.prometheus_listen_addr": `127.0.0.1:${comet}`,
    });
    this.validators[index]!.appFlags = this.metrics ? ["--metrics-port", String(app)] : [];
  }

  async stop(): Promise<void> {
    await Promise.all(this.validators.map((validator) => validator.stop()));
  }
}

/** A devnet in a fresh temporary folder, started and producing blocks; `stop` also deletes it. */
export interface TemporaryDevnet {
  devnet: Devnet;
  home: string;
  stop: (options?: { keepHome?: boolean }) => Promise<void>;
}

export async function startTemporaryDevnet(
  validators: number,
  portBase: number,
  log: Logger,
  beforeStart?: (devnet: Devnet) => void,
  genesis?: DevnetOptions["genesis"],
): Promise<TemporaryDevnet> {
  const home = mkdtempSync(join(tmpdir(), "metro-devnet-"));
  const devnet = await Devnet.create({ home, validators, portBase, fresh: false, log, genesis });
  beforeStart?.(devnet);
  const stop = async (options: { keepHome?: boolean } = {}): Promise<void> => {
    await devnet.stop();
    if (!options.keepHome) rmSync(home, { recursive: true, force: true });
  };
  try {
    await devnet.start();
    for (let i = 0; i < validators; i++) await waitForHeight(devnet.rpcUrl(i), 2);
  } catch (error) {
    await stop({ keepHome: true });
    throw new DevnetError(`devnet in ${home} did not start: ${(error as Error).message}`);
  }
  return { devnet, home, stop };
}
