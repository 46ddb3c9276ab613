/**
 * The whole system as separate OS processes, each one a target for `kill -9`: four validators
 * (the Metro app and CometBFT apart), the local DA, the relayer, and two EVM rollups (EVM node
 * and conductor each), plus a follower per rollup that is never touched, as the reference.
 * Every process is supervised: killed, it is started again, and must pick up where it was.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { type Devnet, startTemporaryDevnet } from "../chain/node/devnet.js";
import { nodeStatus, waitForHeight } from "../chain/node/rpc.js";
import { SupervisedProcess } from "../chain/node/supervised.js";
import { createFollowerHome, createRollupHome, RollupProcesses } from "../conductor/rollup-home.js";
import type { Logger } from "../core/log.js";
import { scrapeGauge } from "../core/metrics.js";
import { CelestiaClient, waitForDa } from "../relayer/index.js";
import { ChaosPrices } from "./prices.js";

export const VALIDATORS = 4;
/** The EVM rollups under load; a third rollup, data only, has no execution node. */
export const EVM_ROLLUPS = [
  { name: "gm", chainId: 7777777, composerAccountIndex: 9 },
  { name: "other", chainId: 8888888, composerAccountIndex: 8 },
] as const;
export const DATA_ROLLUP = "raw-data";

/** Something the campaign can kill, and how to tell it came back. */
export interface FaultTarget {
  name: string;
  /** Sends SIGKILL; false when it was not running. */
  kill: () => boolean;
  /** How many times its supervisor restarted it. */
  restarts: () => number;
  /** Whether it answers again (its RPC or its metrics endpoint). */
  healthy: () => Promise<boolean>;
}

export interface ChaosRollup {
  name: string;
  primary: RollupProcesses;
  /** The same rollup on a node that is never stopped. */
  follower: RollupProcesses;
}

export interface ChaosStack {
  devnet: Devnet;
  home: string;
  daUrl: string;
  /** The local DA's supervisor, for outages longer than a crash. */
  da: SupervisedProcess;
  /** The validators' price sources, silent until the adversary phases. */
  prices: ChaosPrices;
  rollups: ChaosRollup[];
  targets: FaultTarget[];
  /** The highest Metro height the relayer has posted to the DA (its metrics say). */
  relayerPostedThrough: () => Promise<number>;
  /** Stops everything; the folders (validators' and the rest's, with their logs) go unless kept. */
  stop: (options?: { keepHomes?: boolean }) => Promise<string[]>;
}

const killChild = (child: { kill: (signal: NodeJS.Signals) => boolean } | undefined): boolean =>
  child?.kill("SIGKILL") ?? false;

async function answers(url: string, init?: RequestInit): Promise<boolean> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  return response.ok;
}

const ethCall = (method: string): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
});

/** A relayer identity whose libp2p peer id is known before it starts, so conductors can dial it. */
async function relayerIdentity(home: string): Promise<string> {
  const seed = Buffer.alloc(32, 7);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, "gossip-identity"), seed.toString("hex"), { mode: 0o600 });
  return peerIdFromPrivateKey(await generateKeyPairFromSeed("Ed25519", seed)).toString();
}

