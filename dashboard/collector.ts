/**
 * Polls the public endpoints it was given and keeps the dashboard's snapshot: each section read
 * on its own, so one that fails (a query refused, the DA down) keeps its last data and reports
 * its error while the rest stays live. A node that is down or answers garbage is reported as
 * such on the page, never as an empty one.
 */

import { z } from "zod";
import { appCommittedHeight, nodeStatus, queryPairs, queryParams, rpcGet } from "../chain/index.js";
import type { Logger } from "../core/log.js";
import type { CurrencyPair } from "../oracle/index.js";
import { type BlockRead, readBlock } from "./blocks.js";
import { keplrChainInfo } from "./chain-info.js";
import { readProposals } from "./governance.js";
import { ProgressReader, type ProgressSources } from "./progress.js";
import { readRollup, registeredRollups, type SeenData } from "./rollups.js";
import {
  type EndpointHealth,
  emptySnapshot,
  endpointHealth,
  type MetricsEndpoint,
  type PairView,
  type SectionName,
  type Snapshot,
} from "./snapshot.js";
import { readValidators } from "./validators.js";

/** Blocks listed, and blocks read per poll at most (a dashboard started late skips ahead). */
const BLOCKS_SHOWN = 20;
/** Heights the price charts cover. */
const CHART_HEIGHTS = 60;

export interface CollectorOptions extends ProgressSources {
  /** CometBFT RPC of a Metro node. */
  rpc: string;
  /** The REST (LCD) API, checked for health and given to wallets. */
  rest: string;
  /**
   * The RPC and REST URLs Keplr's chain info gives wallets, when they differ from the ones read
   * here (a dashboard reading its node on 127.0.0.1 serves browsers on other machines).
   */
  publicRpc?: string;
  publicRest?: string;
  pollMs?: number;
  log: Logger;
}

const NodeInfoSchema = z.object({ default_node_info: z.object({ network: z.string() }) });

const NODE = "Metro node (CometBFT RPC)";

const describe = (error: unknown): string => (error as Error).message ?? String(error);

