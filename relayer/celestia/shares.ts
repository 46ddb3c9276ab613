/**
 * Celestia blob share commitments, computed as celestia-app and celestia-node compute them
 * (go-square v3 `inclusion.CreateCommitment` over nmt subtree roots, combined with CometBFT's
 * `merkle.HashFromByteSlices`). Metro's client uses it to refuse a blob whose commitment does not
 * match its data, and Metro's embedded DA uses it so that the commitments it hands out are the ones
 * a real celestia-node would give for the same blob.
 *
 * Layout of a sparse (blob) share, 512 bytes:
 *   namespace (29) | info byte (1) | [first share only: sequence length u32 BE (4)]
 *   | [first share of a share version 1 blob only: signer (20)] | data | zero padding
 */
import { concatBytes } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import { merkleRoot } from "../../core/merkle.js";

export const NAMESPACE_VERSION_SIZE = 1;
export const NAMESPACE_ID_SIZE = 28;
export const NAMESPACE_SIZE = NAMESPACE_VERSION_SIZE + NAMESPACE_ID_SIZE;
export const NAMESPACE_VERSION_ZERO = 0;
export const NAMESPACE_VERSION_MAX = 255;
/** Version 0 ids must start with this many zero bytes, leaving 10 bytes to the user. */
export const NAMESPACE_VERSION_ZERO_PREFIX_SIZE = 18;
export const NAMESPACE_VERSION_ZERO_ID_SIZE = NAMESPACE_ID_SIZE - NAMESPACE_VERSION_ZERO_PREFIX_SIZE;

export const SHARE_SIZE = 512;
export const SHARE_INFO_BYTES = 1;
export const SEQUENCE_LEN_BYTES = 4;
export const SIGNER_SIZE = 20;
export const SHARE_VERSION_ZERO = 0;
/** Share version 1 ("authored blobs") carries the 20-byte signer address in the first share. */
export const SHARE_VERSION_ONE = 1;
export const MAX_SHARE_VERSION = 127;
export const FIRST_SPARSE_SHARE_CONTENT_SIZE =
  SHARE_SIZE - NAMESPACE_SIZE - SHARE_INFO_BYTES - SEQUENCE_LEN_BYTES;
export const FIRST_SPARSE_SHARE_CONTENT_SIZE_WITH_SIGNER = FIRST_SPARSE_SHARE_CONTENT_SIZE - SIGNER_SIZE;
export const CONTINUATION_SPARSE_SHARE_CONTENT_SIZE = SHARE_SIZE - NAMESPACE_SIZE - SHARE_INFO_BYTES;

/**
 * celestia-app's appconsts.SubtreeRootThreshold. Light clients (e.g. Lumina) hard-code it too, and
 * celestia-app has a test pinning it, so a commitment made with it stays valid across app versions.
 */
export const SUBTREE_ROOT_THRESHOLD = 64;
export const COMMITMENT_SIZE = 32;

/** A namespace that is malformed, of an unsupported version, or reserved for the protocol. */
export class NamespaceError extends Error {
  override name = "NamespaceError";
}

/** A blob that Celestia would refuse to build: empty or oversized data, bad share version or signer. */
export class BlobError extends Error {
  override name = "BlobError";
}

function reservedNamespace(version: number, fill: number, lastByte: number): Uint8Array {
  const ns = new Uint8Array(NAMESPACE_SIZE).fill(fill);
  ns[0] = version;
  ns[NAMESPACE_SIZE - 1] = lastByte;
  return ns;
}

// Everything at or below this (version 0, id 0x00…00FF) belongs to the state machine: txs, PFBs, padding.
const MAX_PRIMARY_RESERVED_NAMESPACE = reservedNamespace(NAMESPACE_VERSION_ZERO, 0x00, 0xff);
// Everything at or above this (version 255, id 0xFF…FF00) is tail padding and parity shares.
const MIN_SECONDARY_RESERVED_NAMESPACE = reservedNamespace(NAMESPACE_VERSION_MAX, 0xff, 0x00);

/** Lexicographic byte order, as Go's bytes.Compare (namespaces are ordered this way in the square). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function toHexString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Whether a 29-byte namespace lies in one of the two ranges Celestia keeps for the protocol. */
export function isReservedNamespace(ns: Uint8Array): boolean {
  return (
    compareBytes(ns, MAX_PRIMARY_RESERVED_NAMESPACE) <= 0 ||
    compareBytes(ns, MIN_SECONDARY_RESERVED_NAMESPACE) >= 0
  );
}

