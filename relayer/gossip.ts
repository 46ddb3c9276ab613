/**
 * Soft commitments over libp2p: SequencerBlocks on one gossipsub topic per Metro chain (TCP,
 * noise, yamux). A peer verifies a block (commit, validator set, proofs) before it is
 * delivered or forwarded; a block that fails is rejected, which costs its sender peer score,
 * so a peer that keeps forging ends up graylisted. Replays and blocks already seen are ignored.
 * A validator set is trusted only at the heights it governs (a chain of trust followed from
 * verified blocks), so a block at a height the chain of trust has not reached yet is ignored:
 * neither delivered nor forwarded, and its sender not blamed.
 */
import { type Message, TopicValidatorResult } from "@libp2p/gossipsub";
import type { PeerId } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import { ChainOfTrust, type TrustRoot } from "../core/comet/trust.js";
import type { Logger } from "../core/log.js";
import { type SequencerBlock, SequencerBlockCodec } from "../core/sequencer-block.js";
import { type GossipNode, startGossipNode } from "./gossip-node.js";
import { GossipValidator, MAX_GOSSIP_BYTES, SEEN_HEIGHTS } from "./gossip-validator.js";

export function blockTopic(chainId: string): string {
  return `/metro/${chainId}/sequencer-blocks/1`;
}

export interface BlockGossipOptions {
  chainId: string;
  /**
   * Which validator set signs each height: a root (the chain's genesis set at height 1, say),
   * or a chain of trust shared with its owner (the conductor's), which gossip extends too.
   */
  trust: TrustRoot | ChainOfTrust;
  /** TCP port (0 picks one), listen address (127.0.0.1 by default) and announced multiaddrs. */
  port?: number;
  host?: string;
  announce?: readonly string[];
  /** Fixed 32-byte seed for a stable peer id across restarts. */
  identitySeed?: Uint8Array;
  log: Logger;
}

export type BlockHandler = (block: SequencerBlock, from: PeerId) => void;

export class BlockGossip {
  /** Gossiped blocks by how validation judged them. */
  readonly stats = { accepted: 0, ignored: 0, rejected: 0 };
  private readonly handlers: BlockHandler[] = [];
  private readonly trust: ChainOfTrust;
  private readonly validator: GossipValidator;

  private constructor(
    readonly node: GossipNode,
    private readonly options: BlockGossipOptions,
  ) {
    this.trust =
      options.trust instanceof ChainOfTrust ? options.trust : new ChainOfTrust([options.trust], SEEN_HEIGHTS);
    this.validator = new GossipValidator(options.chainId, this.trust);
  }

  static async start(options: BlockGossipOptions): Promise<BlockGossip> {
    const topic = blockTopic(options.chainId);
    const node = await startGossipNode({
      topic,
      maxMessageBytes: MAX_GOSSIP_BYTES,
      port: options.port,
      host: options.host,
      announce: options.announce,
      identitySeed: options.identitySeed,
    });
    const gossip = new BlockGossip(node, options);
    node.services.pubsub.topicValidators.set(topic, (peer, message) => gossip.validate(peer, message));
    node.services.pubsub.addEventListener("message", (event) => gossip.deliver(event.detail));
    node.services.pubsub.subscribe(topic);
    return gossip;
  }

  get topic(): string {
    return blockTopic(this.options.chainId);
  }

  addresses(): string[] {
    return this.node.getMultiaddrs().map((address) => address.toString());
  }

  async dial(address: string): Promise<void> {
    await this.node.dial(multiaddr(address));
  }

  /** Waits until `count` peers subscribe to the topic, or `timeoutMs` passes; returns how many did. */
  async waitForTopicPeers(count: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const subscribers = () => this.node.services.pubsub.getSubscribers(this.topic).length;
    while (subscribers() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return subscribers();
  }

  onBlock(handler: BlockHandler): void {
    this.handlers.push(handler);
  }

  /** A peer's score as this node's gossipsub sees it (negative after invalid messages). */
  scoreOf(peer: PeerId): number {
    const scored = this.node.services.pubsub as unknown as { getScore?: (id: string) => number };
    return scored.getScore?.(peer.toString()) ?? 0;
  }

  /** Publishes `block`; false when it is too large to gossip (it reaches peers by the DA only). */
  async publish(block: SequencerBlock): Promise<boolean> {
    const data = SequencerBlockCodec.encode(block);
    if (data.length > MAX_GOSSIP_BYTES) {
      this.options.log.warn(
        { height: block.header.height.toString(), bytes: data.length },
        "block too large to gossip",
      );
      return false;
    }
    // What this node publishes comes from the node it follows, which it trusts outright.
    this.trust.adopt(block.header);
    this.validator.remember(block);
    await this.node.services.pubsub.publish(this.topic, data);
    return true;
  }

  async stop(): Promise<void> {
    await this.node.stop();
  }

  private validate(peer: PeerId, message: Message): TopicValidatorResult {
    const { result, reason } = this.validator.judge(message.data);
    if (result === TopicValidatorResult.Accept) this.stats.accepted++;
    else if (result === TopicValidatorResult.Ignore) this.stats.ignored++;
    else {
      this.stats.rejected++;
      this.options.log.warn({ peer: peer.toString(), reason }, "rejected gossiped block");
    }
    return result;
  }

  private deliver(message: Message): void {
    if (message.topic !== this.topic || message.type !== "signed") return;
    const block = SequencerBlockCodec.decode(message.data);
    for (const handler of this.handlers) handler(block, message.from);
  }
}
