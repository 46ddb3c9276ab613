import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { writePairs, writeVotePairs } from "../../chain/modules/oracle.js";
import { toHex, utf8 } from "../../core/bytes.js";
import { headerHash, simpleValidatorBytes } from "../../core/comet/hashes.js";
import { SimpleValidatorCodec } from "../../core/comet/types.js";
import { CommitVerificationError } from "../../core/comet/verify.js";
import {
  type SequencerBlock,
  SequencerBlockCodec,
  SequencerBlockError,
  sliceForRollup,
  verifyRollupSlice,
  verifySequencerBlock,
} from "../../core/sequencer-block.js";
import { DEFAULT_PAIRS, encodeInjectedCommit } from "../../oracle/index.js";
import { oracleChainState, signedInjectedCommit } from "../support/oracle-blocks.js";
import { ALPHA, BETA, CHAIN, GAMMA, signedBlock, validatorSet } from "../support/signed-blocks.js";

const verify = (block: SequencerBlock) => verifySequencerBlock(block, { chainId: CHAIN });

describe("SequencerBlock verification", () => {
  it("accepts an honest block, also after a protobuf round trip", () => {
    const block = signedBlock();
    assert.equal(verify(block).height, 7n);
    assert.equal(verify(SequencerBlockCodec.decode(SequencerBlockCodec.encode(block))).height, 7n);
  });

  it("needs more than 2/3 of the power to have signed", () => {
    assert.equal(verify(signedBlock({ flags: [2, 2, 2, 3] })).height, 7n);
    assert.throws(() => verify(signedBlock({ flags: [2, 2, 1, 3] })), CommitVerificationError);
  });

  it("refuses forged signatures, other chains, and validator sets the header does not name", () => {
    const forged = signedBlock();
    forged.commit.signatures[1]!.signature = ed25519.sign(utf8("something else"), validatorSet().keys[1]!);
    assert.throws(() => verify(forged), /signature 1 .* is invalid/);
    assert.throws(() => verifySequencerBlock(signedBlock(), { chainId: "other" }), CommitVerificationError);
    const swapped = signedBlock();
    swapped.validators = [...validatorSet().validators].reverse();
    assert.throws(() => verify(swapped), /validators_hash/);
    const untrusted = signedBlock();
    assert.throws(
      () => verifySequencerBlock(untrusted, { chainId: CHAIN, validatorsHash: new Uint8Array(32) }),
      SequencerBlockError,
    );
  });

  it("refuses a changed header, a moved commitment and changed rollup data", () => {
    const changedHeader = signedBlock();
    changedHeader.header.appHash = new Uint8Array(32).fill(9);
    assert.throws(() => verify(changedHeader), /another block/);

    const moved = signedBlock();
    moved.commitmentProof.index = 1n;
    assert.throws(() => verify(moved), SequencerBlockError);

    const altered = signedBlock();
    altered.rollups[0]!.items[0] = utf8("evil");
    assert.throws(() => verify(altered), /does not match the block commitment/);

    const dropped = signedBlock();
    dropped.rollups.pop();
    assert.throws(() => verify(dropped), /not the block's rollups/);
  });

  it("refuses a block missing a message CometBFT always sends, with its name (hostile-input campaign)", () => {
    // Decoding leaves an absent message null; hashing the header used to read through it.
    const decoded = SequencerBlockCodec.decode(SequencerBlockCodec.encode(signedBlock()));
    const noBlockId = { ...decoded, commit: { ...decoded.commit, blockId: null as never } };
    assert.throws(() => verify(noBlockId), /height 7: commit.block_id is missing/);
    const noTime = { ...decoded, header: { ...decoded.header, time: null as never } };
    assert.throws(() => verify(noTime), CommitVerificationError);
    assert.throws(
      () => verifySequencerBlock(noTime, { chainId: CHAIN, trustedHeaderHash: headerHash(decoded.header) }),
      /header.time is missing/,
    );
  });

  it("refuses a block whose oracle commit was left out (hostile-input campaign)", () => {
    const vote = new Map([["TIA/USD", 520_000_000n]]);
    const set = validatorSet();
    const oracleCommitTx = encodeInjectedCommit(
      signedInjectedCommit(set, DEFAULT_PAIRS, new Map(), [{ vote }, { vote }, { vote }, { vote }], 6n),
    );
    const { appHash, oracleState } = oracleChainState((state) => {
      writePairs(state, DEFAULT_PAIRS);
      writeVotePairs(state, DEFAULT_PAIRS);
    });
    const priced = signedBlock({ oracleCommitTx, appHash, oracleState });
    assert.equal(verify(priced).height, 7n);
    const noState = { ...priced, oracleState: null };
    assert.throws(() => verify(noState), /oracle commit without its oracle state/);
    // Stripped of its votes the block once still verified, and every price with it was lost.
    const stripped = { ...priced, oracleCommitTx: new Uint8Array(), oracleCommitProof: null };
    assert.throws(() => verify(stripped), /no oracle commit and no proven second tx/);
    const posing = { ...stripped, secondTx: priced.oracleCommitTx, secondTxProof: priced.oracleCommitProof };
    assert.throws(() => verify(posing), /its second tx is an oracle commit/);
    const plain = signedBlock();
    assert.equal(verify(plain).height, 7n, "a block without votes shows its second tx");
    assert.throws(() => verify({ ...plain, secondTxProof: null }), /no proven second tx/);
  });

  it("gives each rollup exactly its items, or proves it had none", () => {
    const block = signedBlock();
    const options = { chainId: CHAIN };
    assert.deepEqual(verifyRollupSlice(sliceForRollup(block, ALPHA), ALPHA, options).items, [
      utf8("a1"),
      utf8("a2"),
    ]);
    assert.deepEqual(verifyRollupSlice(sliceForRollup(block, GAMMA), GAMMA, options).items, []);

    const hidden = sliceForRollup(block, BETA);
    hidden.rollup = null;
    assert.throws(() => verifyRollupSlice(hidden, BETA, options), /left out/);
    const shortened = sliceForRollup(block, ALPHA);
    shortened.rollup!.items = [utf8("a1")];
    assert.throws(() => verifyRollupSlice(shortened, ALPHA, options), SequencerBlockError);
    const lied = sliceForRollup(block, BETA);
    lied.rollupIds = lied.rollupIds.filter((id) => id !== BETA);
    lied.rollup = null;
    assert.throws(() => verifyRollupSlice(lied, BETA, options), /id list/);
  });

  it("with a trusted header hash, skips the commit but still checks the header, its validators and the proofs", () => {
    const block = signedBlock();
    const trusted = { chainId: CHAIN, trustedHeaderHash: headerHash(block.header) };
    const unsigned = sliceForRollup(block, ALPHA);
    unsigned.commit!.signatures[0]!.signature = new Uint8Array(64);
    assert.deepEqual(verifyRollupSlice(unsigned, ALPHA, trusted).items, [utf8("a1"), utf8("a2")]);
    assert.throws(() => verifyRollupSlice(unsigned, ALPHA, { chainId: CHAIN }), CommitVerificationError);

    const other = sliceForRollup(signedBlock({ height: 8n }), ALPHA);
    assert.throws(() => verifyRollupSlice(other, ALPHA, trusted), /not the block this chain recorded/);
    const swapped = sliceForRollup(block, ALPHA);
    swapped.validators = validatorSet(4, 9).validators;
    assert.throws(() => verifyRollupSlice(swapped, ALPHA, trusted), /validator set does not match/);
    const altered = sliceForRollup(block, ALPHA);
    altered.rollup!.items = [utf8("a1"), utf8("forged")];
    assert.throws(() => verifyRollupSlice(altered, ALPHA, trusted), /data does not match/);
  });
});

describe("validator set hashing", () => {
  it("writes SimpleValidator exactly as the protobuf codec does", () => {
    const keys = [{ ed25519: new Uint8Array(32).fill(7) }, { secp256k1: new Uint8Array(33).fill(3) }, {}];
    for (const pubKey of keys) {
      for (const votingPower of [0n, 1n, 127n, 128n, 10_000_000n, 2n ** 62n]) {
        const validator = { address: new Uint8Array(20), pubKey, votingPower, proposerPriority: 0n };
        assert.equal(
          toHex(simpleValidatorBytes(validator)),
          toHex(SimpleValidatorCodec.encode({ pubKey, votingPower })),
          `${Object.keys(pubKey).join()} ${votingPower}`,
        );
      }
    }
  });
});