/**
 * Checks a namespace received from outside the way celestia-app checks a blob's namespace
 * (go-square `Namespace.ValidateForBlob`): 29 bytes, version 0 (the only version users may submit
 * blobs to, even though 255 is a valid namespace version for the protocol's own shares), the 18
 * leading zero bytes of a version 0 id, and not reserved.
 */
export function validateNamespace(ns: Uint8Array): void {
  if (ns.length !== NAMESPACE_SIZE) {
    throw new NamespaceError(`a namespace must be ${NAMESPACE_SIZE} bytes, got ${ns.length}`);
  }
  const version = ns[0]!;
  if (version !== NAMESPACE_VERSION_ZERO) {
    throw new NamespaceError(`namespace version ${version} is not supported for blobs (only version 0 is)`);
  }
  for (let i = NAMESPACE_VERSION_SIZE; i < NAMESPACE_VERSION_SIZE + NAMESPACE_VERSION_ZERO_PREFIX_SIZE; i++) {
    if (ns[i] !== 0) {
      throw new NamespaceError(
        `a version 0 namespace id must start with ${NAMESPACE_VERSION_ZERO_PREFIX_SIZE} zero bytes: ${toHexString(ns)}`,
      );
    }
  }
  if (isReservedNamespace(ns)) {
    throw new NamespaceError(
      `namespace ${toHexString(ns)} is reserved for the protocol (a version 0 id must not start with 9 zero bytes)`,
    );
  }
}

/**
 * The version 0 namespace for a 10-byte user id: 0x00, 18 zero bytes, then the id. Unlike Go's
 * NewV0Namespace it does not left-pad short ids, so that a truncated id is caught rather than silently
 * becoming another namespace.
 */
export function namespaceV0(id: Uint8Array): Uint8Array {
  if (id.length !== NAMESPACE_VERSION_ZERO_ID_SIZE) {
    throw new NamespaceError(
      `a version 0 namespace id must be ${NAMESPACE_VERSION_ZERO_ID_SIZE} bytes, got ${id.length}`,
    );
  }
  const ns = new Uint8Array(NAMESPACE_SIZE);
  ns.set(id, NAMESPACE_SIZE - NAMESPACE_VERSION_ZERO_ID_SIZE);
  validateNamespace(ns);
  return ns;
}

function checkBlob(namespace: Uint8Array, data: Uint8Array, shareVersion: number, signer?: Uint8Array): void {
  validateNamespace(namespace);
  // go-square's NewBlob refuses empty data, so no empty blob ever gets a commitment.
  if (data.length === 0) throw new BlobError("blob data must not be empty");
  // The sequence length is a u32 in the first share.
  if (data.length > 0xffffffff) throw new BlobError(`blob of ${data.length} bytes does not fit a u32 length`);
  switch (shareVersion) {
    case SHARE_VERSION_ZERO:
      if (signer !== undefined) throw new BlobError("share version 0 does not carry a signer");
      return;
    case SHARE_VERSION_ONE:
      if (signer === undefined || signer.length !== SIGNER_SIZE) {
        throw new BlobError(
          `share version 1 requires a ${SIGNER_SIZE}-byte signer, got ${signer?.length ?? "none"}`,
        );
      }
      return;
    default:
      throw new BlobError(`share version ${shareVersion} is not supported (only 0 and 1 are)`);
  }
}

/** Info byte: 7 bits of share version, then 1 for the first share of a sequence. */
function infoByte(shareVersion: number, sequenceStart: boolean): number {
  return (shareVersion << 1) | (sequenceStart ? 1 : 0);
}

/** How many sparse shares a blob of `sequenceLength` bytes takes (go-square SparseSharesNeeded). */
export function sparseSharesNeeded(sequenceLength: number, hasSigner = false): number {
  if (!Number.isSafeInteger(sequenceLength) || sequenceLength < 0) {
    throw new RangeError(`invalid sequence length ${sequenceLength}`);
  }
  if (sequenceLength === 0) return 0;
  const first = hasSigner ? FIRST_SPARSE_SHARE_CONTENT_SIZE_WITH_SIGNER : FIRST_SPARSE_SHARE_CONTENT_SIZE;
  if (sequenceLength <= first) return 1;
  return 1 + Math.ceil((sequenceLength - first) / CONTINUATION_SPARSE_SHARE_CONTENT_SIZE);
}