export class Collector {
  private snapshot: Snapshot;
  private readonly progress: ProgressReader;
  private nextHeight = 0;
  private readonly seen = new Map<string, SeenData>();
  /** Per rollup, the height its headers were last seen final through. */
  private readonly finalHeaders = new Map<string, number>();
  private rollupNames = new Map<string, string>();
  private monikers = new Map<string, string>();
  private pairs: CurrencyPair[] = [];
  private readonly views = new Map<string, PairView>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: CollectorOptions) {
    this.progress = new ProgressReader(options);
    this.snapshot = emptySnapshot([endpointHealth(NODE, options.rpc, "not read yet")]);
  }

  /** Lists one more metrics endpoint from the next poll on (a rollup deployed later). */
  watchMetrics(endpoint: MetricsEndpoint): void {
    this.progress.watch(endpoint);
  }

  current(): Snapshot {
    return this.snapshot;
  }

  /** Polls until stop(); each poll starts after the previous one ended. */
  start(): void {
    const loop = async (): Promise<void> => {
      await this.refresh().catch((error) => this.options.log.error({ err: error }, "dashboard poll failed"));
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.options.pollMs ?? 1_000);
    };
    void loop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async refresh(): Promise<void> {
    const { rpc } = this.options;
    const errors: Snapshot["errors"] = {};
    const endpoints: EndpointHealth[] = [];
    const next: Snapshot = { ...this.snapshot, updatedAt: new Date().toISOString(), errors, endpoints };
    let head: number;
    try {
      const status = await nodeStatus(rpc);
      head = await appCommittedHeight(rpc);
      next.chainId = status.chainId;
      next.height = head;
      endpoints.push(endpointHealth(NODE, rpc));
    } catch (error) {
      endpoints.push(endpointHealth(NODE, rpc, describe(error)));
      for (const name of ["blocks", "prices", "validators", "rollups", "governance"] as const) {
        errors[name] = `the node is down: ${describe(error)}`;
      }
      // The relayer, the DA and the metrics do not depend on the node: they stay live.
      await this.readProgress(next);
      this.snapshot = next;
      return;
    }
    const section = async (name: SectionName, read: () => Promise<void>): Promise<void> => {
      try {
        await read();
      } catch (error) {
        errors[name] = describe(error);
      }
    };
    await section("validators", async () => {
      const read = await readValidators(rpc, head);
      next.validators = read.rows;
      this.monikers = read.monikers;
    });
    await section("rollups", async () => {
      this.rollupNames = await registeredRollups(rpc);
    });
    await section("blocks", async () => {
      this.pairs = await queryPairs(rpc);
      next.blocks = await this.readNewBlocks(head);
      next.prices = this.pairs.map(
        (pair) =>
          this.views.get(pair.id) ?? { pair: pair.id, decimals: pair.decimals, points: [], votes: [] },
      );
    });
    if (errors.blocks) errors.prices = errors.blocks;
    await section("rollups", async () => {
      const ids = new Set([...this.rollupNames.keys(), ...this.seen.keys()]);
      next.rollups = await Promise.all(
        [...ids].sort().map((id) => readRollup(rpc, id, this.seen.get(id), this.finalHeaders.get(id))),
      );
      for (const rollup of next.rollups) this.finalHeaders.set(rollup.id, rollup.finalThrough);
    });
    await section("governance", async () => {
      next.proposals = await readProposals(rpc);
    });
    await section("rest", async () => {
      await rpcGet(`${this.options.rest}/cosmos/base/tendermint/v1beta1/node_info`, NodeInfoSchema, 1);
    });
    endpoints.push(endpointHealth("REST (LCD) API", this.options.rest, errors.rest));
    await this.readProgress(next);
    await section("wallet", async () => {
      if (!next.chainId) return;
      const params = await queryParams(rpc);
      next.chainInfo = keplrChainInfo({
        chainId: next.chainId,
        rpc: this.options.publicRpc ?? rpc,
        rest: this.options.publicRest ?? this.options.rest,
        minGasPrice: params.minGasPrice,
      });
    });
    this.snapshot = next;
  }

  private async readProgress(next: Snapshot): Promise<void> {
    const read = await this.progress.read(next.chainId);
    next.relayer = read.relayer;
    next.da = read.da;
    next.metrics = read.metrics;
    if (read.daRpc) next.endpoints.push(read.daRpc);
    Object.assign(next.errors, read.errors);
  }

  /** Reads the blocks committed since the last poll and folds them into the rows and charts. */
  private async readNewBlocks(head: number) {
    const from = Math.max(this.nextHeight, head - BLOCKS_SHOWN + 1, 1);
    const names = { monikers: this.monikers, rollups: this.rollupNames };
    const rows = this.snapshot.blocks.filter((row) => row.height < from);
    for (let height = from; height <= head; height++) {
      const read = await readBlock(this.options.rpc, height, this.pairs, names);
      this.fold(read, head);
      rows.unshift(read.row);
      this.nextHeight = height + 1;
    }
    return rows.slice(0, BLOCKS_SHOWN);
  }

  private fold({ row, prices, votes, voteHeight }: BlockRead, head: number): void {
    for (const touch of row.rollups) {
      const seen = this.seen.get(touch.id) ?? { txs: 0, bytes: 0 };
      this.seen.set(touch.id, { txs: seen.txs + touch.txs, bytes: seen.bytes + touch.bytes });
    }
    for (const pair of this.pairs) {
      const view = this.views.get(pair.id) ?? {
        pair: pair.id,
        decimals: pair.decimals,
        points: [],
        votes: [],
      };
      const point = prices.get(pair.id);
      const pairVotes = votes.get(pair.id);
      if (point) view.latest = point;
      // The block that set the price also carries the votes it came from (both at voteHeight).
      const added = point ? [{ ...point, votes: pairVotes ?? [] }] : [];
      view.points = [...view.points, ...added].filter((p) => p.height > head - CHART_HEIGHTS);
      if (pairVotes) {
        view.votes = pairVotes;
        view.votesHeight = voteHeight;
      }
      this.views.set(pair.id, view);
    }
  }
}
