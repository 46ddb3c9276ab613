import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TopicValidatorResult } from "@libp2p/gossipsub";
import type { PeerId } from "@libp2p/interface";
import { utf8 } from "../../core/bytes.js";
import { validatorSetHash } from "../../core/comet/hashes.js";
import { ChainOfTrust } from "../../core/comet/trust.js";
import { createLogger } from "../../core/log.js";
import { type SequencerBlock, SequencerBlockCodec } from "../../core/sequencer-block.js";
import { BlockGossip } from "../../relayer/gossip.js";
import { sleep, until } from "../support/network.js";
import { CHAIN, signedBlock, validatorSet } from "../support/signed-blocks.js";

const set = validatorSet(4, 1);
const log = createLogger("test", "silent");

/** The peers `peer` forwards the topic's messages to (gossipsub's class has it; its interface does not). */
function meshOf(peer: BlockGossip): string[] {
  const pubsub = peer.node.services.pubsub as unknown as { getMeshPeers(topic: string): string[] };
  return pubsub.getMeshPeers(peer.topic);
}

interface Checked {
  from: PeerId;
  height: bigint | undefined;
  result: TopicValidatorResult;
}

/** Records every message `peer`'s block validator judges: who handed it over, and the verdict. */
function watchValidation(peer: BlockGossip): Checked[] {
  const checked: Checked[] = [];
  const validators = peer.node.services.pubsub.topicValidators;
  const validate = validators.get(peer.topic)!;
  validators.set(peer.topic, async (from, message) => {
    const result = await validate(from, message);
    const height = SequencerBlockCodec.decode(message.data).header?.height;
    checked.push({ from, height, result });
    return result;
  });
  return checked;
}

describe("gossip forwarded along a line of three peers: A — B — C", () => {
  const peers: BlockGossip[] = [];
  const delivered = new Map<BlockGossip, { block: SequencerBlock; from: PeerId }[]>();
  const checked = new Map<BlockGossip, Checked[]>();

  before(async () => {
    const validatorsHash = validatorSetHash(set.validators);
    for (let i = 0; i < 3; i++) {
      // The set governs heights 7 and 8, where the forgery and the valid block go.
      const trust = new ChainOfTrust([7n, 8n].map((height) => ({ height, validatorsHash })));
      const peer = await BlockGossip.start({ chainId: CHAIN, trust, log });
      const received: { block: SequencerBlock; from: PeerId }[] = [];
      peer.onBlock((block, from) => received.push({ block, from }));
      delivered.set(peer, received);
      checked.set(peer, watchValidation(peer));
      peers.push(peer);
    }
    const [a, b, c] = peers as [BlockGossip, BlockGossip, BlockGossip];
    await a.dial(b.addresses()[0]!);
    await c.dial(b.addresses()[0]!);
    // B forwards to the peers in its mesh for the topic: wait until both ends are in it.
    await until("B's mesh holds A and C", () => {
      const mesh = meshOf(b);
      return mesh.includes(a.node.peerId.toString()) && mesh.includes(c.node.peerId.toString());
    });
  });

  after(async () => {
    for (const peer of peers) await peer.stop();
  });

  it("carries A's valid block to C through B, and B stops A's forgery before C sees it", async () => {
    const [a, b, c] = peers as [BlockGossip, BlockGossip, BlockGossip];
    assert.equal(c.node.getConnections(a.node.peerId).length, 0, "A and C are not connected");

    const forged = signedBlock({ height: 7n, set });
    forged.rollups[0]!.items[0] = utf8("evil");
    await a.node.services.pubsub.publish(a.topic, SequencerBlockCodec.encode(forged));
    await until("B judges the forgery", () => checked.get(b)!.length > 0);
    await a.publish(signedBlock({ height: 8n, set }));
    await until("C receives the valid block", () => delivered.get(c)!.length > 0);
    await sleep(300);

    const verdicts = (peer: BlockGossip) =>
      checked.get(peer)!.map((v) => ({ from: v.from.toString(), height: v.height, result: v.result }));
    const [fromA, fromB] = [a, b].map((peer) => peer.node.peerId.toString());
    assert.deepEqual(verdicts(b), [
      { from: fromA, height: 7n, result: TopicValidatorResult.Reject },
      { from: fromA, height: 8n, result: TopicValidatorResult.Accept },
    ]);
    // C judged only what B forwarded: the valid block, never the forgery.
    assert.deepEqual(verdicts(c), [{ from: fromB, height: 8n, result: TopicValidatorResult.Accept }]);
    for (const peer of [b, c]) {
      const received = delivered.get(peer)!;
      assert.deepEqual(
        received.map((r) => r.block.header.height),
        [8n],
      );
      assert.ok(received[0]!.from.equals(a.node.peerId), "A signed the message");
    }
    assert.equal(c.node.getConnections(a.node.peerId).length, 0, "C still has no connection to A");
  });
});
