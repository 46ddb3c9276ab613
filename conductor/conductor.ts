/**
 * The conductor drives one rollup's execution engine from Metro. Soft: SequencerBlocks from
 * gossip (or Metro's RPC when gossip is silent) are verified like a light client and executed
 * at once. Firm: the same heights read back from the DA move the firm head; if the DA ever
 * disagrees with what ran softly, execution rolls back to the firm version and both signed
 * versions are kept as evidence. Nothing unverified reaches the engine.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../chain/log.js";
import { nodeStatus } from "../chain/node/rpc.js";
import { signedBlockAt } from "../chain/node/signed-block.js";
import { bytesEqual, toHex } from "../core/bytes.js";
import type { Validator } from "../core/comet/types.js";
import { rollupIdFromName } from "../core/rollup.js";
import {
  type RollupSlice,
  RollupSliceCodec,
  type SequencerBlock,
  sliceForRollup,
  verifyRollupSlice,
} from "../core/sequencer-block.js";
import { CelestiaClient } from "../relayer/celestia/client.js";
import { readRollupAtDaHeight } from "../relayer/da-reader.js";
import { BlockGossip } from "../relayer/gossip.js";
import { buildSequencerBlock } from "../relayer/sequencer-block.js";
import type { ConductorConfig } from "./config.js";
import { rollupDataHash } from "./evm/chain.js";
import type { CommitmentState, ExecutedBlock, ExecutionEngine, GenesisInfo, Price } from "./execution/api.js";
import { verifiedPrices } from "./prices.js";
import { TrustStore } from "./trust.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Soft blocks further ahead than this are not buffered (gossip can run far ahead of execution). */
const MAX_BUFFERED = 2048;

export interface ConductorStats {
  softHeight: bigint;
  firmHeight: bigint;
  executed: number;
  refused: number;
  rollbacks: number;
  fromRpc: number;
}

export interface ConductorOptions {
  config: ConductorConfig;
  home: string;
  engine: ExecutionEngine;
  log: Logger;
}

/** One verified view of a Metro height for this rollup. */
interface VerifiedHeight {
  height: bigint;
  headerHash: Uint8Array;
  time: bigint;
  items: Uint8Array[];
  prices: Price[];
  slice: RollupSlice;
}

export class Conductor {
  readonly stats: ConductorStats = {
    softHeight: 0n,
    firmHeight: 0n,
    executed: 0,
    refused: 0,
    rollbacks: 0,
    fromRpc: 0,
  };
  private readonly rollupId: Uint8Array;
  private readonly softBuffer = new Map<bigint, SequencerBlock>();
  private readonly softSlices = new Map<bigint, RollupSlice>();
  private state!: CommitmentState;
  private running = false;
  private loops: Promise<void>[] = [];
  private lock: Promise<unknown> = Promise.resolve();
  private waitingSince = Date.now();
  private gossip: BlockGossip | undefined;
  /** Recent verified heights' validator sets: each cast the votes the next block carries. */
  private readonly validatorSets = new Map<bigint, Validator[]>();

  private constructor(
    private readonly options: ConductorOptions,
    private readonly genesis: GenesisInfo,
    private readonly trust: TrustStore,
    private readonly da: CelestiaClient,
  ) {
    this.rollupId = rollupIdFromName(options.config.rollupName);
  }

  static async start(options: ConductorOptions): Promise<Conductor> {
    const { config, engine } = options;
    const genesis = await engine.getGenesisInfo();
    if (!bytesEqual(genesis.rollupId, rollupIdFromName(config.rollupName))) {
      throw new Error(`the execution engine runs another rollup than ${config.rollupName}`);
    }
    const trust = new TrustStore(join(options.home, "trust.json"), {
      height: BigInt(config.trust.height),
      validatorsHash: Buffer.from(config.trust.validatorsHash, "hex"),
    });
    const da = new CelestiaClient({ url: config.daUrl, token: config.daToken });
    const conductor = new Conductor(options, genesis, trust, da);
    conductor.state = await engine.getCommitmentState();
    conductor.updateStats();
    conductor.gossip = await BlockGossip.start({
      chainId: config.metroChainId,
      trustedValidatorsHashes: [Buffer.from(config.trust.validatorsHash, "hex")],
      port: config.gossip.port,
      log: options.log,
    });
    conductor.gossip.onBlock((block) => conductor.onGossip(block));
    for (const peer of config.gossip.peers) {
      await conductor.gossip
        .dial(peer)
        .catch((error: Error) => options.log.warn({ peer, err: error }, "could not dial gossip peer"));
    }
    conductor.running = true;
    conductor.loops = [conductor.softLoop(), conductor.firmLoop()];
    options.log.info(
      {
        rollup: config.rollupName,
        soft: conductor.stats.softHeight.toString(),
        firm: conductor.stats.firmHeight.toString(),
      },
      "conductor resumes",
    );
    return conductor;
  }

