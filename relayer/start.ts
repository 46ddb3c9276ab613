/**
 * A running relayer with its gossip node: what `metro relayer` and `metro devnet` both start.
 * Gossip trusts the chain's genesis validator set (height 1), read from the node itself.
 */

import { HeightPrunedError, validatorsAt } from "../chain/index.js";
import { validatorSetHash } from "../core/comet/hashes.js";
import type { TrustRoot } from "../core/comet/trust.js";
import type { Logger } from "../core/log.js";
import { CelestiaClient } from "./celestia/client.js";
import { BlockGossip } from "./gossip.js";
import { Relayer } from "./relayer.js";

/** Celestia's limit depends on its square size; 1.5 MiB stays well inside a default square. */
export const DEFAULT_MAX_BLOB_BYTES = 1_572_864;

export interface RelayingOptions {
  chainId: string;
  metroRpc: string;
  daUrl: string;
  daToken?: string;
  statePath: string;
  batchIntervalMs: number;
  gossipPort?: number;
  /** The gossip node's listen address (127.0.0.1 by default) and the multiaddrs it announces. */
  gossipHost?: string;
  gossipAnnounce?: readonly string[];
  /** 32-byte seed for a stable peer id across restarts. */
  identitySeed?: Uint8Array;
  /** Peers dialed before the first block is published. */
  peers?: readonly string[];
  log: Logger;
}

export interface Relaying {
  gossip: BlockGossip;
  relayer: Relayer;
  stop: () => Promise<void>;
}

/**
 * The validator set gossip starts trusting from: the genesis set at height 1, or, on a node
 * that has pruned height 1, the set at its lowest height (the relayer trusts its node anyway).
 */
async function gossipTrustRoot(metroRpc: string): Promise<TrustRoot> {
  let height = 1;
  const validators = await validatorsAt(metroRpc, height).catch((error: unknown) => {
    if (!(error instanceof HeightPrunedError)) throw error;
    height = error.lowestHeight;
    return validatorsAt(metroRpc, height);
  });
  return { height: BigInt(height), validatorsHash: validatorSetHash(validators) };
}

export async function startRelaying(options: RelayingOptions): Promise<Relaying> {
  const { log } = options;
  const gossip = await BlockGossip.start({
    chainId: options.chainId,
    trust: await gossipTrustRoot(options.metroRpc),
    port: options.gossipPort,
    host: options.gossipHost,
    announce: options.gossipAnnounce,
    identitySeed: options.identitySeed,
    log,
  });
  const peers = options.peers ?? [];
  for (const peer of peers) {
    await gossip.dial(peer).catch((error: Error) => log.warn({ peer, err: error }, "could not dial peer"));
  }
  // Blocks published before a peer's subscription arrives would miss it; wait a moment for them.
  await gossip.waitForTopicPeers(peers.length, 5_000);
  const relayer = new Relayer({
    chainId: options.chainId,
    metroRpc: options.metroRpc,
    da: new CelestiaClient({ url: options.daUrl, token: options.daToken, timeoutMs: 60_000 }),
    statePath: options.statePath,
    batchIntervalMs: options.batchIntervalMs,
    limits: { maxBlobBytes: DEFAULT_MAX_BLOB_BYTES },
    gossip,
    log,
  });
  await relayer.start();
  return {
    gossip,
    relayer,
    stop: async () => {
      await relayer.stop();
      await gossip.stop();
    },
  };
}
