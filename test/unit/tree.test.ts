import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StateTree } from "../../chain/store/tree.js";
import { bytesEqual, utf8 } from "../../core/bytes.js";
import { decodeSmtProof, EMPTY_HASH, encodeSmtProof, SmtProofError, verifySmtProof } from "../../core/smt.js";

const noNodes = { getNode: () => undefined };

function randomEntries(count: number, seed: number): Map<string, string> {
  const entries = new Map<string, string>();
  let x = seed;
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    entries.set(`key/${x % (count * 4)}`, `value-${i}`);
  }
  return entries;
}

function rootOf(tree: StateTree, entries: Map<string, string>, order: string[]): Uint8Array {
  let root = EMPTY_HASH;
  for (const key of order) root = tree.update(root, [{ key: utf8(key), value: utf8(entries.get(key)!) }]);
  return root;
}

describe("state tree", () => {
  it("has one root per key set, whatever the insertion order or batching", () => {
    const entries = randomEntries(300, 7);
    const keys = [...entries.keys()];
    const tree = new StateTree(noNodes);
    const oneByOne = rootOf(tree, entries, keys);
    const reversed = rootOf(tree, entries, [...keys].reverse());
    const batched = tree.update(
      EMPTY_HASH,
      keys.map((key) => ({ key: utf8(key), value: utf8(entries.get(key)!) })),
    );
    assert.ok(bytesEqual(oneByOne, reversed));
    assert.ok(bytesEqual(oneByOne, batched));
    assert.ok(!bytesEqual(oneByOne, EMPTY_HASH));
  });

  it("returns to the same root after deleting what was added", () => {
    const tree = new StateTree(noNodes);
    const base = tree.update(EMPTY_HASH, [
      { key: utf8("a"), value: utf8("1") },
      { key: utf8("b"), value: utf8("2") },
    ]);
    const grown = tree.update(base, [
      { key: utf8("c"), value: utf8("3") },
      { key: utf8("d"), value: utf8("4") },
    ]);
    const shrunk = tree.update(grown, [
      { key: utf8("c"), value: undefined },
      { key: utf8("d"), value: undefined },
    ]);
    assert.ok(bytesEqual(base, shrunk));
    const empty = tree.update(shrunk, [
      { key: utf8("a"), value: undefined },
      { key: utf8("b"), value: undefined },
    ]);
    assert.ok(bytesEqual(empty, EMPTY_HASH));
  });

  it("keeps old roots readable after updates", () => {
    const tree = new StateTree(noNodes);
    const v1 = tree.update(EMPTY_HASH, [{ key: utf8("k"), value: utf8("old") }]);
    const v2 = tree.update(v1, [{ key: utf8("k"), value: utf8("new") }]);
    assert.equal(Buffer.from(tree.get(v1, utf8("k"))!).toString(), "old");
    assert.equal(Buffer.from(tree.get(v2, utf8("k"))!).toString(), "new");
  });

  it("proves membership and absence, and rejects tampered proofs", () => {
    const entries = randomEntries(200, 11);
    const tree = new StateTree(noNodes);
    const root = rootOf(tree, entries, [...entries.keys()]);
    for (const [key, value] of [...entries].slice(0, 50)) {
      const { value: found, proof } = tree.prove(root, utf8(key));
      assert.equal(Buffer.from(found!).toString(), value);
      const decoded = decodeSmtProof(encodeSmtProof(proof));
      verifySmtProof(root, utf8(key), utf8(value), decoded);
      assert.throws(() => verifySmtProof(root, utf8(key), utf8(`${value}x`), decoded), SmtProofError);
      assert.throws(() => verifySmtProof(root, utf8(key), undefined, decoded), SmtProofError);
    }
    for (let i = 0; i < 50; i++) {
      const key = utf8(`absent/${i}`);
      const { value, proof } = tree.prove(root, key);
      assert.equal(value, undefined);
      verifySmtProof(root, key, undefined, decodeSmtProof(encodeSmtProof(proof)));
      assert.throws(() => verifySmtProof(root, key, utf8("anything"), proof), SmtProofError);
    }
  });

  it("touches only log-many nodes per update", () => {
    const entries = randomEntries(4000, 3);
    const tree = new StateTree(noNodes);
    const root = tree.update(
      EMPTY_HASH,
      [...entries].map(([key, value]) => ({ key: utf8(key), value: utf8(value) })),
    );
    const before = tree.pending.size;
    tree.update(root, [{ key: utf8("one/more"), value: utf8("x") }]);
    const written = tree.pending.size - before;
    // A path in a tree of ~4000 random keys is ~12 deep; 40 nodes leaves room for unlucky prefixes.
    assert.ok(written < 40, `one update wrote ${written} nodes`);
  });
});
