import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { utf8 } from "../../core/bytes.js";
import { validatorSetHash } from "../../core/comet/hashes.js";
import { createLogger } from "../../core/log.js";
import { type SequencerBlock, SequencerBlockCodec } from "../../core/sequencer-block.js";
import { BlockGossip } from "../../relayer/gossip.js";
import { sleep, until } from "../support/network.js";
import { CHAIN, signedBlock, validatorSet } from "../support/signed-blocks.js";

const honestSet = validatorSet(4, 1);
const forgerSet = validatorSet(4, 2);
const log = createLogger("test", "silent");

describe("gossip of SequencerBlocks over libp2p", () => {
  let honest: BlockGossip;
  let forger: BlockGossip;
  const received: SequencerBlock[] = [];

  before(async () => {
    const trusted = [validatorSetHash(honestSet.validators)];
    honest = await BlockGossip.start({ chainId: CHAIN, trustedValidatorsHashes: trusted, log });
    forger = await BlockGossip.start({ chainId: CHAIN, trustedValidatorsHashes: trusted, log });
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
    const tampered = signedBlock({ height: 12n, set: honestSet });
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
      new Uint8Array(9 * 1024 * 1024),
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
});