/**
 * Splits a blob into the sparse shares it occupies in the data square, byte for byte as go-square's
 * SparseShareSplitter does. `signer` is required for share version 1 and refused for version 0.
 */
export function splitBlobIntoShares(
  namespace: Uint8Array,
  data: Uint8Array,
  shareVersion: number = SHARE_VERSION_ZERO,
  signer?: Uint8Array,
): Uint8Array[] {
  checkBlob(namespace, data, shareVersion, signer);
  const shares: Uint8Array[] = [];
  // Shares start zero-filled, which is the padding Celestia puts after the last data byte.
  const first = new Uint8Array(SHARE_SIZE);
  first.set(namespace, 0);
  first[NAMESPACE_SIZE] = infoByte(shareVersion, true);
  new DataView(first.buffer).setUint32(NAMESPACE_SIZE + SHARE_INFO_BYTES, data.length);
  let offset = NAMESPACE_SIZE + SHARE_INFO_BYTES + SEQUENCE_LEN_BYTES;
  if (shareVersion === SHARE_VERSION_ONE && signer !== undefined) {
    first.set(signer, offset);
    offset += SIGNER_SIZE;
  }
  let cursor = Math.min(data.length, SHARE_SIZE - offset);
  first.set(data.subarray(0, cursor), offset);
  shares.push(first);
  while (cursor < data.length) {
    const share = new Uint8Array(SHARE_SIZE);
    share.set(namespace, 0);
    share[NAMESPACE_SIZE] = infoByte(shareVersion, false);
    const end = Math.min(data.length, cursor + CONTINUATION_SPARSE_SHARE_CONTENT_SIZE);
    share.set(data.subarray(cursor, end), NAMESPACE_SIZE + SHARE_INFO_BYTES);
    cursor = end;
    shares.push(share);
  }
  return shares;
}

function checkCount(value: number, what: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`invalid ${what} ${value}`);
}

/** The smallest power of two ≥ `input` (1 for input ≤ 1), as go-square's RoundUpPowerOfTwo. */
export function roundUpPowerOfTwo(input: number): number {
  let result = 1;
  // Multiplying rather than shifting keeps this exact beyond 2^31.
  while (result < input) result *= 2;
  return result;
}

/** The largest power of two ≤ `input`; input must be positive. */
export function roundDownPowerOfTwo(input: number): number {
  checkCount(input, "input to roundDownPowerOfTwo", 1);
  const up = roundUpPowerOfTwo(input);
  return up === input ? up : up / 2;
}

/** The width of the smallest square that can hold `shareCount` shares. */
export function blobMinSquareSize(shareCount: number): number {
  return roundUpPowerOfTwo(Math.ceil(Math.sqrt(shareCount)));
}

/**
 * Leaves per subtree of a blob's commitment (ADR-013): large enough that the blob needs at most about
 * `threshold` subtree roots, a power of two, and never wider than the blob's minimum square.
 */
export function subtreeWidth(shareCount: number, threshold: number): number {
  checkCount(shareCount, "share count", 0);
  checkCount(threshold, "subtree root threshold", 1);
  const width = Math.ceil(shareCount / threshold);
  return Math.min(roundUpPowerOfTwo(width), blobMinSquareSize(shareCount));
}

/**
 * Sizes of the trees of a merkle mountain range over `total` leaves: full trees of `maxTreeSize`,
 * then ever smaller powers of two for the rest.
 */
