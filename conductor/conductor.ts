/**
 * The conductor drives one rollup's execution engine from Metro. Soft: SequencerBlocks from
 * gossip (or Metro's RPC when gossip is silent) are verified like a light client and executed
 * at once. Firm: the same heights read back from the DA move the firm head; if the DA ever
 * disagrees with what ran softly, execution rolls back to the firm version and both signed
 * versions are kept as evidence. Nothing unverified reaches the engine. At a configured fork
 * the conductor moves, once the firm head has caught up, to the next Metro network.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeStatus, signedBlockAt, validatorsAt } from "../chain/index.js";
import { bytesEqual, toHex } from "../core/bytes.js";
import { headerHash, validatorSetHash } from "../core/comet/hashes.js";
import type { Validator } from "../core/comet/types.js";
import type { Logger } from "../core/log.js";
import { rollupIdFromName } from "../core/rollup.js";
import { rollupDataRoot } from "../core/rollup-header.js";
import {
  type RollupSlice,
  RollupSliceCodec,
  type SequencerBlock,
  sliceForRollup,
} from "../core/sequencer-block.js";
import { buildSequencerBlock, readRollupAtDaHeight } from "../relayer/index.js";
import type { ConductorConfig } from "./config.js";
import type { CommitmentState, ExecutedBlock, ExecutionEngine } from "./execution/api.js";
import { type MetroNetwork, rollupNetworks } from "./network.js";
import { type VerifiedHeight, verifyHeight } from "./verify.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Soft blocks further ahead than this are not buffered (gossip can run far ahead of execution). */
const MAX_BUFFERED = 2048n;

export interface ConductorStats {
  /** Rollup block numbers of the two heads. */
  softNumber: bigint;
  firmNumber: bigint;
  /** The Metro heights they executed (on the network each came from). */
  softHeight: bigint;
  firmHeight: bigint;
  executed: number;
  refused: number;
  /** Blobs and blocks the DA reader skipped (not Metro's, or failing verification), one per reason. */
  daSkipped: number;
  rollbacks: number;
  fromRpc: number;
  /** Voters' validator sets read back from Metro (after a restart) and matched to the trust store. */
  votersRecovered: number;
  /** Heights whose prices were proven by the next height's app hash instead of by their votes. */
  pricesProven: number;
  /** Heights verified, and the milliseconds spent verifying them. */
  verified: number;
  verifyMs: number;
}

export interface ConductorOptions {
  config: ConductorConfig;
  home: string;
  engine: ExecutionEngine;
  /** Called with each stretch of blocks that became firm, in order, and the DA height it was read at. */
  onFirm?: (blocks: ExecutedBlock[], daHeight: bigint) => Promise<void>;
  log: Logger;
}

export class Conductor {
  readonly stats: ConductorStats = {
    softNumber: 0n,
    firmNumber: 0n,
    softHeight: 0n,
    firmHeight: 0n,
    executed: 0,
    refused: 0,
    daSkipped: 0,
    rollbacks: 0,
    fromRpc: 0,
    votersRecovered: 0,
    pricesProven: 0,
    verified: 0,
    verifyMs: 0,
  };
  private readonly rollupId: Uint8Array;
  private readonly softBuffer = new Map<bigint, SequencerBlock>();
  private readonly softSlices = new Map<bigint, RollupSlice>();
  /** Recent verified heights' validator sets: each cast the votes the next block carries. */
  private readonly validatorSets = new Map<bigint, Validator[]>();
  /** Header hashes (hex) verified in full, by Metro height: a firm copy then only has its proofs checked. */
  private readonly verifiedHeaders = new Map<string, bigint>();
  /** Header hashes (hex) whose commit was checked as the next block of a height priced by proof. */
  private readonly signedHeaders = new Map<string, bigint>();
  private state!: CommitmentState;
  private network: MetroNetwork;
  private running = false;
  private loops: Promise<void>[] = [];
  private lock: Promise<unknown> = Promise.resolve();
  private waitingSince = Date.now();

  private constructor(
    private readonly options: ConductorOptions,
    private readonly networks: MetroNetwork[],
  ) {
    this.rollupId = rollupIdFromName(options.config.rollupName);
    this.network = networks[0]!;
  }

