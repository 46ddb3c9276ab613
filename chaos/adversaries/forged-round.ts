/**
 * One round of a rogue relayer, as data: from one genuine relayer submission (a metadata blob
 * and the rollup blobs it points to) and an older one, the submissions a forger posts, each blob
 * labelled with what it is, and the rule that says whether the DA reader refused or ignored it.
 */
import { bytesEqual, toHex } from "../../core/bytes.js";
import type { VerifyOptions } from "../../core/sequencer-block.js";
import { blobCommitment } from "../../relayer/celestia/shares.js";
import type { BlobToSubmit } from "../../relayer/da-batch.js";
import { BlobKind, decodeMetadata, decodeRollupBlob, metroNamespace } from "../../relayer/da-format.js";
import { type DaReadResult, readRollupAtDaHeight } from "../../relayer/da-reader.js";
import type { CelestiaClient } from "../../relayer/index.js";
import { flipped, garbage, kindOf, repointedAt } from "../da/forgery.js";

export type ForgeryKind = "garbage" | "flipped" | "repointed" | "replay";

export interface ForgedBlob {
  kind: ForgeryKind;
  blob: BlobToSubmit;
  /** The rollup whose namespace it is in (undefined: Metro's metadata namespace). */
  rollup?: string;
  /** What a repointed pair targets: the rollup whose reader must refuse it. */
  target?: string;
}

/** What the reader made of one DA height, per rollup, and which Metro heights it returned first there. */
export interface DaHeightReads {
  reads: Map<string, DaReadResult>;
  /** `rollup/height` of blocks no earlier DA height had returned. */
  firstSeen: Set<string>;
}

export interface RoundInput {
  chainId: string;
  /** Rollup names by namespace (hex). */
  rollupOfNamespace: Map<string, string>;
  genuine: BlobToSubmit[];
  old: BlobToSubmit[];
  round: number;
}

function label(input: RoundInput, kind: ForgeryKind, blob: BlobToSubmit, target?: string): ForgedBlob {
  const rollup = input.rollupOfNamespace.get(toHex(blob.namespace));
  return { kind, blob, ...(rollup ? { rollup } : {}), ...(target ? { target } : {}) };
}

/** The four submissions of a round: garbage, flipped bytes, re-pointed metadata, a replay. */
export function forgeRound(input: RoundInput): ForgedBlob[][] {
  const { chainId, genuine } = input;
  const metadata = genuine.filter((blob) => kindOf(blob, chainId) === BlobKind.metadata);
  const rollupBlobs = genuine.filter((blob) => kindOf(blob, chainId) === BlobKind.rollup);
  const replayed = (blobs: BlobToSubmit[]) => blobs.map((blob) => label(input, "replay", blob));
  const seed = input.round * 16;
  // The genuine metadata rides along, so readers look into the rollups' namespaces at all.
  const garbageBlobs = [
    garbage(metroNamespace(chainId), seed),
    ...rollupBlobs.map((blob, i) => garbage(blob.namespace, seed + 1 + i)),
  ];
  const submissions: ForgedBlob[][] = [
    [...replayed(metadata), ...garbageBlobs.map((blob) => label(input, "garbage", blob))],
    [...replayed(metadata), ...rollupBlobs.map((blob) => label(input, "flipped", flipped(blob)))],
  ];
  const target = rollupBlobs[input.round % Math.max(1, rollupBlobs.length)];
  const forged = target ? repointedAt(genuine, chainId, target) : undefined;
  if (target && forged) {
    const targetRollup = input.rollupOfNamespace.get(toHex(target.namespace));
    submissions.push(
      forged.blobs.map((blob) => {
        const changed = blob === forged.forged || kindOf(blob, chainId) === BlobKind.metadata;
        return label(input, changed ? "repointed" : "replay", blob, targetRollup);
      }),
    );
  }
  submissions.push(replayed(input.old));
  return submissions;
}

/** The Metro heights a genuine blob carries (metadata: its blocks; rollup blob: its parts). */
export function heightsOf(blob: BlobToSubmit, chainId: string): bigint[] {
  if (kindOf(blob, chainId) === BlobKind.metadata)
    return decodeMetadata(blob.data).blocks.map((b) => b.header?.height ?? 0n);
  return decodeRollupBlob(blob.data).blocks.map((part) => part.height);
}

/**
 * Whether the reader refused (or, for a replay, ignored) a forged blob at its DA height:
 * garbage and corrupted blobs are named as skipped, a re-pointed pair fails verification at a
 * Metro height of its target, and a replay brings no height the reader had not returned before.
 */
export function wasRefused(forged: ForgedBlob, at: DaHeightReads, chainId: string): boolean {
  const rejected = (rollup: string | undefined) => (rollup ? (at.reads.get(rollup)?.rejected ?? []) : []);
  const all = [...at.reads.values()];
  switch (forged.kind) {
    case "garbage":
    case "flipped": {
      if (!forged.rollup)
        return all.every((read) => read.rejected.some((r) => r.includes("metadata blob skipped")));
      const commitment = toHex(blobCommitment(forged.blob.namespace, forged.blob.data)).slice(0, 16);
      return rejected(forged.rollup).some((reason) => reason.includes(commitment));
    }
    case "repointed":
      return rejected(forged.target).some((reason) => /Metro height \d+:/.test(reason));
    case "replay": {
      const heights = heightsOf(forged.blob, chainId);
      const rollups = forged.rollup ? [forged.rollup] : [...at.reads.keys()];
      return !rollups.some((rollup) => heights.some((height) => at.firstSeen.has(`${rollup}/${height}`)));
    }
  }
}

/** The genuine blobs of one relayer submission at a DA height: its metadata and what that points to. */
export function genuineSubmission(
  blobs: readonly { namespace: Uint8Array; data: Uint8Array; commitment: Uint8Array }[],
  chainId: string,
): BlobToSubmit[] {
  const metadata = blobs.filter((blob) => {
    if (kindOf(blob, chainId) !== BlobKind.metadata) return false;
    try {
      return decodeMetadata(blob.data).chainId === chainId;
    } catch {
      return false;
    }
  });
  const pointers = metadata.flatMap((blob) => decodeMetadata(blob.data).rollupBlobs);
  const pointed = blobs.filter((blob) => pointers.some((p) => bytesEqual(p.commitment, blob.commitment)));
  return [...metadata, ...pointed].map(({ namespace, data }) => ({ namespace, data }));
}

/** Reads one DA height for each rollup; `seen` (rollup/height of blocks read at earlier heights) grows. */
export async function readAt(
  client: CelestiaClient,
  daHeight: number,
  rollups: ReadonlyMap<string, Uint8Array>,
  options: VerifyOptions,
  seen: Set<string>,
): Promise<DaHeightReads> {
  const at: DaHeightReads = { reads: new Map(), firstSeen: new Set() };
  for (const [name, rollupId] of rollups) {
    const read = await readRollupAtDaHeight(client, daHeight, rollupId, options);
    at.reads.set(name, read);
    for (const found of read.blocks) {
      const key = `${name}/${found.height}`;
      if (!seen.has(key)) at.firstSeen.add(key);
    }
  }
  for (const key of at.firstSeen) seen.add(key);
  return at;
}
