/**
 * A libp2p node for one gossipsub topic on loopback (TCP, noise, yamux), with content-addressed
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
import { createLibp2p, type Libp2p } from "libp2p";
import { sha256 } from "../core/hash.js";

export type GossipNode = Libp2p<{ pubsub: GossipSub }>;

export interface GossipNodeOptions {
  topic: string;
  maxMessageBytes: number;
  /** TCP port on 127.0.0.1 (0 picks one). */
  port?: number;
  /** Fixed 32-byte seed for a stable peer id across restarts. */
  identitySeed?: Uint8Array;
}

export async function startGossipNode(options: GossipNodeOptions): Promise<GossipNode> {
  return createLibp2p({
    ...(options.identitySeed
      ? { privateKey: await generateKeyPairFromSeed("Ed25519", options.identitySeed) }
      : {}),
    addresses: { listen: [`/ip4/127.0.0.1/tcp/${options.port ?? 0}`] },
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