  static async start(options: ConductorOptions): Promise<Conductor> {
    const { config, engine } = options;
    const genesis = await engine.getGenesisInfo();
    if (!bytesEqual(genesis.rollupId, rollupIdFromName(config.rollupName))) {
      throw new Error(`the execution engine runs another rollup than ${config.rollupName}`);
    }
    const conductor = new Conductor(
      options,
      rollupNetworks(config, genesis.sequencerStartHeight, options.home),
    );
    conductor.state = await engine.getCommitmentState();
    conductor.updateStats();
    await conductor.enter(conductor.networkFor(conductor.stats.softNumber + 1n));
    conductor.running = true;
    conductor.loops = [conductor.softLoop(), conductor.firmLoop()];
    options.log.info(
      {
        rollup: config.rollupName,
        soft: conductor.stats.softNumber.toString(),
        firm: conductor.stats.firmNumber.toString(),
      },
      "conductor resumes",
    );
    return conductor;
  }

  /** The active network's gossip addresses, for peers to dial. */
  gossipAddresses(): string[] {
    return this.network.gossipAddresses();
  }

  /** The Metro chain the soft stream follows now. */
  get metroChainId(): string {
    return this.network.chainId;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await this.network.stopGossip();
  }

  /** A gossiped block; also the entry point a test uses to feed one directly. */
  onGossip(block: SequencerBlock): void {
    const height = block.header?.height;
    if (height === undefined || block.header.chainId !== this.network.chainId) return;
    const next = this.network.metroHeightOf(this.stats.softNumber + 1n);
    if (height < next || height >= next + MAX_BUFFERED) return;
    this.softBuffer.set(height, block);
  }

  private networkFor(rollupHeight: bigint): MetroNetwork {
    return this.networks.find((network) => network.covers(rollupHeight)) ?? this.networks[0]!;
  }

  private async enter(network: MetroNetwork): Promise<void> {
    if (network !== this.network) await this.network.stopGossip();
    this.network = network;
    this.softBuffer.clear();
    if (network !== this.networks[0]) this.validatorSets.clear(); // heights of another chain
    this.verifiedHeaders.clear();
    this.signedHeaders.clear();
    await network.startGossip((block) => this.onGossip(block), this.options.log);
  }

  private updateStats(): void {
    const metroHeight = (block: ExecutedBlock) =>
      block.number === 0n ? this.networks[0]!.firstMetroHeight - 1n : block.sequencerHeight;
    this.stats.softNumber = this.state.soft.number;
    this.stats.firmNumber = this.state.firm.number;
    this.stats.softHeight = metroHeight(this.state.soft);
    this.stats.firmHeight = metroHeight(this.state.firm);
  }

  /** Engine calls and state changes from both streams, one at a time. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task, task);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Throws unless the slice is signed by the trusted set, its data is proven and its prices are
   * Metro's: proven by `next` (the next height's slice, when at hand), else by their votes.
   */
  private verify(slice: RollupSlice, network: MetroNetwork, next?: RollupSlice): VerifiedHeight {
    const started = performance.now();
    const verified = verifyHeight(
      slice,
      {
        chainId: network.chainId,
        rollupId: this.rollupId,
        trust: network.trust,
        validatorsAt: (height) => this.validatorSets.get(height),
        verifiedHeaders: this.verifiedHeaders,
        signedHeaders: this.signedHeaders,
      },
      next,
    );
    if (verified.signedNext) {
      this.signedHeaders.set(toHex(verified.signedNext), verified.height + 1n);
      this.stats.pricesProven++;
    }
    if (verified.proofRefused) {
      this.options.log.debug(
        { height: verified.height.toString(), reason: verified.proofRefused },
        "prices checked by their votes",
      );
    }
    // Saved before the block runs: a crash after the engine commits must not lose the next set.
    network.trust.save(this.firmMetroHeight(network));
    this.validatorSets.set(verified.height, slice.validators);
    this.verifiedHeaders.set(toHex(verified.headerHash), verified.height);
    this.stats.verified++;
    this.stats.verifyMs += performance.now() - started;
    return verified;
  }

  /**
   * The validator set that cast the price votes of the block at `height` (the set of the height
   * before), when the conductor has not seen that block: after a restart, or at the first block
   * of a network. It is read from Metro's RPC and kept only if it hashes to the set the trust
   * store expects at that height, so those votes are checked like every other block's. Without
   * it (an RPC error, or a height the trust store never reached), the votes rest on the commit.
   */
  private async recoverVoterSet(network: MetroNetwork, height: bigint): Promise<void> {
    const previous = height - 1n;
    const expected = network.trust.expectedAt(previous);
    if (this.validatorSets.has(previous) || !expected) return;
    try {
      const validators = await validatorsAt(network.config.metroRpc, Number(previous));
      if (!bytesEqual(validatorSetHash(validators), expected)) return;
      this.validatorSets.set(previous, validators);
      this.stats.votersRecovered++;
    } catch (error) {
      this.options.log.warn(
        { height: previous.toString(), err: error },
        "could not read the voters' validator set",
      );
    }
  }

