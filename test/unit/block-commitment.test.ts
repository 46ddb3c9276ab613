import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, describe, it } from "node:test";
import { commitmentTxFor } from "../../chain/app/block-layout.js";
import { blockRequest, type InProcessApp, inProcessApp } from "../../chain/app/in-process.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import {
  blockCommitment,
  commitmentOfItems,
  decodeCommitmentTx,
  encodeCommitmentTx,
  groupByRollup,
  rollupBatchProof,
  rollupLeaf,
  verifyRollupIds,
} from "../../core/block-commitment.js";
import { utf8 } from "../../core/bytes.js";
import { merkleLeaf, merkleProof, merkleProofs, merkleRoot, verifyMerkleProof } from "../../core/merkle.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";

const h = (...parts: Uint8Array[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};
const items = (n: number) => Array.from({ length: n }, (_, i) => utf8(`item ${i}`));

describe("CometBFT's simple Merkle tree", () => {
  it("matches the RFC 6962 shape for small trees", () => {
    const [a, b, c] = items(3);
    const leaf = (x: Uint8Array) => h(Uint8Array.of(0), x);
    const inner = (l: Uint8Array, r: Uint8Array) => h(Uint8Array.of(1), l, r);
    assert.deepEqual(merkleRoot([]), h(new Uint8Array()));
    assert.deepEqual(merkleRoot([a!]), leaf(a!));
    // Three items split 2 + 1: the largest power of two below the count goes left.
    assert.deepEqual(merkleRoot([a!, b!, c!]), inner(inner(leaf(a!), leaf(b!)), leaf(c!)));
  });

  it("proves every item of trees of 1 to 33 items, and nothing else", () => {
    for (let total = 1; total <= 33; total++) {
      const all = items(total);
      const root = merkleRoot(all);
      for (let index = 0; index < total; index++) {
        const proof = merkleProof(all, index);
        assert.ok(verifyMerkleProof(root, all[index]!, proof), `${index} of ${total}`);
        assert.ok(!verifyMerkleProof(root, utf8("other"), proof));
        assert.deepEqual(merkleProofs(all)[index], proof, "the one-pass proofs are the same proofs");
        if (total > 1) {
          assert.ok(!verifyMerkleProof(root, all[index]!, { ...proof, index: (index + 1) % total }));
          assert.ok(!verifyMerkleProof(root, all[index]!, { ...proof, aunts: proof.aunts.slice(1) }));
        }
      }
    }
  });
});

describe("block commitment", () => {
  const ids = ["b", "a", "c"].map(rollupIdFromName);
  const blockItems = [
    { rollupId: ids[0]!, data: utf8("b1") },
    { rollupId: ids[1]!, data: utf8("a1") },
    { rollupId: ids[0]!, data: utf8("b2") },
    { rollupId: ids[2]!, data: utf8("c1") },
  ];

  it("groups by rollup id, keeps block order inside a rollup, and proves each batch", () => {
    const batches = groupByRollup(blockItems);
    const sortedIds = [...ids].sort(Buffer.compare);
    assert.deepEqual(
      batches.map((batch) => batch.rollupId),
      sortedIds,
    );
    const b = batches.find((batch) => Buffer.from(batch.rollupId).equals(ids[0]!))!;
    assert.deepEqual(b.items, [utf8("b1"), utf8("b2")]);
    const commitment = blockCommitment(batches);
    batches.forEach((batch, index) => {
      assert.ok(
        verifyMerkleProof(commitment.rollupDataRoot, rollupLeaf(batch), rollupBatchProof(batches, index)),
      );
    });
    const dropped = { ...b, items: [utf8("b1")] };
    const proof = rollupBatchProof(batches, batches.indexOf(b));
    assert.ok(!verifyMerkleProof(commitment.rollupDataRoot, rollupLeaf(dropped), proof), "an item left out");
    assert.ok(verifyRollupIds(commitment, sortedIds));
    assert.ok(!verifyRollupIds(commitment, sortedIds.slice(1)), "a rollup hidden from the id list");
    assert.ok(!verifyRollupIds(commitment, [...sortedIds].reverse()), "ids out of order");
  });

  it("computes the same commitment from items whose leaves were hashed ahead", () => {
    const withLeaves = blockItems.map((item) => ({ ...item, leaf: merkleLeaf(item.data) }));
    const expected = blockCommitment(groupByRollup(blockItems));
    assert.deepEqual(commitmentOfItems(withLeaves), expected);
    assert.deepEqual(commitmentOfItems(blockItems), expected);
  });

  it("round-trips the commitment tx and refuses other bytes", () => {
    const commitment = blockCommitment(groupByRollup(blockItems));
    const tx = encodeCommitmentTx(commitment);
    assert.deepEqual(decodeCommitmentTx(tx), commitment);
    assert.throws(() => decodeCommitmentTx(tx.subarray(1)));
    assert.throws(() => decodeCommitmentTx(tx.subarray(0, tx.length - 1)));
    assert.throws(() => decodeCommitmentTx(Uint8Array.of(0)));
  });
});

describe("block commitment in consensus (in process)", () => {
  const opened: InProcessApp[] = [];
  after(async () => {
    for (const app of opened) await app.close();
  });

  it("puts the commitment first and rejects proposals whose commitment is missing or wrong", async () => {
    const [proposer, validator] = [await inProcessApp(), await inProcessApp()];
    opened.push(proposer, validator);
    const signer = await testSigner(0);
    const tx = signer.signTx({
      chainId: CHAIN_ID,
      accountNumber: 0n,
      sequence: 0n,
      fee: feeFor(200_000n),
      messages: [
        sequenceMsg(signer.address, "a", utf8("one")),
        sequenceMsg(signer.address, "b", utf8("two")),
      ],
    });
    const request = blockRequest(1n, [tx]);
    const { txs } = proposer.app.prepareProposal({
      ...request,
      maxTxBytes: 1_000_000n,
      localLastCommit: { round: 0, votes: [] },
    });
    assert.equal(txs.length, 2);
    const commitment = decodeCommitmentTx(txs[0]!);
    const expected = blockCommitment(
      groupByRollup([
        { rollupId: rollupIdFromName("a"), data: utf8("one") },
        { rollupId: rollupIdFromName("b"), data: utf8("two") },
      ]),
    );
    assert.deepEqual(commitment, expected);

    const process = (blockTxs: Uint8Array[]) =>
      validator.app.processProposal(blockRequest(1n, blockTxs)).status;
    assert.equal(process([tx]), 2, "no commitment");
    assert.equal(process([commitmentTxFor([]), tx]), 2, "commitment of an empty block");
    const forged = encodeCommitmentTx({ ...commitment, rollupIdsRoot: merkleRoot([rollupIdFromName("a")]) });
    assert.equal(process([forged, tx]), 2, "a rollup hidden from the ids root");
    assert.equal(process([tx, txs[0]!]), 2, "commitment not first");
    assert.equal(process(txs), 1);
  });
});
