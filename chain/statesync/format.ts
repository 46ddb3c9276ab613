/**
 * The snapshot format (format 1). A snapshot of height H is every leaf of the state tree at H,
 * in tree order (ascending key path), cut into chunks of at most `chunkBytes`. Its metadata
 * names the chain, the height, the root and each chunk's sha256, so every chunk can be checked
 * the moment it arrives, and the snapshot's hash is the metadata's hash. Nodes with the same
 * chunk size produce byte-identical snapshots, so CometBFT can fetch chunks from any of them.
 */
import { z } from "zod";
import { bytesEqual, fromHex, toHex, utf8 } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import { keyPath } from "../../core/smt.js";

export const SNAPSHOT_FORMAT = 1;

/** Bad snapshot bytes: metadata or a chunk that cannot be what the format says. */
export class SnapshotFormatError extends Error {
  override name = "SnapshotFormatError";
}

export interface SnapshotMetadata {
  chainId: string;
  height: bigint;
  /** The state root at `height`: the app hash CometBFT's light client verified. */
  root: Uint8Array;
  /** sha256 of each chunk, in order. */
  chunkHashes: Uint8Array[];
}

export interface Leaf {
  key: Uint8Array;
  value: Uint8Array;
}

const HEX32 = z.string().regex(/^[0-9a-f]{64}$/);
const MetadataSchema = z
  .object({
    format: z.literal(SNAPSHOT_FORMAT),
    chain_id: z.string().min(1),
    height: z.string().regex(/^[1-9][0-9]*$/),
    root: HEX32,
    chunks: z.array(HEX32).min(1),
  })
  .strict();

export function encodeMetadata(metadata: SnapshotMetadata): Uint8Array {
  return utf8(
    JSON.stringify({
      format: SNAPSHOT_FORMAT,
      chain_id: metadata.chainId,
      height: metadata.height.toString(),
      root: toHex(metadata.root),
      chunks: metadata.chunkHashes.map(toHex),
    }),
  );
}

export function decodeMetadata(bytes: Uint8Array): SnapshotMetadata {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new SnapshotFormatError("snapshot metadata is not JSON");
  }
  const parsed = MetadataSchema.safeParse(json);
  if (!parsed.success) throw new SnapshotFormatError(`snapshot metadata: ${parsed.error.issues[0]?.message}`);
  const { chain_id, height, root, chunks } = parsed.data;
  return { chainId: chain_id, height: BigInt(height), root: fromHex(root), chunkHashes: chunks.map(fromHex) };
}

/** Snapshot.hash: identical snapshots, and only they, share it. */
export const snapshotHash = (metadata: Uint8Array): Uint8Array => sha256(metadata);

/** Each leaf as key length (u32), key, value length (u32), value. */
export function encodeChunk(leaves: readonly Leaf[]): Uint8Array {
  const size = leaves.reduce((sum, leaf) => sum + leafSize(leaf), 0);
  const bytes = Buffer.alloc(size);
  let offset = 0;
  for (const { key, value } of leaves) {
    offset = bytes.writeUInt32BE(key.length, offset);
    bytes.set(key, offset);
    offset = bytes.writeUInt32BE(value.length, offset + key.length);
    bytes.set(value, offset);
    offset += value.length;
  }
  return bytes;
}

export const leafSize = (leaf: Leaf): number => 8 + leaf.key.length + leaf.value.length;

/** The leaves of a chunk; throws SnapshotFormatError on truncated or trailing bytes. */
export function decodeChunk(chunk: Uint8Array): Leaf[] {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const leaves: Leaf[] = [];
  let offset = 0;
  const take = (what: string): Uint8Array => {
    if (offset + 4 > bytes.length) throw new SnapshotFormatError(`chunk truncated in a ${what} length`);
    const length = bytes.readUInt32BE(offset);
    offset += 4;
    if (offset + length > bytes.length) throw new SnapshotFormatError(`chunk truncated in a ${what}`);
    const part = new Uint8Array(bytes.subarray(offset, offset + length));
    offset += length;
    return part;
  };
  while (offset < bytes.length) leaves.push({ key: take("key"), value: take("value") });
  if (leaves.length === 0) throw new SnapshotFormatError("empty chunk");
  return leaves;
}

/** Whether `hash` is the sha256 of `chunk`. */
export const chunkMatches = (chunk: Uint8Array, hash: Uint8Array): boolean => bytesEqual(sha256(chunk), hash);

/**
 * Throws unless the leaves' key paths strictly ascend, continuing after `after` (the previous
 * chunk's last path): a chunk out of order or repeating a key is not part of an honest snapshot.
 * Returns the last path.
 */
export function assertTreeOrder(leaves: readonly Leaf[], after: Uint8Array | undefined): Uint8Array {
  let previous = after;
  for (const leaf of leaves) {
    const path = keyPath(leaf.key);
    if (previous && Buffer.compare(previous, path) >= 0)
      throw new SnapshotFormatError("chunk leaves are not in ascending tree order");
    previous = path;
  }
  return previous!;
}