  /** The Metro height (on `network`) below which its trust entries are no longer needed. */
  private firmMetroHeight(network: MetroNetwork): bigint {
    return network.covers(this.stats.firmNumber + 1n)
      ? network.metroHeightOf(this.stats.firmNumber + 1n) - 1n
      : network.firstMetroHeight;
  }

  private async softLoop(): Promise<void> {
    while (this.running) {
      try {
        await this.softStep();
      } catch (error) {
        // The engine restarting, a fork's gossip failing to start: retry, never exit.
        this.options.log.warn({ err: error }, "soft stream step failed; retrying");
        await sleep(500);
      }
    }
  }

  private async softStep(): Promise<void> {
    const number = this.stats.softNumber + 1n;
    if (!this.network.covers(number)) {
      await this.crossFork(number);
      return;
    }
    const height = this.network.metroHeightOf(number);
    const block = this.softBuffer.get(height) ?? (await this.fromRpcIfSilent(height));
    if (!block) {
      await sleep(20);
      return;
    }
    this.softBuffer.delete(height);
    // When gossip is ahead, the next height proves this one's prices (no need to wait for it).
    const next = this.softBuffer.get(height + 1n);
    await this.exclusive(() => this.onSoft(block, number, next));
    // A refused block (a bad gossip copy, or an RPC node serving one) is not retried at once.
    if (this.stats.softNumber < number) await sleep(250);
  }

  private async onSoft(block: SequencerBlock, number: bigint, next?: SequencerBlock): Promise<void> {
    if (this.stats.softNumber + 1n !== number) return; // the firm stream got there first
    await this.recoverVoterSet(this.network, block.header.height);
    let verified: VerifiedHeight;
    try {
      const nextSlice = next && sliceForRollup(next, this.rollupId);
      verified = this.verify(sliceForRollup(block, this.rollupId), this.network, nextSlice);
    } catch (error) {
      this.stats.refused++;
      this.options.log.warn({ height: block.header.height.toString(), err: error }, "refused a soft block");
      return;
    }
    this.softSlices.set(number, verified.slice);
    const executed = await this.execute(this.state.soft, verified);
    await this.commit({ ...this.state, soft: executed });
    this.waitingSince = Date.now();
  }

  /** At a fork: once everything before it is firm, follow the next network. */
  private async crossFork(number: bigint): Promise<void> {
    if (this.stats.firmNumber + 1n < number) {
      await sleep(100);
      return;
    }
    const next = this.networkFor(number);
    this.options.log.warn(
      { rollupHeight: number.toString(), from: this.network.chainId, to: next.chainId },
      "fork: following the next Metro network",
    );
    await this.exclusive(() => this.enter(next));
    this.waitingSince = Date.now();
  }

  /** Gossip had its chance: read the committed block from Metro's RPC instead. */
  private async fromRpcIfSilent(height: bigint): Promise<SequencerBlock | undefined> {
    if (Date.now() - this.waitingSince < this.options.config.gossipGraceMs) return undefined;
    const { metroRpc } = this.network.config;
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
    // Listeners hear of new firm blocks before the engine records them: after a crash in
    // between, the firm stream finds them again and reports them again, never skips them.
    if (this.options.onFirm && next.firm.number > this.stats.firmNumber) await this.reportFirm(next);
    this.state = await this.options.engine.updateCommitmentState(next);
    this.updateStats();
    for (const number of this.softSlices.keys()) {
      if (number <= this.stats.firmNumber) this.softSlices.delete(number);
    }
    // The firm height's set is kept: it cast the votes of the next firm block.
    for (const height of this.validatorSets.keys()) {
      if (height < this.stats.firmHeight - 1n) this.validatorSets.delete(height);
    }
    for (const headers of [this.verifiedHeaders, this.signedHeaders]) {
      for (const [hash, height] of headers) if (height <= this.stats.firmHeight) headers.delete(hash);
    }
  }

