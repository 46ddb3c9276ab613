/**
 * Restoring a snapshot offered by peers. Every chunk is checked against the metadata's hash
 * before it is used and must continue the tree order; the leaves are staged in memory, apart
 * from the store, and only when the last chunk rebuilds exactly the root the light client
 * verified does one LMDB transaction write them. Any failure drops the staging: the store
 * keeps the state it had, so nothing half-restored is ever served.
 */
import {
  ResponseApplySnapshotChunk_Result as ApplyResult,
  ResponseOfferSnapshot_Result as OfferResult,
  type RequestApplySnapshotChunk,
  type RequestOfferSnapshot,
} from "cosmjs-types/tendermint/abci/types";
import { bytesEqual, fromUtf8, toHex } from "../../core/bytes.js";
import { EMPTY_HASH } from "../../core/smt.js";
import type { CommittedState } from "../store/committed.js";
import { StateTree } from "../store/tree.js";
import {
  assertTreeOrder,
  chunkMatches,
  decodeChunk,
  decodeMetadata,
  type Leaf,
  SNAPSHOT_FORMAT,
  SnapshotFormatError,
  type SnapshotMetadata,
  snapshotHash,
} from "./format.js";

export interface OfferOutcome {
  result: OfferResult;
  /** Why a snapshot was refused (for the log). */
  reason?: string;
}

export interface ApplyOutcome {
  result: ApplyResult;
  refetchChunks: number[];
  rejectSenders: string[];
  reason?: string;
  /** Set when this chunk completed the restore. */
  restored?: { height: bigint; root: Uint8Array };
}

interface Staging {
  metadata: SnapshotMetadata;
  next: number;
  lastPath: Uint8Array | undefined;
  leaves: Leaf[];
}

const noNodes = { getNode: () => undefined };

export class SnapshotRestorer {
  private staging: Staging | undefined;

  constructor(
    private readonly store: CommittedState,
    private readonly chainId: string,
  ) {}

  offer(request: RequestOfferSnapshot): OfferOutcome {
    this.staging = undefined;
    const refuse = (result: OfferResult, reason: string): OfferOutcome => ({ result, reason });
    const snapshot = request.snapshot;
    if (!snapshot) return refuse(OfferResult.REJECT, "no snapshot in the offer");
    if (this.store.height > 0n && !this.holds(snapshot.height, request.appHash))
      return refuse(OfferResult.ABORT, `the app already has state at height ${this.store.height}`);
    if (snapshot.format !== SNAPSHOT_FORMAT)
      return refuse(
        OfferResult.REJECT_FORMAT,
        `snapshot format ${snapshot.format}, this app reads ${SNAPSHOT_FORMAT}`,
      );
    if (!bytesEqual(snapshotHash(snapshot.metadata), snapshot.hash))
      return refuse(OfferResult.REJECT_SENDER, "snapshot hash is not the hash of its metadata");
    let metadata: SnapshotMetadata;
    try {
      metadata = decodeMetadata(snapshot.metadata);
    } catch (error) {
      return refuse(OfferResult.REJECT_SENDER, (error as Error).message);
    }
    if (metadata.chainId !== this.chainId)
      return refuse(
        OfferResult.REJECT,
        `snapshot of chain ${metadata.chainId}, this node is on ${this.chainId}`,
      );
    if (metadata.height !== snapshot.height || metadata.chunkHashes.length !== snapshot.chunks)
      return refuse(OfferResult.REJECT_SENDER, "snapshot height or chunk count differs from its metadata");
    if (!bytesEqual(metadata.root, request.appHash)) {
      return refuse(
        OfferResult.REJECT,
        `snapshot root ${toHex(metadata.root)} is not the verified app hash ${toHex(request.appHash)}`,
      );
    }
    this.staging = { metadata, next: 0, lastPath: undefined, leaves: [] };
    return { result: OfferResult.ACCEPT };
  }

  /** Whether the store is exactly at `height` with `root` (a restore of it committed earlier). */
  private holds(height: bigint, root: Uint8Array): boolean {
    return this.store.height === height && bytesEqual(this.store.root, root);
  }

  apply(request: RequestApplySnapshotChunk): ApplyOutcome {
    const staging = this.staging;
    const outcome = (
      result: ApplyResult,
      reason?: string,
      more: Partial<ApplyOutcome> = {},
    ): ApplyOutcome => ({
      result,
      refetchChunks: [],
      rejectSenders: [],
      reason,
      ...more,
    });
    if (!staging) return outcome(ApplyResult.ABORT, "a chunk arrived with no snapshot accepted");
    if (request.index !== staging.next) {
      this.staging = undefined;
      return outcome(ApplyResult.RETRY_SNAPSHOT, `chunk ${request.index} arrived, expected ${staging.next}`);
    }
    if (!chunkMatches(request.chunk, staging.metadata.chunkHashes[request.index]!)) {
      // The peer that sent it lies or is broken: fetch this chunk again from someone else.
      return outcome(ApplyResult.RETRY, `chunk ${request.index} does not hash to its snapshot`, {
        refetchChunks: [request.index],
        rejectSenders: request.sender ? [request.sender] : [],
      });
    }
    try {
      const leaves = decodeChunk(request.chunk);
      staging.lastPath = assertTreeOrder(leaves, staging.lastPath);
      for (const leaf of leaves) staging.leaves.push(leaf);
    } catch (error) {
      if (!(error instanceof SnapshotFormatError)) throw error;
      // The chunk is what the metadata vouches for, so the snapshot itself is bad.
      this.staging = undefined;
      return outcome(ApplyResult.REJECT_SNAPSHOT, `chunk ${request.index}: ${error.message}`);
    }
    staging.next++;
    if (staging.next < staging.metadata.chunkHashes.length) return outcome(ApplyResult.ACCEPT);
    this.staging = undefined;
    return this.finish(staging, outcome);
  }

  /** Rebuilds the tree from every staged leaf and, only if its root is the verified one, commits it. */
  private finish(
    staging: Staging,
    outcome: (result: ApplyResult, reason?: string, more?: Partial<ApplyOutcome>) => ApplyOutcome,
  ): ApplyOutcome {
    const { metadata, leaves } = staging;
    const tree = new StateTree(noNodes);
    const root = tree.update(EMPTY_HASH, leaves);
    if (!bytesEqual(root, metadata.root)) {
      return outcome(
        ApplyResult.REJECT_SNAPSHOT,
        `restored root ${toHex(root)} is not the snapshot's ${toHex(metadata.root)}`,
      );
    }
    // A restore that committed just before a crash is offered again: it is already here.
    if (this.holds(metadata.height, root))
      return outcome(ApplyResult.ACCEPT, undefined, { restored: { height: metadata.height, root } });
    if (this.store.height > 0n) return outcome(ApplyResult.ABORT, "the app gained state during the restore");
    const writes = new Map<string, Uint8Array>();
    for (const { key, value } of leaves) writes.set(fromUtf8(key), value);
    this.store.commit({
      height: metadata.height,
      root,
      nodes: tree.pending,
      orphaned: [],
      writes,
      index: [],
      // Rollup data is indexed from blocks, and blocks start after the snapshot.
      indexKeptFrom: metadata.height + 1n,
    });
    return outcome(ApplyResult.ACCEPT, undefined, { restored: { height: metadata.height, root } });
  }
}
