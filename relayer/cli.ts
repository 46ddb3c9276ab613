/** `metro da` and `metro relayer`: the embedded local DA and the relayer, in the foreground. */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEVNET_CHAIN_ID, nodeStatus } from "../chain/index.js";
import { checkedOption, hostOption, intOption, parse, stopOnSignal, UsageError } from "../core/cli-args.js";
import { httpUrl } from "../core/listen.js";
import { createLogger } from "../core/log.js";
import { METRICS_FLAGS, metricsListenOption, serveServiceMetrics } from "../core/metrics.js";
import { DEFAULT_DA_PORT, LocalDa } from "./da/server.js";
import { MultiaddrSchema } from "./gossip-node.js";
import { registerDaMetrics, registerRelayerMetrics } from "./metrics.js";
import { startRelaying } from "./start.js";

export const DEFAULT_DA_URL = `http://127.0.0.1:${DEFAULT_DA_PORT}`;

/** The relayer's libp2p key seed, kept in its home so its peer id survives restarts. */
function gossipIdentity(home: string): Uint8Array {
  const path = join(home, "gossip-identity");
  if (!existsSync(path)) {
    mkdirSync(home, { recursive: true });
    writeFileSync(path, randomBytes(32).toString("hex"), { mode: 0o600 });
  }
  const seed = Buffer.from(readFileSync(path, "utf8").trim(), "hex");
  if (seed.length !== 32) throw new UsageError(`${path} must hold 32 bytes in hex`);
  return new Uint8Array(seed);
}

/**
 * `metro da --home DIR [--host H] [--port P] [--block-time MS] [--token T] [--keep-heights N]
 * [--metrics-port P] [--metrics-host H]`
 */
export async function daCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    home: { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
    "block-time": { type: "string" },
    token: { type: "string" },
    "keep-heights": { type: "string" },
    ...METRICS_FLAGS,
  });
  const metricsListen = metricsListenOption(values);
  const home = resolve(values.home ?? ".metro-da");
  const keepHeights = intOption(values["keep-heights"], "keep-heights", 0);
  const blockTimeMs = intOption(values["block-time"], "block-time", 1000);
  if (blockTimeMs < 50) throw new UsageError("--block-time must be at least 50 ms");
  const log = createLogger("metro-da");
  const da = new LocalDa({
    dataDir: join(home, "blocks"),
    blockTimeMs,
    token: values.token,
    keepHeights,
    log,
  });
  const host = hostOption(values.host);
  const port = await da.listen(intOption(values.port, "port", DEFAULT_DA_PORT), host);
  const metrics = await serveServiceMetrics("metro-da", metricsListen, (registry) =>
    registerDaMetrics(registry, da),
  );
  log.info(
    {
      url: httpUrl(host, port),
      head: da.height,
      base: da.baseHeight,
      keepHeights: keepHeights || "all",
      blockTimeMs,
      metrics: metrics?.url,
    },
    "local DA serving",
  );
  stopOnSignal(async () => {
    await metrics?.close();
    await da.close();
  });
}

/**
 * `metro relayer --node URL [--da-url URL] [--da-token T] [--home DIR] [--host H] [--gossip-port P]
 * [--announce MULTIADDR] [--peer ADDR] [--metrics-port P] [--metrics-host H]`
 */
export async function relayerCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    node: { type: "string" },
    home: { type: "string" },
    "da-url": { type: "string" },
    "da-token": { type: "string" },
    "batch-ms": { type: "string" },
    host: { type: "string" },
    "gossip-port": { type: "string" },
    announce: { type: "string", multiple: true },
    peer: { type: "string", multiple: true },
    ...METRICS_FLAGS,
  });
  const metricsListen = metricsListenOption(values);
  const log = createLogger("metro-relayer");
  const home = resolve(values.home ?? ".metro-relayer");
  const metroRpc = values.node ?? "http://127.0.0.1:26657";
  const status = await nodeStatus(metroRpc);
  const chainId = status.chainId || DEVNET_CHAIN_ID;
  const { gossip, relayer, stop } = await startRelaying({
    chainId,
    metroRpc,
    daUrl: values["da-url"] ?? DEFAULT_DA_URL,
    daToken: values["da-token"],
    statePath: join(home, "relayer-state.json"),
    batchIntervalMs: intOption(values["batch-ms"], "batch-ms", 2000),
    gossipPort: intOption(values["gossip-port"], "gossip-port", 0),
    gossipHost: hostOption(values.host),
    gossipAnnounce: (values.announce ?? []).map((a) => checkedOption(MultiaddrSchema, a, "announce")),
    identitySeed: gossipIdentity(home),
    peers: values.peer ?? [],
    log,
  });
  const metrics = await serveServiceMetrics("metro-relayer", metricsListen, (registry) =>
    registerRelayerMetrics(registry, relayer, gossip),
  ).catch(async (error: Error) => {
    await stop();
    throw error;
  });
  log.info({ chainId, gossip: gossip.addresses(), metrics: metrics?.url }, "relayer running");
  stopOnSignal(async () => {
    await metrics?.close();
    await stop();
  });
}
