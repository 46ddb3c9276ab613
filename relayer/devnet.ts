/**
 * The relaying half of `metro devnet`: the embedded local DA (unless a real Celestia node is
 * given) and a relayer with gossip, in the devnet's own process, so the main job needs
 * nothing external.
 */
import { join } from "node:path";
import type { Logger } from "../chain/log.js";
import { validatorsAt } from "../chain/node/signed-block.js";
import { validatorSetHash } from "../core/comet/hashes.js";
import { CelestiaClient } from "./celestia/client.js";
import { DEFAULT_DA_PORT, LocalDa } from "./da/server.js";
import { BlockGossip } from "./gossip.js";
import { Relayer } from "./relayer.js";

/** Celestia's limit depends on its square size; 1.5 MiB stays well inside a default square. */
export const DEFAULT_MAX_BLOB_BYTES = 1_572_864;

export interface DevnetRelayingOptions {
  home: string;
  chainId: string;
  metroRpc: string;
  /** A real celestia-node instead of the local DA. */
  daUrl?: string;
  daToken?: string;
  log: Logger;
}

export interface DevnetRelaying {
  daUrl: string;
  localDa: boolean;
  gossip: BlockGossip;
  relayer: Relayer;
  stop: () => Promise<void>;
}

export async function startDevnetRelaying(options: DevnetRelayingOptions): Promise<DevnetRelaying> {
  let localDa: LocalDa | undefined;
  let daUrl = options.daUrl;
  if (!daUrl) {
    localDa = new LocalDa({ dataDir: join(options.home, "da"), blockTimeMs: 1000, log: options.log });
    daUrl = `http://127.0.0.1:${await localDa.listen(DEFAULT_DA_PORT)}`;
  }
  const gossip = await BlockGossip.start({
    chainId: options.chainId,
    trustedValidatorsHashes: [validatorSetHash(await validatorsAt(options.metroRpc, 1))],
    log: options.log,
  });
  const relayer = new Relayer({
    chainId: options.chainId,
    metroRpc: options.metroRpc,
    da: new CelestiaClient({ url: daUrl, token: options.daToken, timeoutMs: 60_000 }),
    statePath: join(options.home, "relayer", "relayer-state.json"),
    batchIntervalMs: 2000,
    limits: { maxBlobBytes: DEFAULT_MAX_BLOB_BYTES },
    gossip,
    log: options.log,
  });
  await relayer.start();
  return {
    daUrl,
    localDa: localDa !== undefined,
    gossip,
    relayer,
    stop: async () => {
      await relayer.stop();
      await gossip.stop();
      await localDa?.close();
    },
  };
}
