/**
 * Metro's authenticated state is a binary sparse Merkle tree over sha256(key), in the canonical
 * compressed form (a subtree holding one leaf is that leaf), so the shape depends only on the
 * set of keys. These are the hashing rules and the proof verifier: pure, for anyone to use.
 */
import { bytesEqual, concatBytes } from "./bytes.js";
import { sha256 } from "./hash.js";

export const EMPTY_HASH: Uint8Array = new Uint8Array(32);
const LEAF_PREFIX = Uint8Array.of(0);
const INNER_PREFIX = Uint8Array.of(1);

export function keyPath(key: Uint8Array): Uint8Array {
  return sha256(key);
}

export function leafHash(path: Uint8Array, value: Uint8Array): Uint8Array {
  return sha256(LEAF_PREFIX, path, sha256(value));
}

export function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(INNER_PREFIX, left, right);
}

/** Bit `depth` of a 256-bit path, most significant bit first: 0 goes left, 1 goes right. */
export function pathBit(path: Uint8Array, depth: number): 0 | 1 {
  return ((path[depth >> 3]! >> (7 - (depth & 7))) & 1) as 0 | 1;
}

/**
 * A proof for one key. `siblings[i]` is the sibling hash at depth i on the key's path. The walk
 * ends at `siblings.length` in one of three ways: the key's own leaf (membership), another leaf
 * whose path shares the prefix (absence), or an empty subtree (absence).
 */
export interface SmtProof {
  siblings: Uint8Array[];
  /** Set when the walk ends at a leaf of a different key: that leaf's path and value hash. */
  otherLeaf?: { path: Uint8Array; valueHash: Uint8Array };
}

export class SmtProofError extends Error {
  override name = "SmtProofError";
}

function sharesPrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let depth = 0; depth < bits; depth++) if (pathBit(a, depth) !== pathBit(b, depth)) return false;
  return true;
}

function foldToRoot(path: Uint8Array, start: Uint8Array, siblings: readonly Uint8Array[]): Uint8Array {
  let hash = start;
  for (let depth = siblings.length - 1; depth >= 0; depth--) {
    const sibling = siblings[depth]!;
    hash = pathBit(path, depth) === 0 ? innerHash(hash, sibling) : innerHash(sibling, hash);
  }
  return hash;
}

/**
 * Checks `proof` against `root` for `key`. With `value` it proves membership of exactly that value;
 * with `undefined` it proves the key is absent. Throws SmtProofError when the proof does not hold.
 */
export function verifySmtProof(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: SmtProof,
): void {
  const path = keyPath(key);
  if (proof.siblings.length > 256) throw new SmtProofError("proof deeper than 256 levels");
  let start: Uint8Array;
  if (value !== undefined) {
    if (proof.otherLeaf) throw new SmtProofError("membership proof must end at the key's own leaf");
    start = leafHash(path, value);
  } else if (proof.otherLeaf) {
    const other = proof.otherLeaf;
    if (bytesEqual(other.path, path)) throw new SmtProofError("absence proof ends at the key's own leaf");
    if (!sharesPrefix(other.path, path, proof.siblings.length)) {
      throw new SmtProofError("absence proof ends at a leaf off the key's path");
    }
    start = sha256(LEAF_PREFIX, other.path, other.valueHash);
  } else {
    start = EMPTY_HASH;
  }
  const computed = foldToRoot(path, start, proof.siblings);
  if (!bytesEqual(computed, root)) throw new SmtProofError("proof does not lead to the expected root");
}

/** Wire form of a proof: [u16 depth][depth × 32-byte siblings][0 | 1 + path + value hash]. */
export function encodeSmtProof(proof: SmtProof): Uint8Array {
  const header = new Uint8Array(2);
  new DataView(header.buffer).setUint16(0, proof.siblings.length);
  const tail = proof.otherLeaf
    ? concatBytes(Uint8Array.of(1), proof.otherLeaf.path, proof.otherLeaf.valueHash)
    : Uint8Array.of(0);
  return concatBytes(header, ...proof.siblings, tail);
}

export function decodeSmtProof(bytes: Uint8Array): SmtProof {
  if (bytes.length < 3) throw new SmtProofError("proof too short");
  const depth = new DataView(bytes.buffer, bytes.byteOffset, 2).getUint16(0);
  const siblingsEnd = 2 + depth * 32;
  const flag = bytes[siblingsEnd];
  const expectedLength = siblingsEnd + 1 + (flag === 1 ? 64 : 0);
  if (depth > 256 || (flag !== 0 && flag !== 1) || bytes.length !== expectedLength) {
    throw new SmtProofError(`malformed proof of ${bytes.length} bytes`);
  }
  const siblings: Uint8Array[] = [];
  for (let i = 0; i < depth; i++) siblings.push(bytes.slice(2 + i * 32, 2 + (i + 1) * 32));
  if (flag === 0) return { siblings };
  return {
    siblings,
    otherLeaf: {
      path: bytes.slice(siblingsEnd + 1, siblingsEnd + 33),
      valueHash: bytes.slice(siblingsEnd + 33),
    },
  };
}