export async function startChaosStack(portBase: number, log: Logger): Promise<ChaosStack> {
  const prices = new ChaosPrices(VALIDATORS);
  const priceUrls = await prices.start();
  const {
    devnet,
    home: devnetHome,
    stop: stopDevnet,
  } = await startTemporaryDevnet(VALIDATORS, portBase, log, (devnet) => {
    for (const [i, spec] of devnet.specs.entries())
      writeFileSync(join(spec.home, "oracle-url"), priceUrls[i]!);
  }).catch((error: unknown) => {
    prices.stop();
    throw error;
  });
  const home = mkdtempSync(join(tmpdir(), "metro-chaos-"));
  const processes: SupervisedProcess[] = [];
  const rollupProcesses: RollupProcesses[] = [];
  const stop = async (options: { keepHomes?: boolean } = {}) => {
    await Promise.all(rollupProcesses.map((rollup) => rollup.stop()));
    await Promise.all(processes.map((process) => process.stop()));
    await stopDevnet({ keepHome: options.keepHomes });
    prices.stop();
    if (!options.keepHomes) rmSync(home, { recursive: true, force: true });
    return options.keepHomes ? [devnetHome, home] : [];
  };
  try {
    await waitForHeight(devnet.rpcUrl(0), 2);
    const daPort = portBase + 90;
    const gossipPort = portBase + 91;
    const relayerMetrics = `http://127.0.0.1:${portBase + 92}/metrics`;
    const daUrl = `http://127.0.0.1:${daPort}`;
    const supervise = (name: string, args: string[]) => {
      const process = new SupervisedProcess(name, args, join(home, `${name}.log`), log);
      processes.push(process);
      process.start();
      return process;
    };
    const da = supervise("da", [
      "da",
      "--home",
      join(home, "da"),
      "--port",
      String(daPort),
      "--block-time",
      "500",
    ]);
    await waitForDa(daUrl);
    const relayerHome = join(home, "relayer");
    const relayerPeer = `/ip4/127.0.0.1/tcp/${gossipPort}/p2p/${await relayerIdentity(relayerHome)}`;
    const relayer = supervise("relayer", [
      ...["relayer", "--node", devnet.rpcUrl(0), "--home", relayerHome, "--da-url", daUrl],
      ...["--batch-ms", "1000", "--gossip-port", String(gossipPort), "--metrics-port", String(portBase + 92)],
    ]);
    const rollups: ChaosRollup[] = [];
    for (const [index, rollup] of EVM_ROLLUPS.entries()) {
      // Each rollup follows another validator, so one validator's crash does not starve both.
      const metroRpc = devnet.rpcUrl(1 + index);
      const primaryHome = await createRollupHome({
        ...rollup,
        dir: join(home, rollup.name),
        metroRpc,
        daUrl,
        gossipPeers: [relayerPeer],
        rpcPort: 0,
      });
      const metricsPorts = { evm: portBase + 93 + 2 * index, conductor: portBase + 94 + 2 * index };
      const primary = new RollupProcesses(primaryHome, log, metricsPorts);
      const followerHome = await createFollowerHome(primaryHome, join(home, `${rollup.name}-follower`), {
        metroRpc,
        daUrl,
        gossipPeers: [relayerPeer],
        composerAccountIndex: 7,
      });
      const follower = new RollupProcesses(followerHome, log);
      rollupProcesses.push(primary, follower);
      await Promise.all([primary.start(), follower.start()]);
      rollups.push({ name: rollup.name, primary, follower });
    }
    const targets: FaultTarget[] = [
      ...devnet.validators.flatMap((validator, i) => {
        const healthy = async () => !(await nodeStatus(devnet.rpcUrl(i))).catchingUp;
        const restarts = () => validator.restarts;
        return [
          { name: `${validator.name} app`, kill: () => killChild(validator.app), restarts, healthy },
          { name: `${validator.name} cometbft`, kill: () => killChild(validator.comet), restarts, healthy },
        ];
      }),
      {
        name: "da",
        kill: () => killChild(da.child),
        restarts: () => da.restarts,
        healthy: async () => Boolean(await new CelestiaClient({ url: daUrl }).networkHead()),
      },
      {
        name: "relayer",
        kill: () => killChild(relayer.child),
        restarts: () => relayer.restarts,
        healthy: () => answers(relayerMetrics),
      },
      ...rollups.flatMap(({ name, primary }) => [
        {
          name: `${name} evm`,
          kill: () => killChild(primary.evm.child),
          restarts: () => primary.evm.restarts,
          healthy: () => answers(primary.rpcUrl, ethCall("eth_chainId")),
        },
        {
          name: `${name} conductor`,
          kill: () => killChild(primary.conductor.child),
          restarts: () => primary.conductor.restarts,
          healthy: () => answers(primary.metricsUrls!.conductor),
        },
      ]),
    ];
    const relayerPostedThrough = () => scrapeGauge(relayerMetrics, "metro_relayer_posted_through");
    return { devnet, home, daUrl, da, prices, rollups, targets, relayerPostedThrough, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
