/**
 * The state tree: core/smt.ts's sparse Merkle tree, stored node by node under each node's hash.
 * A batch update rewrites only the paths it touches, so its cost grows with log(state size).
 * Nodes are immutable and content-addressed, so old roots stay readable and a half-written
 * batch can never corrupt a committed one.
 */
import { bytesEqual, concatBytes } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import { EMPTY_HASH, innerHash, keyPath, leafHash, pathBit, type SmtProof } from "../../core/smt.js";

export interface NodeReader {
  getNode(hash: Uint8Array): Uint8Array | undefined;
}

interface Leaf {
  path: Uint8Array;
  key: Uint8Array;
  value: Uint8Array;
}

type DecodedNode = { kind: "leaf"; leaf: Leaf } | { kind: "inner"; left: Uint8Array; right: Uint8Array };

type Ref = { hash: Uint8Array; kind: "empty" | "leaf" | "inner" | "unknown" };

/** A change to apply: `value` undefined deletes the key. */
export interface TreeChange {
  key: Uint8Array;
  value: Uint8Array | undefined;
}

export class MissingNodeError extends Error {
  override name = "MissingNodeError";
}

const LEAF_TAG = 0;
const INNER_TAG = 1;

function encodeLeaf(leaf: Leaf): Uint8Array {
  const header = new Uint8Array(1 + 32 + 4);
  header[0] = LEAF_TAG;
  header.set(leaf.path, 1);
  new DataView(header.buffer).setUint32(33, leaf.key.length);
  return concatBytes(header, leaf.key, leaf.value);
}

function decodeNode(bytes: Uint8Array): DecodedNode {
  if (bytes[0] === INNER_TAG)
    return { kind: "inner", left: bytes.subarray(1, 33), right: bytes.subarray(33, 65) };
  const keyLength = new DataView(bytes.buffer, bytes.byteOffset + 33, 4).getUint32(0);
  return {
    kind: "leaf",
    leaf: {
      path: bytes.subarray(1, 33),
      key: bytes.subarray(37, 37 + keyLength),
      value: bytes.subarray(37 + keyLength),
    },
  };
}

const EMPTY: Ref = { hash: EMPTY_HASH, kind: "empty" };
const isEmptyHash = (hash: Uint8Array): boolean => bytesEqual(hash, EMPTY_HASH);

