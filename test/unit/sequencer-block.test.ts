import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { blockCommitment, encodeCommitmentTx, groupByRollup } from "../../core/block-commitment.js";
import { utf8 } from "../../core/bytes.js";
import { dataHash, headerHash, txProof, validatorSetHash } from "../../core/comet/hashes.js";
import type { Commit, Header, Validator } from "../../core/comet/types.js";
import { CommitVerificationError, precommitSignBytes, validatorAddress } from "../../core/comet/verify.js";
import { rollupIdFromName } from "../../core/rollup.js";
import {
  rollupDataMessages,
  type SequencerBlock,
  SequencerBlockCodec,
  SequencerBlockError,
  sliceForRollup,
  toProofMessage,
  verifyRollupSlice,
  verifySequencerBlock,
} from "../../core/sequencer-block.js";

const CHAIN = "metro-test";
const keys = Array.from({ length: 4 }, (_, i) =>
  ed25519.utils.randomSecretKey(new Uint8Array(32).fill(i + 1)),
);
const validators: Validator[] = keys.map((key) => {
  const publicKey = ed25519.getPublicKey(key);
  return {
    address: validatorAddress(publicKey),
    pubKey: { ed25519: publicKey },
    votingPower: 10n,
    proposerPriority: 0n,
  };
});

const [a, b, absent] = ["alpha", "beta", "gamma"].map(rollupIdFromName) as [
  Uint8Array,
  Uint8Array,
  Uint8Array,
];

/** A block signed by the validators whose flags say commit (2), nil (3) or absent (1). */
function signedBlock(flags = [2, 2, 2, 2]): SequencerBlock {
  const batches = groupByRollup([
    { rollupId: a, data: utf8("a1") },
    { rollupId: b, data: utf8("b1") },
    { rollupId: a, data: utf8("a2") },
  ]);
  const commitmentTx = encodeCommitmentTx(blockCommitment(batches));
  const txs = [commitmentTx, utf8("user tx bytes")];
  const header: Header = {
    version: { block: 11n, app: 1n },
    chainId: CHAIN,
    height: 7n,
    time: { seconds: 1_795_000_000n, nanos: 123_456_789 },
    lastBlockId: {
      hash: new Uint8Array(32).fill(1),
      partSetHeader: { total: 1, hash: new Uint8Array(32).fill(2) },
    },
    lastCommitHash: new Uint8Array(32).fill(3),
    dataHash: dataHash(txs),
    validatorsHash: validatorSetHash(validators),
    nextValidatorsHash: validatorSetHash(validators),
    consensusHash: new Uint8Array(32).fill(4),
    appHash: new Uint8Array(32).fill(5),
    lastResultsHash: new Uint8Array(32).fill(6),
    evidenceHash: new Uint8Array(32).fill(7),
    proposerAddress: validators[0]!.address,
  };
  const commit: Commit = {
    height: 7n,
    round: 0,
    blockId: { hash: headerHash(header), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(8) } },
    signatures: [],
  };
  commit.signatures = flags.map((flag, i) => {
    const sig = {
      blockIdFlag: flag,
      validatorAddress: flag === 1 ? new Uint8Array() : validators[i]!.address,
      timestamp: { seconds: 1_795_000_001n, nanos: i },
      signature: new Uint8Array(),
    };
    if (flag === 2) sig.signature = ed25519.sign(precommitSignBytes(CHAIN, commit, sig), keys[i]!);
    return sig;
  });
  return {
    header,
    commit,
    validators,
    commitmentTx,
    commitmentProof: toProofMessage(txProof(txs, 0)),
    rollups: rollupDataMessages(batches),
  };
}

const verify = (block: SequencerBlock) => verifySequencerBlock(block, { chainId: CHAIN });

describe("SequencerBlock verification", () => {
  it("accepts an honest block, also after a protobuf round trip", () => {
    const block = signedBlock();
    assert.equal(verify(block).height, 7n);
    assert.equal(verify(SequencerBlockCodec.decode(SequencerBlockCodec.encode(block))).height, 7n);
  });

  it("needs more than 2/3 of the power to have signed", () => {
    assert.equal(verify(signedBlock([2, 2, 2, 3])).height, 7n);
    assert.throws(() => verify(signedBlock([2, 2, 1, 3])), CommitVerificationError);
  });

  it("refuses forged signatures, other chains, and validator sets the header does not name", () => {
    const forged = signedBlock();
    forged.commit.signatures[1]!.signature = ed25519.sign(utf8("something else"), keys[1]!);
    assert.throws(() => verify(forged), /signature 1 .* is invalid/);
    assert.throws(() => verifySequencerBlock(signedBlock(), { chainId: "other" }), CommitVerificationError);
    const swapped = signedBlock();
    swapped.validators = [...validators].reverse();
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

  it("gives each rollup exactly its items, or proves it had none", () => {
    const block = signedBlock();
    const options = { chainId: CHAIN };
    assert.deepEqual(verifyRollupSlice(sliceForRollup(block, a), a, options).items, [utf8("a1"), utf8("a2")]);
    assert.deepEqual(verifyRollupSlice(sliceForRollup(block, absent), absent, options).items, []);

    const hidden = sliceForRollup(block, b);
    hidden.rollup = null;
    assert.throws(() => verifyRollupSlice(hidden, b, options), /left out/);
    const shortened = sliceForRollup(block, a);
    shortened.rollup!.items = [utf8("a1")];
    assert.throws(() => verifyRollupSlice(shortened, a, options), SequencerBlockError);
    const lied = sliceForRollup(block, b);
    lied.rollupIds = lied.rollupIds.filter((id) => id !== b);
    lied.rollup = null;
    assert.throws(() => verifyRollupSlice(lied, b, options), /id list/);
  });
});
