/**
 * Snapshots on disk: `<dir>/<height>/metadata` and one file per chunk, written under a
 * `.partial` name and renamed when complete, so a crash mid-write never lists a torn snapshot.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Snapshot } from "cosmjs-types/tendermint/abci/types";
import { sha256 } from "../../core/hash.js";
import {
  decodeMetadata,
  encodeChunk,
  encodeMetadata,
  type Leaf,
  leafSize,
  SNAPSHOT_FORMAT,
  snapshotHash,
} from "./format.js";

const COMPLETE = /^[0-9]+$/;

export interface SnapshotSource {
  chainId: string;
  height: bigint;
  root: Uint8Array;
  /** Every leaf at `height`, in tree order. */
  leaves: Iterable<Leaf>;
}

export class SnapshotStore {
  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
    // What a crash left half-written is no snapshot.
    for (const name of readdirSync(directory))
      if (!COMPLETE.test(name)) rmSync(join(directory, name), { recursive: true, force: true });
  }

  private heights(): bigint[] {
    return readdirSync(this.directory)
      .filter((name) => COMPLETE.test(name))
      .map(BigInt)
      .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  }

  /** Complete snapshots, newest first. */
  list(): Snapshot[] {
    return this.heights().map((height) => {
      const metadata = new Uint8Array(readFileSync(join(this.directory, height.toString(), "metadata")));
      const { chunkHashes } = decodeMetadata(metadata);
      return {
        height,
        format: SNAPSHOT_FORMAT,
        chunks: chunkHashes.length,
        hash: snapshotHash(metadata),
        metadata,
      };
    });
  }

  /** A chunk's bytes, or undefined when this node has no such snapshot or chunk. */
  loadChunk(height: bigint, format: number, index: number): Uint8Array | undefined {
    const path = join(this.directory, height.toString(), String(index));
    if (format !== SNAPSHOT_FORMAT || !Number.isInteger(index) || !existsSync(path)) return undefined;
    return new Uint8Array(readFileSync(path));
  }

  /**
   * Writes a snapshot of `source`, one chunk file at a time: the event loop runs between
   * chunks, so consensus is never held up for more than one chunk's worth of reads.
   */
  async write(source: SnapshotSource, chunkBytes: number): Promise<Snapshot> {
    const name = source.height.toString();
    const partial = join(this.directory, `.${name}.partial`);
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial);
    const chunkHashes: Uint8Array[] = [];
    const flush = async (leaves: Leaf[]): Promise<void> => {
      const chunk = encodeChunk(leaves);
      chunkHashes.push(sha256(chunk));
      await writeFile(join(partial, String(chunkHashes.length - 1)), chunk);
    };
    let batch: Leaf[] = [];
    let size = 0;
    for (const leaf of source.leaves) {
      if (batch.length > 0 && size + leafSize(leaf) > chunkBytes) {
        await flush(batch);
        batch = [];
        size = 0;
      }
      batch.push(leaf);
      size += leafSize(leaf);
    }
    if (batch.length > 0) await flush(batch);
    const metadata = encodeMetadata({ ...source, chunkHashes });
    await writeFile(join(partial, "metadata"), metadata);
    rmSync(join(this.directory, name), { recursive: true, force: true });
    renameSync(partial, join(this.directory, name));
    return {
      height: source.height,
      format: SNAPSHOT_FORMAT,
      chunks: chunkHashes.length,
      hash: snapshotHash(metadata),
      metadata,
    };
  }

  /** Deletes all but the `keepRecent` newest snapshots. */
  prune(keepRecent: number): bigint[] {
    const old = this.heights().slice(Math.max(keepRecent, 0));
    for (const height of old)
      rmSync(join(this.directory, height.toString()), { recursive: true, force: true });
    return old;
  }
}