function comparePaths(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Reads and updates trees whose nodes live in `reader`, plus nodes written by this instance. */
export class StateTree {
  /** Nodes created by updates and not yet persisted, keyed by hex hash. */
  readonly pending = new Map<string, Uint8Array>();
  /** Nodes that updates rewrote (hex hashes): unreachable from the new root unless re-created. */
  private readonly rewritten = new Set<string>();

  /** Nodes the updates made unreachable from the new root: what a later pruning may delete. */
  orphaned(): string[] {
    return [...this.rewritten].filter((hash) => !this.pending.has(hash));
  }

  constructor(private readonly reader: NodeReader) {}

  private load(hash: Uint8Array): DecodedNode {
    const bytes = this.pending.get(Buffer.from(hash).toString("hex")) ?? this.reader.getNode(hash);
    if (!bytes) throw new MissingNodeError(`state tree node ${Buffer.from(hash).toString("hex")} is missing`);
    return decodeNode(bytes);
  }

  private store(hash: Uint8Array, bytes: Uint8Array): void {
    this.pending.set(Buffer.from(hash).toString("hex"), bytes);
  }

  get(root: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    return this.walk(root, key).value;
  }

  /** The value of `key` under `root` (undefined when absent) with a proof of it. */
  prove(root: Uint8Array, key: Uint8Array): { value: Uint8Array | undefined; proof: SmtProof } {
    return this.walk(root, key);
  }

  private walk(root: Uint8Array, key: Uint8Array): { value: Uint8Array | undefined; proof: SmtProof } {
    const path = keyPath(key);
    const siblings: Uint8Array[] = [];
    let hash = root;
    for (let depth = 0; ; depth++) {
      if (isEmptyHash(hash)) return { value: undefined, proof: { siblings } };
      const node = this.load(hash);
      if (node.kind === "leaf") {
        if (bytesEqual(node.leaf.path, path)) return { value: node.leaf.value, proof: { siblings } };
        const otherLeaf = { path: node.leaf.path, valueHash: sha256(node.leaf.value) };
        return { value: undefined, proof: { siblings, otherLeaf } };
      }
      const goRight = pathBit(path, depth) === 1;
      siblings.push(goRight ? node.left : node.right);
      hash = goRight ? node.right : node.left;
    }
  }

  /** Every key and value under `root`, in tree order (export of a whole state). */
  *entries(root: Uint8Array): Generator<{ key: Uint8Array; value: Uint8Array }> {
    const stack = [root];
    while (stack.length > 0) {
      const hash = stack.pop()!;
      if (isEmptyHash(hash)) continue;
      const node = this.load(hash);
      if (node.kind === "leaf") yield { key: node.leaf.key, value: node.leaf.value };
      else stack.push(node.right, node.left);
    }
  }

  /** Applies `changes` to the tree at `root` and returns the new root. Later changes to a key win. */
  update(root: Uint8Array, changes: readonly TreeChange[]): Uint8Array {
    const byPath = new Map<string, Leaf | { path: Uint8Array; deleted: true }>();
    for (const change of changes) {
      const path = keyPath(change.key);
      const id = Buffer.from(path).toString("hex");
      byPath.set(
        id,
        change.value === undefined ? { path, deleted: true } : { path, key: change.key, value: change.value },
      );
    }
    const sorted = [...byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
    return this.updateAt({ hash: root, kind: isEmptyHash(root) ? "empty" : "unknown" }, 0, sorted).hash;
  }

  private updateAt(
    ref: Ref,
    depth: number,
    changes: readonly (Leaf | { path: Uint8Array; deleted: true })[],
  ): Ref {
    if (changes.length === 0) return ref;
    if (ref.kind === "empty") return this.build(depth, changes.filter(isLeaf));
    const node = this.load(ref.hash);
    this.rewritten.add(Buffer.from(ref.hash).toString("hex"));
    if (node.kind === "leaf") {
      const overridden = changes.some((change) => bytesEqual(change.path, node.leaf.path));
      const merged = overridden
        ? [...changes]
        : [...changes, node.leaf].sort((a, b) => comparePaths(a.path, b.path));
      return this.build(depth, merged.filter(isLeaf));
    }
    const split = firstRightIndex(changes, depth);
    const left = this.updateAt(refOf(node.left), depth + 1, changes.slice(0, split));
    const right = this.updateAt(refOf(node.right), depth + 1, changes.slice(split));
    return this.join(left, right);
  }

  private build(depth: number, leaves: readonly Leaf[]): Ref {
    if (leaves.length === 0) return EMPTY;
    if (leaves.length === 1) {
      const leaf = leaves[0]!;
      const hash = leafHash(leaf.path, leaf.value);
      this.store(hash, encodeLeaf(leaf));
      return { hash, kind: "leaf" };
    }
    const split = firstRightIndex(leaves, depth);
    return this.join(
      this.build(depth + 1, leaves.slice(0, split)),
      this.build(depth + 1, leaves.slice(split)),
    );
  }

  /** Joins two subtrees, keeping the canonical form: a lone leaf moves up past empty siblings. */
  private join(left: Ref, right: Ref): Ref {
    if (left.kind === "empty" && right.kind === "empty") return EMPTY;
    if (left.kind === "empty" && this.kindOf(right) === "leaf") return right;
    if (right.kind === "empty" && this.kindOf(left) === "leaf") return left;
    const hash = innerHash(left.hash, right.hash);
    this.store(hash, concatBytes(Uint8Array.of(INNER_TAG), left.hash, right.hash));
    return { hash, kind: "inner" };
  }

  private kindOf(ref: Ref): Ref["kind"] {
    return ref.kind === "unknown" ? this.load(ref.hash).kind : ref.kind;
  }
}

function isLeaf(change: Leaf | { deleted: true }): change is Leaf {
  return !("deleted" in change);
}

function refOf(hash: Uint8Array): Ref {
  return isEmptyHash(hash) ? EMPTY : { hash, kind: "unknown" };
}

/** Changes are sorted by path, so those going left (bit 0) come first. */
function firstRightIndex(changes: readonly { path: Uint8Array }[], depth: number): number {
  let index = 0;
  while (index < changes.length && pathBit(changes[index]!.path, depth) === 0) index++;
  return index;
}