  /** The gossip node's addresses, for peers to dial. */
  gossipAddresses(): string[] {
    return this.gossip?.addresses() ?? [];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await this.gossip?.stop();
  }

  /** A gossiped block; also the entry point a test uses to feed one directly. */
  onGossip(block: SequencerBlock): void {
    const height = block.header?.height;
    if (
      height === undefined ||
      height <= this.stats.softHeight ||
      height > this.stats.softHeight + BigInt(MAX_BUFFERED)
    )
      return;
    this.softBuffer.set(height, block);
  }

  private nextSoftHeight(): bigint {
    return this.state.soft.number === 0n
      ? this.genesis.sequencerStartHeight
      : this.state.soft.sequencerHeight + 1n;
  }

  private updateStats(): void {
    const metroHeight = (block: ExecutedBlock) =>
      block.number === 0n ? this.genesis.sequencerStartHeight - 1n : block.sequencerHeight;
    this.stats.softHeight = metroHeight(this.state.soft);
    this.stats.firmHeight = metroHeight(this.state.firm);
  }

  /** Engine calls and state changes from both streams, one at a time. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task, task);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Throws unless the slice is signed by the trusted set, its data is proven and its votes check out. */
  private verify(slice: RollupSlice): VerifiedHeight {
    const chainId = this.options.config.metroChainId;
    const { block, items } = verifyRollupSlice(slice, this.rollupId, { chainId });
    const prices = verifiedPrices(slice, chainId, this.validatorSets.get(block.height - 1n));
    this.trust.accept(block.header);
    this.validatorSets.set(block.height, slice.validators);
    const time = block.header.time.seconds;
    return { height: block.height, headerHash: block.headerHash, time, items, prices, slice };
  }

  private async softLoop(): Promise<void> {
    while (this.running) {
      const height = this.nextSoftHeight();
      const block = this.softBuffer.get(height) ?? (await this.fromRpcIfSilent(height));
      if (!block) {
        await sleep(20);
        continue;
      }
      this.softBuffer.delete(height);
      await this.exclusive(async () => {
        if (this.nextSoftHeight() !== height) return; // the firm stream got there first
        let verified: VerifiedHeight;
        try {
          verified = this.verify(sliceForRollup(block, this.rollupId));
        } catch (error) {
          this.stats.refused++;
          this.options.log.warn({ height: height.toString(), err: error }, "refused a soft block");
          return;
        }
        this.softSlices.set(height, verified.slice);
        const executed = await this.execute(this.state.soft, verified);
        await this.commit({ ...this.state, soft: executed });
        this.waitingSince = Date.now();
      });
    }
  }

  /** Gossip had its chance: read the committed block from Metro's RPC instead. */
  private async fromRpcIfSilent(height: bigint): Promise<SequencerBlock | undefined> {
    if (Date.now() - this.waitingSince < this.options.config.gossipGraceMs) return undefined;
    const { metroRpc } = this.options.config;
    try {
      if ((await nodeStatus(metroRpc)).height < Number(height)) {
        await sleep(100);
        return undefined;
      }
      const block = buildSequencerBlock(await signedBlockAt(metroRpc, Number(height)));
      this.stats.fromRpc++;
      return block;
    } catch (error) {
      this.options.log.warn({ height: height.toString(), err: error }, "reading Metro's RPC failed");
      await sleep(500);
      return undefined;
    }
  }

