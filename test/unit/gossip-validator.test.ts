import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TopicValidatorResult } from "@libp2p/gossipsub";
import { validatorSetHash } from "../../core/comet/hashes.js";
import { ChainOfTrust } from "../../core/comet/trust.js";
import { SequencerBlockCodec } from "../../core/sequencer-block.js";
import { GossipValidator } from "../../relayer/index.js";
import { CHAIN, signedBlock, validatorSet } from "../support/signed-blocks.js";

const set = validatorSet();
const validator = () =>
  new GossipValidator(
    CHAIN,
    new ChainOfTrust([{ height: 7n, validatorsHash: validatorSetHash(set.validators) }]),
  );

describe("gossip validation (found by the hostile-input campaign)", () => {
  it("ignores the same block in another encoding, and rejects another block at the height", () => {
    const gossip = validator();
    const block = signedBlock({ set });
    assert.equal(gossip.judge(SequencerBlockCodec.encode(block)).result, TopicValidatorResult.Accept);
    // A validator's address is not signed: a forwarding peer may change it, and it once made
    // the honest block count as a second block at its height, costing its sender peer score.
    const variant = {
      ...block,
      validators: block.validators.map((v) => ({ ...v, address: new Uint8Array(20) })),
    };
    assert.equal(gossip.judge(SequencerBlockCodec.encode(variant)).result, TopicValidatorResult.Ignore);
    const other = signedBlock({ set, appHash: new Uint8Array(32).fill(9) });
    const judged = gossip.judge(SequencerBlockCodec.encode(other));
    assert.equal(judged.result, TopicValidatorResult.Reject);
    assert.equal(judged.reason, "second block at a height");
  });

  it("rejects a block that lacks a message CometBFT always sends, saying which", () => {
    const block = signedBlock({ set });
    const broken = { ...block, commit: { ...block.commit, blockId: null as never } };
    const judged = validator().judge(SequencerBlockCodec.encode(broken));
    assert.equal(judged.result, TopicValidatorResult.Reject);
    assert.match(judged.reason ?? "", /commit.block_id is missing/);
  });
});
