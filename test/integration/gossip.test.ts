import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { utf8 } from "../../core/bytes.js";
import { validatorSetHash } from "../../core/comet/hashes.js";
import { createLogger } from "../../core/log.js";
import { type SequencerBlock, SequencerBlockCodec } from "../../core/sequencer-block.js";
import { BlockGossip } from "../../relayer/gossip.js";
import { MAX_GOSSIP_BYTES } from "../../relayer/gossip-validator.js";
import { sleep, until } from "../support/network.js";
import { CHAIN, signedBlock, validatorSet } from "../support/signed-blocks.js";

const honestSet = validatorSet(4, 1);
const forgerSet = validatorSet(4, 2);
/** The set the second test hands over to, at height 11. */
const newSet = validatorSet(4, 3);
const log = createLogger("test", "silent");

describe("gossip of SequencerBlocks over libp2p", () => {
  let honest: BlockGossip;
  let forger: BlockGossip;
  const received: SequencerBlock[] = [];

  before(async () => {
    const trust = { height: 10n, validatorsHash: validatorSetHash(honestSet.validators) };
    honest = await BlockGossip.start({ chainId: CHAIN, trust, log });
    forger = await BlockGossip.start({ chainId: CHAIN, trust, log });
    honest.onBlock((block) => received.push(block));
    await forger.dial(honest.addresses()[0]!);
    await until("the peers see each other on the topic", () =>
      forger.node.services.pubsub.getSubscribers(forger.topic).some((p) => p.equals(honest.node.peerId)),
    );
  });

  after(async () => {
    await forger?.stop();
    await honest?.stop();
  });

  it("delivers a valid block, and drops forged, garbage and oversized ones while scoring the sender down", async () => {
    const raw = (data: Uint8Array) => forger.node.services.pubsub.publish(forger.topic, data);
    await raw(SequencerBlockCodec.encode(signedBlock({ height: 10n, set: honestSet })));
    await until("the valid block arrives", () => received.length === 1);
    assert.equal(honest.scoreOf(forger.node.peerId), 0);

    // Signed by validators nobody trusts, a tampered item, a second block at a seen height, garbage.
    const untrusted = signedBlock({ height: 11n, set: forgerSet });
    const tampered = signedBlock({ height: 11n, set: honestSet });
    tampered.rollups[0]!.items[0] = utf8("evil");
    const conflicting = signedBlock({
      height: 10n,
      set: honestSet,
      items: [{ rollupId: new Uint8Array(32), data: utf8("x") }],
    });
    for (const data of [
      SequencerBlockCodec.encode(untrusted),
      SequencerBlockCodec.encode(tampered),
      SequencerBlockCodec.encode(conflicting),
      utf8("definitely not a protobuf SequencerBlock"),
      new Uint8Array(MAX_GOSSIP_BYTES + 1024),
    ]) {
      await raw(data).catch(() => undefined);
    }
    await until("the forger's score drops", () => honest.scoreOf(forger.node.peerId) < 0);
    // A replay of the valid block is ignored: delivered once, not penalized.
    await raw(SequencerBlockCodec.encode(signedBlock({ height: 10n, set: honestSet }))).catch(
      () => undefined,
    );
    await sleep(500);
    assert.deepEqual(
      received.map((b) => b.header.height),
      [10n],
      "nothing but the valid block was delivered",
    );
  });

  /** A new peer of the honest node, which has sent it nothing yet, and a way to publish raw blocks. */
  async function newSender() {
    const sender = await BlockGossip.start({
      chainId: CHAIN,
      trust: { height: 1n, validatorsHash: new Uint8Array(32) },
      log,
    });
    await sender.dial(honest.addresses()[0]!);
    await sender.waitForTopicPeers(1, 10_000);
    const send = (block: SequencerBlock) =>
      sender.node.services.pubsub
        .publish(sender.topic, SequencerBlockCodec.encode(block))
        .catch(() => undefined);
    return { sender, send };
  }

  it("trusts a validator set only at the heights it governs, and ignores heights it has not reached", async () => {
    const heights = () => received.map((b) => b.header.height);
    const handOver = await newSender();
    const ahead = await newSender();
    const oldSet = await newSender();
    try {
      // Height 11 hands over to a new set.
      await handOver.send(
        signedBlock({ height: 11n, set: honestSet, nextValidatorsHash: validatorSetHash(newSet.validators) }),
      );
      await until("the hand-over block arrives", () => heights().includes(11n));

      // A block far ahead of the chain of trust is ignored, and its sender not blamed for it:
      // the set that governs that height is not known yet.
      const before = { ...honest.stats };
      await ahead.send(signedBlock({ height: 20n, set: newSet }));
      await until("the block ahead is ignored", () => honest.stats.ignored === before.ignored + 1);
      assert.equal(honest.stats.rejected, before.rejected, "not rejected: its sender is not blamed");

      // The old set, valid signatures and all, governs 11 but not 12: rejected.
      await oldSet.send(signedBlock({ height: 12n, set: honestSet }));
      await until("the old set's block is rejected", () => honest.stats.rejected === before.rejected + 1);

      // The forgery did not take the height: the new set's block at 12 still lands.
      await handOver.send(signedBlock({ height: 12n, set: newSet }));
      await until("the new set's block at 12 arrives", () => heights().includes(12n));
      assert.deepEqual(heights(), [10n, 11n, 12n], "neither the block ahead nor the old set's was delivered");
    } finally {
      for (const { sender } of [handOver, ahead, oldSet]) await sender.stop();
    }
  });

  it("carries a block of the largest size gossip takes, and leaves a larger one to the DA", async () => {
    const { sender } = await newSender();
    const block = (height: bigint, mib: number) =>
      signedBlock({
        height,
        set: newSet,
        items: Array.from({ length: 4 }, (_, i) => ({
          rollupId: new Uint8Array(32).fill(i + 1),
          data: new Uint8Array(Math.floor((mib * 1024 * 1024) / 4)).fill(i),
        })),
      });
    try {
      const largest = block(13n, 3.9);
      assert.ok(SequencerBlockCodec.encode(largest).length <= MAX_GOSSIP_BYTES);
      assert.equal(await sender.publish(largest), true);
      await until("the largest block arrives", () => received.some((b) => b.header.height === 13n));
      assert.equal(await sender.publish(block(14n, 4)), false, "too large: not published");
    } finally {
      await sender.stop();
    }
  });
});
