/**
 * What a forger can do with the relayer's blobs, for the DA blob surface (in process) and the
 * forged-blob adversary (on the live DA): anyone may post in Metro's and a rollup's namespaces,
 * so a forger copies, corrupts and re-points Metro's own blobs. Pure code over BlobToSubmit.
 */
import { bytesEqual } from "../../core/bytes.js";
import { headerHash } from "../../core/comet/hashes.js";
import type { SequencerBlock } from "../../core/sequencer-block.js";
import { blobCommitment } from "../../relayer/celestia/shares.js";
import type { BlobToSubmit } from "../../relayer/da-batch.js";
import {
  BlobKind,
  DaMetadataCodec,
  decodeMetadata,
  decodeRollupBlob,
  encodeEnvelope,
  metroNamespace,
  RollupBlobCodec,
} from "../../relayer/da-format.js";

export const kindOf = (blob: BlobToSubmit, chainId: string) =>
  bytesEqual(blob.namespace, metroNamespace(chainId)) ? BlobKind.metadata : BlobKind.rollup;

/** The metadata blobs with every pointer at `from` moved to `to`: a forger re-posts both. */
export function repointed(
  blobs: BlobToSubmit[],
  chainId: string,
  from: Uint8Array,
  to: Uint8Array,
): BlobToSubmit[] {
  return blobs.map((blob) => {
    if (kindOf(blob, chainId) !== BlobKind.metadata) return blob;
    try {
      const metadata = decodeMetadata(blob.data);
      const pointers = metadata.rollupBlobs.map((p) =>
        bytesEqual(p.commitment, from) ? { ...p, commitment: to } : p,
      );
      return {
        ...blob,
        data: encodeEnvelope(
          BlobKind.metadata,
          DaMetadataCodec.encode({ ...metadata, rollupBlobs: pointers }),
        ),
      };
    } catch {
      return blob;
    }
  });
}

/** The blob with one byte in every `stride` inverted: what a corrupting relay hands on. */
export function flipped(blob: BlobToSubmit, stride = 97): BlobToSubmit {
  const data = Uint8Array.from(blob.data);
  for (let i = data.length - 1; i >= 0; i -= stride) data[i]! ^= 0xff;
  return { ...blob, data };
}

/** Bytes that are no Metro blob at all, distinct per `seed`. */
export function garbage(namespace: Uint8Array, seed: number, length = 256): BlobToSubmit {
  const data = Uint8Array.from({ length }, (_, i) => (seed * 131 + i * 31 + (i >> 3)) & 0xff);
  return { namespace, data };
}

/**
 * A well-formed rollup blob saying something Metro never sequenced: the genuine blob with its
 * first item changed (or one added where a block had none). Undefined when it does not decode.
 */
export function forgedRollupBlob(blob: BlobToSubmit): BlobToSubmit | undefined {
  let decoded: ReturnType<typeof decodeRollupBlob>;
  try {
    decoded = decodeRollupBlob(blob.data);
  } catch {
    return undefined;
  }
  const [first, ...rest] = decoded.blocks;
  if (!first) return undefined;
  const [item, ...others] = first.data.items;
  const forgedItem = item
    ? Uint8Array.from(item, (byte, i) => (i === 0 ? byte ^ 0x01 : byte))
    : Uint8Array.of(1);
  const forged = { ...first, data: { ...first.data, items: [forgedItem, ...others] } };
  const data = encodeEnvelope(
    BlobKind.rollup,
    RollupBlobCodec.encode({ ...decoded, blocks: [forged, ...rest] }),
  );
  return { ...blob, data };
}

/** The metadata re-pointed at a forged version of `target`, and that forgery; undefined when it cannot be forged. */
export function repointedAt(
  blobs: BlobToSubmit[],
  chainId: string,
  target: BlobToSubmit,
): { blobs: BlobToSubmit[]; forged: BlobToSubmit } | undefined {
  const forged = forgedRollupBlob(target);
  if (!forged) return undefined;
  const from = blobCommitment(target.namespace, target.data);
  const to = blobCommitment(forged.namespace, forged.data);
  const replaced = blobs.map((blob) => (blob === target ? forged : blob));
  return { blobs: repointed(replaced, chainId, from, to), forged };
}

/** Whether a block the DA reader returned is the one Metro made, with exactly its items for the rollup. */
export function asMade(
  read: { items: Uint8Array[]; block: { headerHash: Uint8Array } },
  original: SequencerBlock | undefined,
  rollupId: Uint8Array,
): boolean {
  const expected = original?.rollups.find((r) => bytesEqual(r.rollupId, rollupId))?.items ?? [];
  return (
    original !== undefined &&
    bytesEqual(read.block.headerHash, headerHash(original.header)) &&
    read.items.length === expected.length &&
    read.items.every((item, i) => bytesEqual(item, expected[i]!))
  );
}
