/**
 * CometBFT's state sync for the Metro app: snapshots taken after Commit every `interval`
 * heights and served to peers, and a peer's snapshot restored into an empty node.
 */
import type {
  RequestApplySnapshotChunk,
  RequestLoadSnapshotChunk,
  RequestOfferSnapshot,
  ResponseApplySnapshotChunk,
  ResponseListSnapshots,
  ResponseLoadSnapshotChunk,
  ResponseOfferSnapshot,
} from "cosmjs-types/tendermint/abci/types";
import { toHex } from "../../core/bytes.js";
import type { Logger } from "../../core/log.js";
import type { SnapshotSettings } from "../node/app-config.js";
import type { CommittedState } from "../store/committed.js";
import { SnapshotRestorer } from "./restore.js";
import { SnapshotStore } from "./snapshot-store.js";

export interface StateSyncOptions extends SnapshotSettings {
  chainId: string;
  /** Where snapshots are kept. */
  directory: string;
  /** Tests only: serve every chunk with one byte flipped, as a lying peer would. */
  corruptChunks?: boolean;
}

export class StateSync {
  private readonly snapshots: SnapshotStore;
  private readonly restorer: SnapshotRestorer;
  private writing: Promise<void> | undefined;
  /** The height whose snapshot is being written: its tree nodes must outlive pruning. */
  private writingHeight: bigint | undefined;

  constructor(
    private readonly store: CommittedState,
    private readonly options: StateSyncOptions,
    private readonly log: Logger,
  ) {
    this.snapshots = new SnapshotStore(options.directory);
    this.restorer = new SnapshotRestorer(store, options.chainId);
  }

  get settings(): SnapshotSettings {
    return this.options;
  }

  /** The lowest height whose state a snapshot still being written reads (none: undefined). */
  get pinnedHeight(): bigint | undefined {
    return this.writingHeight;
  }

  /**
   * Starts a snapshot of the height just committed when one is due. It is written in the
   * background from that height's tree nodes, which stay readable (and unchanged) while later
   * heights commit; one snapshot at a time, so a slow disk skips heights rather than piling up.
   */
  afterCommit(height: bigint, root: Uint8Array): void {
    const { interval } = this.options;
    if (interval <= 0 || height % BigInt(interval) !== 0n) return;
    if (this.writing) {
      this.log.warn(
        { height: height.toString() },
        "previous snapshot still being written; skipping this one",
      );
      return;
    }
    const started = performance.now();
    this.writingHeight = height;
    this.writing = this.snapshots
      .write(
        { chainId: this.options.chainId, height, root, leaves: this.store.tree().entries(root) },
        this.options.chunkBytes,
      )
      .then((snapshot) => {
        const pruned = this.snapshots.prune(this.options.keepRecent);
        this.log.info(
          {
            height: height.toString(),
            chunks: snapshot.chunks,
            ms: Math.round(performance.now() - started),
            pruned: pruned.map(String),
          },
          "state snapshot written",
        );
      })
      .catch((error: unknown) =>
        this.log.error({ err: error, height: height.toString() }, "state snapshot failed"),
      )
      .finally(() => {
        this.writing = undefined;
        this.writingHeight = undefined;
      });
  }

  listSnapshots(): ResponseListSnapshots {
    return { snapshots: this.snapshots.list() };
  }

  loadSnapshotChunk(request: RequestLoadSnapshotChunk): ResponseLoadSnapshotChunk {
    const chunk = this.snapshots.loadChunk(request.height, request.format, request.chunk);
    if (!chunk) return { chunk: new Uint8Array() };
    if (this.options.corruptChunks && chunk.length > 0) chunk[chunk.length - 1]! ^= 0xff;
    return { chunk };
  }

  offerSnapshot(request: RequestOfferSnapshot): ResponseOfferSnapshot {
    const { result, reason } = this.restorer.offer(request);
    const snapshot = {
      height: request.snapshot?.height.toString(),
      hash: toHex(request.snapshot?.hash ?? new Uint8Array()),
    };
    if (reason) this.log.warn({ ...snapshot, result, reason }, "refused a state snapshot");
    else this.log.info(snapshot, "restoring a state snapshot");
    return { result };
  }

  /** Answers a chunk; `restored` is set when it completed the restore (the store now holds that height). */
  applySnapshotChunk(request: RequestApplySnapshotChunk): {
    response: ResponseApplySnapshotChunk;
    restored?: { height: bigint; root: Uint8Array };
  } {
    const { result, refetchChunks, rejectSenders, reason, restored } = this.restorer.apply(request);
    if (reason) {
      this.log.warn(
        { chunk: request.index, sender: request.sender, result, rejectSenders, reason },
        "refused a snapshot chunk",
      );
    }
    if (restored) {
      this.log.info(
        { height: restored.height.toString(), appHash: toHex(restored.root) },
        "state restored from a snapshot",
      );
    }
    return { response: { result, refetchChunks, rejectSenders }, restored };
  }

  /** Waits for a snapshot being written, so the store can close under it. */
  async close(): Promise<void> {
    await this.writing;
  }
}
