/**
 * Turns a run of SequencerBlocks into blob submissions that fit Celestia's limits: one metadata
 * blob and the rollup blobs it points to per submission. A run whose metadata would not fit is
 * halved; a rollup's data that would not fit in one blob is split by items into parts.
 */
import { toHex } from "../core/bytes.js";
import { type RollupDataMessage, type SequencerBlock, signedPartOf } from "../core/sequencer-block.js";
import { blobCommitment } from "./celestia/shares.js";
import {
  BlobKind,
  type BlockSummary,
  DaMetadataCodec,
  encodeEnvelope,
  metroNamespace,
  RollupBlobCodec,
  type RollupBlobPointer,
  type RollupBlockData,
  rollupNamespace,
} from "./da-format.js";

export interface BlobToSubmit {
  namespace: Uint8Array;
  data: Uint8Array;
}

export interface Submission {
  firstHeight: bigint;
  lastHeight: bigint;
  blobs: BlobToSubmit[];
  /** Encoded bytes before and after compression, to report the ratio. */
  rawBytes: number;
  compressedBytes: number;
}

export class BatchTooLargeError extends Error {
  override name = "BatchTooLargeError";
}

export interface BatchLimits {
  /** Largest blob, in bytes, after encoding. */
  maxBlobBytes: number;
}

export function summarize(block: SequencerBlock): BlockSummary {
  return { ...signedPartOf(block), rollupIds: block.rollups.map((r) => r.rollupId) };
}

/** Splits one height's data of one rollup into parts whose items fit `budget` bytes each. */
function parts(height: bigint, data: RollupDataMessage, budget: number): RollupBlockData[] {
  const out: RollupBlockData[] = [];
  const totalItems = data.items.length;
  let first = 0;
  while (first < totalItems) {
    let bytes = 0;
    let end = first;
    while (end < totalItems && (end === first || bytes + data.items[end]!.length <= budget)) {
      bytes += data.items[end]!.length + 8;
      end++;
    }
    out.push({
      height,
      data: { ...data, items: data.items.slice(first, end) },
      firstItem: first,
      totalItems,
    });
    first = end;
  }
  return out;
}

function packRollupBlobs(rollupId: Uint8Array, entries: RollupBlockData[], limits: BatchLimits) {
  const budget = Math.floor(limits.maxBlobBytes * 0.9);
  const blobs: RollupBlockData[][] = [[]];
  let size = 0;
  for (const entry of entries) {
    for (const part of parts(entry.height, entry.data, budget)) {
      const partBytes = RollupBlobCodec.encode({ rollupId, blocks: [part] }).length;
      if (size > 0 && size + partBytes > budget) {
        blobs.push([]);
        size = 0;
      }
      blobs[blobs.length - 1]!.push(part);
      size += partBytes;
    }
  }
  return blobs.map((blocks) => RollupBlobCodec.encode({ rollupId, blocks }));
}

function buildSubmission(
  chainId: string,
  blocks: readonly SequencerBlock[],
  limits: BatchLimits,
): Submission {
  const byRollup = new Map<string, { rollupId: Uint8Array; entries: RollupBlockData[] }>();
  for (const block of blocks) {
    for (const data of block.rollups) {
      const key = toHex(data.rollupId);
      const group = byRollup.get(key) ?? { rollupId: data.rollupId, entries: [] };
      group.entries.push({ height: block.header.height, data, firstItem: 0, totalItems: data.items.length });
      byRollup.set(key, group);
    }
  }
  const blobs: BlobToSubmit[] = [];
  const pointers: RollupBlobPointer[] = [];
  let rawBytes = 0;
  for (const { rollupId, entries } of byRollup.values()) {
    const namespace = rollupNamespace(rollupId);
    for (const payload of packRollupBlobs(rollupId, entries, limits)) {
      const data = encodeEnvelope(BlobKind.rollup, payload);
      if (data.length > limits.maxBlobBytes)
        throw new BatchTooLargeError("a rollup blob part is over the limit");
      rawBytes += payload.length;
      blobs.push({ namespace, data });
      pointers.push({ rollupId, namespace, commitment: blobCommitment(namespace, data) });
    }
  }
  const metadata = DaMetadataCodec.encode({ chainId, blocks: blocks.map(summarize), rollupBlobs: pointers });
  const metadataBlob = encodeEnvelope(BlobKind.metadata, metadata);
  if (metadataBlob.length > limits.maxBlobBytes) {
    throw new BatchTooLargeError(`metadata for ${blocks.length} blocks is ${metadataBlob.length} bytes`);
  }
  rawBytes += metadata.length;
  blobs.unshift({ namespace: metroNamespace(chainId), data: metadataBlob });
  return {
    firstHeight: blocks[0]!.header.height,
    lastHeight: blocks[blocks.length - 1]!.header.height,
    blobs,
    rawBytes,
    compressedBytes: blobs.reduce((sum, blob) => sum + blob.data.length, 0),
  };
}

/** Submissions for consecutive `blocks`, in height order; halves the run until each fits. */
export function planSubmissions(
  chainId: string,
  blocks: readonly SequencerBlock[],
  limits: BatchLimits,
): Submission[] {
  if (blocks.length === 0) return [];
  try {
    return [buildSubmission(chainId, blocks, limits)];
  } catch (error) {
    if (!(error instanceof BatchTooLargeError) || blocks.length === 1) throw error;
    const half = Math.ceil(blocks.length / 2);
    return [
      ...planSubmissions(chainId, blocks.slice(0, half), limits),
      ...planSubmissions(chainId, blocks.slice(half), limits),
    ];
  }
}