  private async reportFirm(next: CommitmentState): Promise<void> {
    const blocks: ExecutedBlock[] = [];
    // Blocks between the old and the new firm head are already canonical (they ran softly).
    for (let number = this.stats.firmNumber + 1n; number < next.firm.number; number++) {
      const block = await this.options.engine.getBlock({ number, hash: new Uint8Array() });
      if (!block) throw new Error(`rollup block ${number} is missing from the engine`);
      blocks.push(block);
    }
    blocks.push(next.firm);
    try {
      await this.options.onFirm!(blocks, next.firmDaHeight);
    } catch (error) {
      this.options.log.warn({ err: error }, "the firm-block listener failed");
    }
  }

  private async firmLoop(): Promise<void> {
    let network = this.networkFor(this.stats.firmNumber + 1n);
    // The stored DA height belongs to the network of the firm block itself.
    let daHeight =
      this.state.firmDaHeight > 0n && network.covers(this.stats.firmNumber)
        ? Number(this.state.firmDaHeight)
        : network.config.daStartHeight;
    while (this.running) {
      const now = this.networkFor(this.stats.firmNumber + 1n);
      if (now !== network) {
        network = now;
        daHeight = network.config.daStartHeight;
      }
      try {
        const head = (await network.da.networkHead()).height;
        while (this.running && daHeight <= head && this.networkFor(this.stats.firmNumber + 1n) === network) {
          await this.readDaHeight(network, daHeight);
          daHeight++;
        }
      } catch (error) {
        this.options.log.warn({ daHeight, err: error }, "reading the DA failed; retrying");
      }
      await sleep(250);
    }
  }

  private async readDaHeight(network: MetroNetwork, daHeight: number): Promise<void> {
    const { blocks, rejected } = await readRollupAtDaHeight(network.da, daHeight, this.rollupId, {
      chainId: network.chainId,
    });
    this.stats.daSkipped += rejected.length;
    for (const reason of rejected) this.options.log.warn({ daHeight, reason }, "skipped DA data");
    for (const [i, found] of blocks.entries()) {
      const number = network.rollupHeightOf(found.height);
      if (!network.covers(number)) continue;
      const after = blocks[i + 1];
      const next = after?.height === found.height + 1n ? after.slice : undefined;
      await this.exclusive(() => this.onFirm(network, number, found.slice, daHeight, next));
    }
  }

  private async onFirm(
    network: MetroNetwork,
    number: bigint,
    slice: RollupSlice,
    daHeight: number,
    next?: RollupSlice,
  ): Promise<void> {
    if (number !== this.stats.firmNumber + 1n) return; // seen already, or not next: wait for the next
    const softly =
      number <= this.stats.softNumber
        ? await this.options.engine.getBlock({ number, hash: new Uint8Array() })
        : undefined;
    const diverges = softly !== undefined && !bytesEqual(softly.sequencerBlockHash, headerHash(slice.header));
    // What the soft chain taught the trust store above this height may be another fork's.
    if (diverges) network.trust.rewind(slice.header.height);
    await this.recoverVoterSet(network, slice.header.height);
    let verified: VerifiedHeight;
    try {
      verified = this.verify(slice, network, next);
    } catch (error) {
      this.stats.refused++;
      this.options.log.warn(
        { height: slice.header.height.toString(), daHeight, err: error },
        "refused a firm block",
      );
      return;
    }
    const firmDaHeight = BigInt(daHeight);
    if (number > this.stats.softNumber) {
      const executed = await this.execute(this.state.soft, verified);
      await this.commit({ soft: executed, firm: executed, firmDaHeight });
      return;
    }
    if (
      softly &&
      bytesEqual(softly.sequencerBlockHash, verified.headerHash) &&
      bytesEqual(softly.dataHash, rollupDataRoot(verified.items))
    ) {
      await this.commit({ ...this.state, firm: softly, firmDaHeight });
      return;
    }
    this.keepEvidence(number, verified.slice);
    this.softBuffer.clear();
    const executed = await this.execute(this.state.firm, verified);
    await this.commit({ soft: executed, firm: executed, firmDaHeight });
    this.stats.rollbacks++;
    this.options.log.error(
      {
        rollupHeight: number.toString(),
        soft: softly ? toHex(softly.hash) : "missing",
        firm: toHex(executed.hash),
      },
      "the DA disagrees with what was executed softly: rolled back to the firm block",
    );
  }

  private keepEvidence(number: bigint, firm: RollupSlice): void {
    const dir = join(this.options.home, "evidence");
    const soft = this.softSlices.get(number);
    const write = (name: string, slice: RollupSlice) =>
      writeFileSync(join(dir, `${number}-${name}.bin`), RollupSliceCodec.encode(slice));
    mkdirSync(dir, { recursive: true });
    write("firm", firm);
    if (soft) write("soft", soft);
  }
}