  private async execute(parent: ExecutedBlock, verified: VerifiedHeight): Promise<ExecutedBlock> {
    const { block, skipped } = await this.options.engine.executeBlock({
      parentHash: parent.hash,
      transactions: verified.items,
      timestamp: verified.time,
      prices: verified.prices,
      sequencerHeight: verified.height,
      sequencerBlockHash: verified.headerHash,
    });
    this.stats.executed++;
    if (skipped.length > 0) {
      this.options.log.info(
        { height: verified.height.toString(), skipped: skipped.length },
        "skipped invalid rollup txs",
      );
    }
    return block;
  }

  private async commit(next: CommitmentState): Promise<void> {
    this.state = await this.options.engine.updateCommitmentState(next);
    this.updateStats();
    for (const height of this.softSlices.keys()) {
      if (height <= this.stats.firmHeight) this.softSlices.delete(height);
    }
    // The firm height's set is kept: it cast the votes of the next firm block.
    for (const height of this.validatorSets.keys()) {
      if (height < this.stats.firmHeight) this.validatorSets.delete(height);
    }
    this.trust.save(this.stats.firmHeight);
  }

  private async firmLoop(): Promise<void> {
    let daHeight =
      this.state.firmDaHeight > 0n ? Number(this.state.firmDaHeight) : this.options.config.daStartHeight;
    while (this.running) {
      try {
        const head = (await this.da.networkHead()).height;
        while (this.running && daHeight <= head) {
          await this.readDaHeight(daHeight);
          daHeight++;
        }
      } catch (error) {
        this.options.log.warn({ daHeight, err: error }, "reading the DA failed; retrying");
      }
      await sleep(250);
    }
  }

  private async readDaHeight(daHeight: number): Promise<void> {
    const { blocks, rejected } = await readRollupAtDaHeight(this.da, daHeight, this.rollupId, {
      chainId: this.options.config.metroChainId,
    });
    for (const reason of rejected) this.options.log.warn({ daHeight, reason }, "skipped DA data");
    for (const found of blocks) {
      if (found.height < this.genesis.sequencerStartHeight) continue;
      await this.exclusive(() => this.onFirm(found.slice, daHeight));
    }
  }

  private async onFirm(slice: RollupSlice, daHeight: number): Promise<void> {
    const height = slice.header.height;
    if (height !== this.stats.firmHeight + 1n) return; // seen before, or a gap the relayer fills later
    let verified: VerifiedHeight;
    try {
      verified = this.verify(slice);
    } catch (error) {
      this.stats.refused++;
      this.options.log.warn({ height: height.toString(), daHeight, err: error }, "refused a firm block");
      return;
    }
    const firmDaHeight = BigInt(daHeight);
    if (height > this.stats.softHeight) {
      const executed = await this.execute(this.state.soft, verified);
      await this.commit({ soft: executed, firm: executed, firmDaHeight });
      return;
    }
    const number = height - this.genesis.sequencerStartHeight + 1n;
    const softly = await this.options.engine.getBlock({ number, hash: new Uint8Array() });
    if (
      softly &&
      bytesEqual(softly.sequencerBlockHash, verified.headerHash) &&
      bytesEqual(softly.dataHash, rollupDataHash(verified.items))
    ) {
      await this.commit({ ...this.state, firm: softly, firmDaHeight });
      return;
    }
    this.keepEvidence(height, verified.slice);
    this.trust.rewind(height);
    this.trust.accept(slice.header);
    for (const buffered of this.softBuffer.keys()) if (buffered <= height) this.softBuffer.delete(buffered);
    const executed = await this.execute(this.state.firm, verified);
    await this.commit({ soft: executed, firm: executed, firmDaHeight });
    this.stats.rollbacks++;
    this.options.log.error(
      {
        height: height.toString(),
        soft: softly ? toHex(softly.hash) : "missing",
        firm: toHex(executed.hash),
      },
      "the DA disagrees with what was executed softly: rolled back to the firm block",
    );
  }

  private keepEvidence(height: bigint, firm: RollupSlice): void {
    const dir = join(this.options.home, "evidence");
    const soft = this.softSlices.get(height);
    const write = (name: string, slice: RollupSlice) =>
      writeFileSync(join(dir, `${height}-${name}.bin`), RollupSliceCodec.encode(slice));
    mkdirSync(dir, { recursive: true });
    write("firm", firm);
    if (soft) write("soft", soft);
  }
}
