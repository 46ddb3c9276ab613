/**
 * The relayer: follows a Metro node, turns each committed block into a SequencerBlock, gossips
 * it at once (soft), and posts the blocks of each DA interval to Celestia (firm). Progress is a
 * small JSON file replaced atomically after each DA inclusion. After a crash it resumes from
 * that file, and first scans the DA blocks posted since for its own metadata, so a submission
 * that landed just before the crash is not posted again. Should one still be posted twice,
 * readers keep the first copy of each height: posting is idempotent by design.
 *
 * Its disk use is bounded: the progress file is two numbers, and at most `maxPendingBlocks`
 * blocks wait in memory for the DA. A height its Metro node has pruned is never skipped (that
 * would leave a gap on the DA): the relayer logs what to do once, shows the height in its
 * stats, and keeps asking.
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { HeightPrunedError, nodeStatus, signedBlockAt } from "../chain/index.js";
import { writeFileAtomic } from "../core/atomic-file.js";
import type { Logger } from "../core/log.js";
import type { SequencerBlock } from "../core/sequencer-block.js";
import { CatchUpLog } from "./catch-up.js";
import { type CelestiaClient, DaHeightPrunedError } from "./celestia/client.js";
import { type BatchLimits, planSubmissions, type Submission } from "./da-batch.js";
import { decodeMetadata, metroNamespace } from "./da-format.js";
import type { BlockGossip } from "./gossip.js";
import { buildSequencerBlock } from "./sequencer-block.js";

const StateSchema = z.object({
  postedThrough: z.number().int().nonnegative(),
  lastDaHeight: z.number().int().nonnegative(),
});
export type RelayerState = z.infer<typeof StateSchema>;

export interface RelayerOptions {
  chainId: string;
  metroRpc: string;
  da: CelestiaClient;
  statePath: string;
  /** How long blocks are collected before one DA submission (about a DA block time). */
  batchIntervalMs: number;
  limits: BatchLimits;
  gossip?: BlockGossip;
  log: Logger;
  pollMs?: number;
  /** Blocks held while the DA is down; past this the relayer stops reading Metro until it recovers. */
  maxPendingBlocks?: number;
  /** How often a height the Metro node has pruned is asked for again (2 s by default). */
  prunedRetryMs?: number;
}

export interface RelayerStats {
  /** The Metro head last seen, and the last height read from it (and gossiped). */
  metroHeight: number;
  followedThrough: number;
  /** The last height published on gossip (blocks too large to gossip are not). */
  gossipedThrough: number;
  gossiped: number;
  /** Time spent following, summed over blocks: reading from the node, building, publishing. */
  readMs: number;
  buildMs: number;
  publishMs: number;
  submissions: number;
  postedThrough: number;
  rawBytes: number;
  compressedBytes: number;
  daFailures: number;
  /** The next height to post when the Metro node has pruned it (0: not blocked), and the node's lowest. */
  blockedOnPrunedHeight: number;
  nodeLowestHeight: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function loadRelayerState(path: string): RelayerState {
  if (!existsSync(path)) return { postedThrough: 0, lastDaHeight: 0 };
  return StateSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}

function saveRelayerState(path: string, state: RelayerState): void {
  writeFileAtomic(path, JSON.stringify(state));
}

export class Relayer {
  private running = false;
  private loops: Promise<void>[] = [];
  private pending: SequencerBlock[] = [];
  private state: RelayerState;
  private nextHeight = 1;
  readonly stats: RelayerStats;

  constructor(private readonly options: RelayerOptions) {
    this.state = loadRelayerState(options.statePath);
    this.stats = {
      metroHeight: 0,
      followedThrough: this.state.postedThrough,
      gossipedThrough: 0,
      gossiped: 0,
      readMs: 0,
      buildMs: 0,
      publishMs: 0,
      submissions: 0,
      postedThrough: this.state.postedThrough,
      rawBytes: 0,
      compressedBytes: 0,
      daFailures: 0,
      blockedOnPrunedHeight: 0,
      nodeLowestHeight: 0,
    };
  }

