/**
 * The relaying half of `metro devnet`: the embedded local DA (unless a real Celestia node is
 * given) and a relayer with gossip, in the devnet's own process, so the main job needs
 * nothing external.
 */
import { join } from "node:path";
import type { Logger } from "../core/log.js";
import { DEFAULT_DA_PORT, LocalDa } from "./da/server.js";
import type { BlockGossip } from "./gossip.js";
import type { Relayer } from "./relayer.js";
import { startRelaying } from "./start.js";

export interface DevnetRelayingOptions {
  home: string;
  chainId: string;
  metroRpc: string;
  /** A real celestia-node instead of the local DA. */
  daUrl?: string;
  daToken?: string;
  /** The embedded DA's port (default 26658, celestia-node's). */
  daPort?: number;
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
    daUrl = `http://127.0.0.1:${await localDa.listen(options.daPort ?? DEFAULT_DA_PORT)}`;
  }
  const { gossip, relayer, stop } = await startRelaying({
    chainId: options.chainId,
    metroRpc: options.metroRpc,
    daUrl,
    daToken: options.daToken,
    statePath: join(options.home, "relayer", "relayer-state.json"),
    batchIntervalMs: 2000,
    log: options.log,
  });
  return {
    daUrl,
    localDa: localDa !== undefined,
    gossip,
    relayer,
    stop: async () => {
      await stop();
      await localDa?.close();
    },
  };
}