export function merkleMountainRangeSizes(total: number, maxTreeSize: number): number[] {
  checkCount(total, "total size", 0);
  // Go would loop forever on a zero max tree size.
  checkCount(maxTreeSize, "max tree size", 1);
  const sizes: number[] = [];
  let left = total;
  while (left !== 0) {
    const size = left >= maxTreeSize ? maxTreeSize : roundDownPowerOfTwo(left);
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

export interface NmtOptions {
  /** Namespace length in bytes; Celestia uses 29. */
  namespaceSize?: number;
  /**
   * Whether a right subtree that holds only the maximum namespace (parity shares) is left out of a
   * node's max namespace. Celestia sets it everywhere, so it is the default.
   */
  ignoreMaxNamespace?: boolean;
}

const NMT_LEAF_PREFIX = Uint8Array.of(0);
const NMT_NODE_PREFIX = Uint8Array.of(1);

/**
 * Root of a namespaced Merkle tree (celestiaorg/nmt with sha256) over leaves that each start with
 * their namespace. A node is minNs ‖ maxNs ‖ sha256: a leaf hashes 0x00 ‖ leaf, an inner node
 * 0x01 ‖ left ‖ right, and no leaves give 2·namespaceSize zero bytes ‖ sha256("").
 */
export function nmtRoot(leaves: readonly Uint8Array[], options: NmtOptions = {}): Uint8Array {
  const nsSize = options.namespaceSize ?? NAMESPACE_SIZE;
  const ignoreMaxNamespace = options.ignoreMaxNamespace ?? true;
  checkCount(nsSize, "namespace size", 1);
  if (leaves.length === 0) return concatBytes(new Uint8Array(2 * nsSize), sha256(new Uint8Array()));
  const maxNamespace = new Uint8Array(nsSize).fill(0xff);
  let previous: Uint8Array | undefined;
  const nodes = leaves.map((leaf, i) => {
    if (leaf.length < nsSize)
      throw new RangeError(`nmt leaf ${i} is shorter than its ${nsSize}-byte namespace`);
    const ns = leaf.subarray(0, nsSize);
    // nmt refuses leaves out of namespace order: the min/max bounds would lie otherwise.
    if (previous !== undefined && compareBytes(ns, previous) < 0) {
      throw new RangeError(`nmt leaf ${i} has a namespace below the previous leaf's`);
    }
    previous = ns;
    return concatBytes(ns, ns, sha256(NMT_LEAF_PREFIX, leaf));
  });
  const node = (from: number, to: number): Uint8Array => {
    if (to - from === 1) return nodes[from]!;
    let split = 1;
    while (split * 2 < to - from) split *= 2;
    const left = node(from, from + split);
    const right = node(from + split, to);
    const rightMin = right.subarray(0, nsSize);
    const max =
      ignoreMaxNamespace && compareBytes(rightMin, maxNamespace) === 0
        ? left.subarray(nsSize, 2 * nsSize)
        : right.subarray(nsSize, 2 * nsSize);
    return concatBytes(left.subarray(0, nsSize), max, sha256(NMT_NODE_PREFIX, left, right));
  };
  return node(0, nodes.length);
}

export interface BlobCommitmentOptions {
  shareVersion?: number;
  /** The 20-byte signer address, for share version 1 only. */
  signer?: Uint8Array;
  threshold?: number;
}

/**
 * The nmt roots of the subtrees a blob's commitment is made of, in order. Each leaf is the blob's
 * namespace followed by the whole share (which itself starts with the namespace): Celestia's NMT
 * wrapper prefixes every share with a namespace so parity shares can carry the parity namespace, and
 * the commitment has to hash the same leaves for its subtree roots to be found in the square.
 */
export function blobSubtreeRoots(
  namespace: Uint8Array,
  data: Uint8Array,
  options: BlobCommitmentOptions = {},
): Uint8Array[] {
  const shares = splitBlobIntoShares(
    namespace,
    data,
    options.shareVersion ?? SHARE_VERSION_ZERO,
    options.signer,
  );
  const width = subtreeWidth(shares.length, options.threshold ?? SUBTREE_ROOT_THRESHOLD);
  const roots: Uint8Array[] = [];
  let cursor = 0;
  for (const size of merkleMountainRangeSizes(shares.length, width)) {
    const leaves = shares.slice(cursor, cursor + size).map((share) => concatBytes(namespace, share));
    roots.push(nmtRoot(leaves));
    cursor += size;
  }
  return roots;
}

/**
 * The 32-byte share commitment of a blob: CometBFT's simple Merkle root over its subtree roots, with
 * celestia-app's subtree root threshold unless told otherwise.
 */
export function blobCommitment(
  namespace: Uint8Array,
  data: Uint8Array,
  options: BlobCommitmentOptions = {},
): Uint8Array {
  return merkleRoot(blobSubtreeRoots(namespace, data, options));
}
