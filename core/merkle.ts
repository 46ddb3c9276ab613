/**
 * CometBFT's simple Merkle tree (crypto/merkle, RFC 6962 style): sha256 with a 0x00 prefix for
 * leaves and 0x01 for inner nodes, split at the largest power of two below the item count, and
 * sha256("") for no items. A block's `data_hash` is this root over sha256 of each tx, which is
 * how Metro proves a tx is in a block; Metro's own block commitments use the same tree.
 */
import { bytesEqual } from "./bytes.js";
import { sha256 } from "./hash.js";

const LEAF = Uint8Array.of(0);
const INNER = Uint8Array.of(1);

/** An item's position and the sibling hashes from its leaf up to the root. */
export interface MerkleProof {
  total: number;
  index: number;
  aunts: Uint8Array[];
}

export function merkleLeaf(item: Uint8Array): Uint8Array {
  return sha256(LEAF, item);
}

function merkleInner(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(INNER, left, right);
}

/** The largest power of two strictly below `length` (length ≥ 2). */
function splitPoint(length: number): number {
  let k = 1;
  while (k * 2 < length) k *= 2;
  return k;
}

function rootOfLeaves(leaves: readonly Uint8Array[], from: number, to: number): Uint8Array {
  const count = to - from;
  if (count === 1) return leaves[from]!;
  const k = splitPoint(count);
  return merkleInner(rootOfLeaves(leaves, from, from + k), rootOfLeaves(leaves, from + k, to));
}

export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  return merkleRootOfLeaves(items.map(merkleLeaf));
}

/** The root over leaves already hashed with `merkleLeaf` (callers that hashed them earlier). */
export function merkleRootOfLeaves(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array());
  return rootOfLeaves(leaves, 0, leaves.length);
}

export function merkleProof(items: readonly Uint8Array[], index: number): MerkleProof {
  if (!Number.isInteger(index) || index < 0 || index >= items.length) {
    throw new RangeError(`no item ${index} among ${items.length}`);
  }
  const leaves = items.map(merkleLeaf);
  const aunts: Uint8Array[] = [];
  let from = 0;
  let to = leaves.length;
  // Walk down from the root, then list the siblings leaf-first, as CometBFT does.
  while (to - from > 1) {
    const k = splitPoint(to - from);
    if (index < from + k) {
      aunts.push(rootOfLeaves(leaves, from + k, to));
      to = from + k;
    } else {
      aunts.push(rootOfLeaves(leaves, from, from + k));
      from += k;
    }
  }
  return { total: items.length, index, aunts: aunts.reverse() };
}

/** Proofs of every item at once: one pass over the tree instead of one per item. */
export function merkleProofs(items: readonly Uint8Array[]): MerkleProof[] {
  const leaves = items.map(merkleLeaf);
  const aunts: Uint8Array[][] = leaves.map(() => []);
  const walk = (from: number, to: number): Uint8Array => {
    if (to - from === 1) return leaves[from]!;
    const k = splitPoint(to - from);
    const left = walk(from, from + k);
    const right = walk(from + k, to);
    // Leaf-first order: deeper siblings were pushed by the recursive calls already.
    for (let i = from; i < from + k; i++) aunts[i]!.push(right);
    for (let i = from + k; i < to; i++) aunts[i]!.push(left);
    return merkleInner(left, right);
  };
  if (leaves.length > 0) walk(0, leaves.length);
  return aunts.map((list, index) => ({ total: items.length, index, aunts: list }));
}

/** The root a proof leads to from `leafHash`, or undefined when the proof's shape is wrong. */
function rootFromAunts(
  index: number,
  total: number,
  leafHash: Uint8Array,
  aunts: readonly Uint8Array[],
): Uint8Array | undefined {
  if (index < 0 || index >= total) return undefined;
  if (total === 1) return aunts.length === 0 ? leafHash : undefined;
  if (aunts.length === 0) return undefined;
  const k = splitPoint(total);
  const rest = aunts.slice(0, -1);
  const sibling = aunts[aunts.length - 1]!;
  if (index < k) {
    const left: Uint8Array | undefined = rootFromAunts(index, k, leafHash, rest);
    return left && merkleInner(left, sibling);
  }
  const right: Uint8Array | undefined = rootFromAunts(index - k, total - k, leafHash, rest);
  return right && merkleInner(sibling, right);
}

export function verifyMerkleProof(root: Uint8Array, item: Uint8Array, proof: MerkleProof): boolean {
  if (!Number.isSafeInteger(proof.total) || proof.total < 1 || proof.aunts.length > 64) return false;
  if (proof.aunts.some((aunt) => aunt.length !== 32)) return false;
  const computed = rootFromAunts(proof.index, proof.total, merkleLeaf(item), proof.aunts);
  return computed !== undefined && bytesEqual(computed, root);
}