  async start(): Promise<void> {
    this.running = true;
    await this.recoverProgress();
    this.nextHeight = this.state.postedThrough + 1;
    this.loops = [this.follow(), this.submitLoop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Finds submissions that reached the DA after the last state save (a crash in between). */
  private async recoverProgress(): Promise<void> {
    if (this.state.lastDaHeight === 0) return;
    const head = (await this.withRetry("header.NetworkHead", () => this.options.da.networkHead())).height;
    for (let daHeight = this.state.lastDaHeight + 1; daHeight <= head; daHeight++) {
      try {
        this.recoverFrom(daHeight, await this.ownBlobsAt(daHeight));
      } catch (error) {
        if (!(error instanceof DaHeightPrunedError)) throw error;
        // What landed there cannot be read back: those blocks may be posted again, which is harmless.
        this.options.log.warn(
          { from: daHeight, to: error.lowestHeight - 1 },
          "DA heights since the last save are pruned; the scan resumes at the DA's lowest height",
        );
        daHeight = error.lowestHeight - 1;
      }
    }
    saveRelayerState(this.options.statePath, this.state);
    this.stats.postedThrough = this.state.postedThrough;
    this.options.log.info({ postedThrough: this.state.postedThrough }, "relayer resumes");
  }

  private ownBlobsAt(daHeight: number) {
    const namespace = metroNamespace(this.options.chainId);
    return this.withRetry("blob.GetAll", () => this.options.da.getAll(daHeight, [namespace]));
  }

  private recoverFrom(daHeight: number, blobs: readonly { data: Uint8Array }[]): void {
    for (const blob of blobs) {
      try {
        const metadata = decodeMetadata(blob.data);
        if (metadata.chainId !== this.options.chainId) continue;
        for (const block of metadata.blocks) {
          const height = Number(block.header.height);
          if (height > this.state.postedThrough)
            this.state = { postedThrough: height, lastDaHeight: daHeight };
        }
      } catch {
        // Not ours, or not readable: nothing to recover from it.
      }
    }
  }

  private async follow(): Promise<void> {
    const maxPending = this.options.maxPendingBlocks ?? 1000;
    const catchUp = new CatchUpLog(this.options.log);
    while (this.running) {
      let wait = this.options.pollMs ?? 100;
      try {
        const { height } = await nodeStatus(this.options.metroRpc);
        this.stats.metroHeight = height;
        while (this.running && this.nextHeight <= height && this.pending.length < maxPending) {
          const block = await this.read(this.nextHeight);
          this.unblocked();
          this.pending.push(block);
          this.stats.followedThrough = this.nextHeight;
          this.nextHeight++;
          const published = performance.now();
          await this.gossip(block);
          this.stats.publishMs += performance.now() - published;
          catchUp.update(this.stats.followedThrough, this.stats.metroHeight);
        }
      } catch (error) {
        if (error instanceof HeightPrunedError) {
          this.blockedOnPruned(error);
          wait = this.options.prunedRetryMs ?? 2_000;
        } else {
          this.options.log.warn({ err: error, height: this.nextHeight }, "reading Metro failed; retrying");
        }
      }
      await sleep(wait);
    }
  }

  /** Block `height` from the node as a SequencerBlock, timing the fetch and the build apart. */
  private async read(height: number): Promise<SequencerBlock> {
    const started = performance.now();
    const data = await signedBlockAt(this.options.metroRpc, height);
    const fetched = performance.now();
    const block = buildSequencerBlock(data);
    this.stats.readMs += fetched - started;
    this.stats.buildMs += performance.now() - fetched;
    return block;
  }

  /** The node has pruned the next height: say so once (it needs an operator), then keep asking. */
  private blockedOnPruned(error: HeightPrunedError): void {
    const height = this.nextHeight;
    this.stats.nodeLowestHeight = error.lowestHeight;
    if (this.stats.blockedOnPrunedHeight === height) return;
    this.stats.blockedOnPrunedHeight = height;
    this.options.log.error(
      { height, lowestHeight: error.lowestHeight, node: this.options.metroRpc },
      `the Metro node has pruned height ${height} (it keeps heights from ${error.lowestHeight}), ` +
        `which the relayer has not posted to the DA yet; it will not skip it. Point --node at a node ` +
        `that keeps blocks from height ${height}, or give this node a larger min_retain_blocks; retrying`,
    );
  }

  private unblocked(): void {
    if (this.stats.blockedOnPrunedHeight === 0) return;
    this.options.log.info({ height: this.nextHeight }, "the Metro node serves the next height again");
    this.stats.blockedOnPrunedHeight = 0;
  }

  private async gossip(block: SequencerBlock): Promise<void> {
    if (!this.options.gossip) return;
    try {
      if (!(await this.options.gossip.publish(block))) return;
      this.stats.gossiped++;
      this.stats.gossipedThrough = Number(block.header.height);
    } catch (error) {
      this.options.log.warn({ err: error }, "gossip publish failed");
    }
  }

  private async submitLoop(): Promise<void> {
    while (this.running) {
      await sleep(this.options.batchIntervalMs);
      const blocks = this.pending;
      if (blocks.length === 0) continue;
      try {
        for (const submission of planSubmissions(this.options.chainId, blocks, this.options.limits)) {
          await this.submit(submission);
          this.pending = this.pending.filter((block) => block.header.height > submission.lastHeight);
        }
      } catch (error) {
        if (this.running) this.options.log.error({ err: error }, "submission failed");
      }
    }
  }

  private async submit(submission: Submission): Promise<void> {
    const daHeight = await this.withRetry("blob.Submit", () => this.options.da.submit(submission.blobs));
    this.state = { postedThrough: Number(submission.lastHeight), lastDaHeight: daHeight };
    saveRelayerState(this.options.statePath, this.state);
    this.stats.submissions++;
    this.stats.postedThrough = this.state.postedThrough;
    this.stats.rawBytes += submission.rawBytes;
    this.stats.compressedBytes += submission.compressedBytes;
    this.options.log.info(
      {
        heights: `${submission.firstHeight}-${submission.lastHeight}`,
        daHeight,
        blobs: submission.blobs.length,
        bytes: submission.compressedBytes,
      },
      "posted to DA",
    );
  }

  /** Retries until stopped, with capped exponential backoff: the DA being down must not lose blocks. */
  private async withRetry<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    let delay = 250;
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        // A pruned height stays pruned: the caller decides what to do instead.
        if (!this.running || error instanceof DaHeightPrunedError) throw error;
        this.stats.daFailures++;
        this.options.log.warn({ err: error, retryInMs: delay }, `${what} failed; retrying`);
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }
}
