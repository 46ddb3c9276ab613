/**
 * A libp2p node for one gossipsub topic (TCP, noise, yamux; loopback unless told otherwise), with content-addressed
 * message ids and a peer score that punishes invalid messages: what every Metro gossip
 * (SequencerBlocks, rollup header signatures) runs on.
 */
import "./node-compat.js";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import { type GossipSub, gossipsub } from "@libp2p/gossipsub";
import { createPeerScoreParams, createTopicScoreParams } from "@libp2p/gossipsub/score";
import { identify } from "@libp2p/identify";
import { tcp } from "@libp2p/tcp";
import { multiaddr } from "@multiformats/multiaddr";
import { createLibp2p, type Libp2p } from "libp2p";
import { z } from "zod";
import { sha256 } from "../core/hash.js";
import { DEFAULT_HOST, tcpMultiaddr } from "../core/listen.js";

export type GossipNode = Libp2p<{ pubsub: GossipSub }>;

/** A peer or announce address, e.g. /ip4/203.0.113.7/tcp/4001 or /dns4/relayer.example/tcp/4001. */
export const MultiaddrSchema = z.string().refine((text) => {
  try {
    multiaddr(text);
    return true;
  } catch {
    return false;
  }
}, "a libp2p multiaddr such as /ip4/203.0.113.7/tcp/4001");

export interface GossipNodeOptions {
  topic: string;
  maxMessageBytes: number;
  /** TCP port (0 picks one). */
  port?: number;
  /** The IP address to listen on: 127.0.0.1 unless given (0.0.0.0 for every interface). */
  host?: string;
  /** Multiaddrs peers should dial, when they differ from the listen address (NAT, a public IP). */
  announce?: readonly string[];
  /** Fixed 32-byte seed for a stable peer id across restarts. */
  identitySeed?: Uint8Array;
}

export async function startGossipNode(options: GossipNodeOptions): Promise<GossipNode> {
  return createLibp2p({
    ...(options.identitySeed
      ? { privateKey: await generateKeyPairFromSeed("Ed25519", options.identitySeed) }
      : {}),
    addresses: {
      listen: [tcpMultiaddr(options.host ?? DEFAULT_HOST, options.port ?? 0)],
      ...(options.announce?.length ? { announce: [...options.announce] } : {}),
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        maxInboundDataLength: options.maxMessageBytes + 64 * 1024,
        // Content-addressed ids: the same message from two publishers is one message.
        msgIdFn: (message) => sha256(message.data),
        scoreParams: createPeerScoreParams({
          topics: {
            [options.topic]: createTopicScoreParams({
              topicWeight: 1,
              invalidMessageDeliveriesWeight: -100,
              invalidMessageDeliveriesDecay: 0.9,
            }),
          },
        }),
      }),
    },
  });
}
