import { CHAIN_ID_KEY, readChainId } from "../modules/chain-id.js";
import "../../core/proto/cosmjs-writer.js";
import {
  CheckTxType,
  type Request,
  type RequestApplySnapshotChunk,
  type RequestCheckTx,
  type RequestExtendVote,
  type RequestFinalizeBlock,
  type RequestInfo,
  type RequestInitChain,
  type RequestLoadSnapshotChunk,
  type RequestOfferSnapshot,
  type RequestPrepareProposal,
  type RequestProcessProposal,
  type RequestQuery,
  type RequestVerifyVoteExtension,
  type ResponseApplySnapshotChunk,
  ResponseApplySnapshotChunk_Result,
  type ResponseCheckTx,
  type ResponseCommit,
  type ResponseExtendVote,
  type ResponseFinalizeBlock,
  type ResponseInfo,
  type ResponseInitChain,
  type ResponseListSnapshots,
  type ResponseLoadSnapshotChunk,
  type ResponseOfferSnapshot,
  ResponseOfferSnapshot_Result,
  type ResponsePrepareProposal,
  type ResponseProcessProposal,
  ResponseProcessProposal_ProposalStatus,
  type ResponseQuery,
  type ResponseVerifyVoteExtension,
  ResponseVerifyVoteExtension_VerifyStatus,
  type ValidatorUpdate,
} from "cosmjs-types/tendermint/abci/types";
import { bytesEqual, toHex, utf8 } from "../../core/bytes.js";
import { parseDecimal } from "../../core/decimal.js";
import type { BadVoteExtension, InjectionTamper } from "../../core/fault-injection.js";
import { sha256 } from "../../core/hash.js";
import type { Logger } from "../../core/log.js";
import { timestampToMs } from "../../core/timestamp.js";
import { type DecimalPrices, encodeInjectedCommit } from "../../oracle/index.js";
import type { AbciApplication } from "../abci/application.js";
import { getAccount } from "../modules/auth.js";
import { readHaltHeight } from "../modules/gov.js";
import { readValidatorKeys } from "../modules/oracle.js";
import { type BlockOracleFaults, NO_ORACLE_FAULTS } from "../modules/oracle-penalties.js";
import { readBlockMaxBytes, readParams, writeBlockMaxBytes } from "../modules/params.js";
import { readEvidenceMaxAgeBlocks } from "../modules/staking.js";
import type { PruningSettings } from "../node/app-config.js";
import { StateSync, type StateSyncOptions } from "../statesync/index.js";
import { type CommitBatch, CommittedState, StoreWriteError, toTreeChanges } from "../store/committed.js";
import { StateOverlay, type StateReader } from "../store/overlay.js";
import { DecodedTxCache } from "../tx/cache.js";
import type { DecodedTx } from "../tx/decode.js";
import { signatureMemo, signBytes } from "../tx/sign-doc.js";
import { Secp256k1Verifier } from "../tx/signature.js";
import { SignatureVerifierPool } from "../tx/verify-pool.js";
import {
  COMMITMENT_TX_SPACE,
  commitmentTxFor,
  encodedTxSize,
  injectedTxCount,
  injectedTxOutcome,
  maxBlockTxBytes,
} from "./block-layout.js";
import { endBlock, readBlockTimeMs } from "./end-block.js";
import { creditBlockFees, runTx, type TxContext, type TxMode, type TxOutcome } from "./execute.js";
import { applyGenesis, parseGenesisAppState } from "./genesis.js";
import { importState } from "./hard-fork.js";
import type { AppObserver } from "./metrics.js";
import { badVoteExtension, tamperedCommit } from "./misbehaviour.js";
import {
  applyPrices,
  extendVote,
  hasInjectedCommit,
  initOracle,
  injectedCommitProblem,
  verifyVoteExtension,
} from "./oracle.js";
import { handleQuery } from "./query.js";
import { blockRetainHeight } from "./retention.js";
import { pruneRollupIndex, rollupIndexEntry } from "./rollup-index.js";
import { initValidatorSet } from "./validators.js";

export const APP_VERSION = 1n;
/** Without settings the app keeps every height and every block. */
const KEEP_ALL: PruningSettings = { keepRecent: 0, interval: 100, minRetainBlocks: 0 };

export interface MetroAppOptions {
  verifyWorkers?: number;
  /** Which heights of state and blocks are kept (`<home>/config/app.json`); default: all. */
  pruning?: PruningSettings;
  /** The latest prices from this validator's oracle sidecar (undefined: none fresh enough). */
  prices?: () => DecimalPrices | undefined;
  /** Tests only: the proposer alters the commit it injects, which every validator must reject. */
  tamperInjectedCommit?: InjectionTamper;
  /** Tests only: this validator's vote extensions are oversized, or signed too late to count. */
  badVoteExtensions?: BadVoteExtension;
  /** Called after committing the height governance chose to halt at. */
  onHalt?: (height: bigint) => void;
  /** Called when a block's state could not be written (the node must stop; the store is intact). */
  onStoreFailure?: (error: StoreWriteError) => void;
  /** Told of every CheckTx, vote extension and finalized block (metrics). */
  observer?: AppObserver;
  /** Snapshots for CometBFT's state sync, taken and restored (none: snapshots are refused). */
  stateSync?: StateSyncOptions;
}

/** A block's txs run against state, not yet committed. */
interface BlockExecution {
  height: bigint;
  state: StateOverlay;
  results: TxOutcome[];
}

/**
 * The Metro sequencer: orders opaque rollup transactions and LST payments, never executes
 * rollup data. State changes reach disk only in Commit, in one atomic write.
 */
export class MetroApp implements AbciApplication {
  readonly store: CommittedState;
  private readonly verifier = new Secp256k1Verifier();
  private readonly txCache = new DecodedTxCache();
  /** InitChain's state, held until the first block commits so that a crash before that re-runs InitChain. */
  private genesis: StateOverlay | undefined;
  /** The first block's height (genesis `initial_height`). */
  private initialHeight = 1n;
  private checkState: StateOverlay;
  /** Every tx accepted into checkState since it was last reset, in order, with what it did. */
  private checkLog: TxOutcome[] = [];
  private replayedTxs = 0;

  /** Txs of the current height whose CheckTx work was reused instead of executing them again. */
  get replayedThisHeight(): number {
    return this.replayedTxs;
  }
  private cachedCheckContext: TxContext | undefined;
  private finalized: CommitBatch | undefined;
  /** ProcessProposal's executions by block hash, reused by FinalizeBlock for the same block. */
  private readonly executions = new Map<string, BlockExecution>();
  /** The proposer's PrepareProposal result, reused when its own proposal comes back to ProcessProposal. */
  private prepared: { digest: string; execution: BlockExecution } | undefined;
  /** Milliseconds spent in each consensus step of the current height, logged at Commit. */
  private timings: Record<string, number> = {};
  private checkTxCount = 0;
  /** The last finalized block's rollup bytes and oracle faults, kept for the observer. */
  private finalizedRollupBytes = 0;
  private finalizedFaults: BlockOracleFaults = NO_ORACLE_FAULTS;

  private timed<T>(step: string, work: () => T): T {
    const started = performance.now();
    try {
      return work();
    } finally {
      this.timings[step] = (this.timings[step] ?? 0) + Math.round((performance.now() - started) * 10) / 10;
    }
  }

  private readonly pruning: PruningSettings;
  /** Worker threads for CheckTx signature checks (none: checks run inline). */
  private readonly verifyPool: SignatureVerifierPool | undefined;
  /** Signature checks started by prefetch, by the tx bytes' identity (the same request object). */
  private readonly prefetched = new WeakMap<Uint8Array, Promise<void>>();
  /** This validator's sidecar prices, for its vote extensions. */
  private readonly prices: (() => DecimalPrices | undefined) | undefined;
  private readonly tamperInjectedCommit: InjectionTamper | undefined;
  private readonly badVoteExtensions: BadVoteExtension | undefined;
  private readonly onHalt: ((height: bigint) => void) | undefined;
  private readonly onStoreFailure: ((error: StoreWriteError) => void) | undefined;
  private readonly observer: AppObserver | undefined;
  private readonly stateSync: StateSync | undefined;

  constructor(
    dataDir: string,
    private readonly log: Logger,
    options: MetroAppOptions = {},
  ) {
    this.pruning = options.pruning ?? KEEP_ALL;
    this.prices = options.prices;
    this.tamperInjectedCommit = options.tamperInjectedCommit;
    this.badVoteExtensions = options.badVoteExtensions;
    this.onHalt = options.onHalt;
    this.onStoreFailure = options.onStoreFailure;
    this.observer = options.observer;
    this.store = new CommittedState(dataDir);
    this.stateSync = options.stateSync && new StateSync(this.store, options.stateSync, log);
    this.checkState = new StateOverlay(this.store);
    const workers = options.verifyWorkers ?? 0;
    this.verifyPool =
      workers > 0
        ? new SignatureVerifierPool(workers, (error) =>
            this.log.error({ err: error }, "signature worker failed; replaced, and its checks run inline"),
          )
        : undefined;
  }

  /** Starts a new tx's signature check on a worker while earlier requests are still answered. */
  prefetch(request: Request): void {
    const check = request.checkTx;
    if (!this.verifyPool || !check || check.type !== CheckTxType.NEW) return;
    let tx: DecodedTx;
    try {
      tx = this.txCache.decode(check.tx);
    } catch {
      return; // CheckTx will reject it with the reason
    }
    const account = getAccount(this.checkState, tx.signer.address);
    if (!account) return;
    const memo = signatureMemo(tx, account.accountNumber);
    if (this.verifier.isKnownValid(memo)) return;
    let digest: Uint8Array;
    try {
      digest = sha256(signBytes(tx, this.checkContext().chainId, account.accountNumber));
    } catch {
      return; // a sign mode or amino form Metro refuses: CheckTx says why
    }
    const verified = this.verifyPool.verify(tx.signer.pubkey, digest, tx.signature).then((ok) => {
      if (ok) this.verifier.remember(memo);
    });
    this.prefetched.set(check.tx, verified);
  }

  private base(): StateReader {
    return this.genesis ?? this.store;
  }

  private context(state: StateReader, height: bigint, mode: TxMode, timeMs: bigint): TxContext {
    const params = readParams(state);
    const blockMaxBytes = mode === "check" ? readBlockMaxBytes(state) : undefined;
    return {
      blockTxBytes:
        blockMaxBytes === undefined
          ? undefined
          : maxBlockTxBytes(blockMaxBytes, readValidatorKeys(state).size),
      chainId: readChainId(state),
      height,
      timeMs,
      params,
      minGasPrice: parseDecimal(params.minGasPrice),
      verifier: this.verifier,
      decode: (bytes) => this.txCache.decode(bytes),
      mode,
    };
  }

  /** CheckTx's context, built once per height: params only change through committed blocks. */
  private checkContext(): TxContext {
    this.cachedCheckContext ??= this.context(
      this.checkState,
      this.nextHeight(),
      "check",
      readBlockTimeMs(this.checkState),
    );
    return this.cachedCheckContext;
  }

  info(_request: RequestInfo): ResponseInfo {
    const { height, root } = this.store;
    return {
      data: "metro",
      version: "0.1.0",
      appVersion: APP_VERSION,
      lastBlockHeight: height,
      lastBlockAppHash: height > 0n ? root : new Uint8Array(),
    };
  }

  initChain(request: RequestInitChain): ResponseInitChain {
    if (this.store.height > 0n) throw new Error(`InitChain at committed height ${this.store.height}`);
    const genesisState = parseGenesisAppState(request.appStateBytes);
    const genesis = new StateOverlay(this.store);
    genesis.set(CHAIN_ID_KEY, utf8(request.chainId));
    let validators: ValidatorUpdate[];
    if (genesisState.kind === "export") {
      validators = importState(genesis, genesisState.exported, request, CHAIN_ID_KEY);
    } else {
      const { appState } = genesisState;
      applyGenesis(genesis, appState, timestampToMs(request.time));
      initOracle(genesis, request, appState.oracle?.pairs);
      validators = initValidatorSet(genesis, request);
    }
    const blockMaxBytes = request.consensusParams?.block?.maxBytes;
    if (blockMaxBytes !== undefined) writeBlockMaxBytes(genesis, blockMaxBytes);
    this.genesis = genesis;
    this.initialHeight = request.initialHeight > 0n ? request.initialHeight : 1n;
    this.checkState = new StateOverlay(genesis);
    this.checkLog = [];
    this.cachedCheckContext = undefined;
    const root = this.store.tree().update(this.store.root, toTreeChanges(genesis.changes()));
    this.log.info(
      {
        chainId: request.chainId,
        from: genesisState.kind,
        validators: validators.length,
        appHash: toHex(root),
      },
      "init chain",
    );
    return { validators, appHash: root };
  }

  async checkTx(request: RequestCheckTx): Promise<ResponseCheckTx> {
    this.checkTxCount++;
    const started = performance.now();
    const prefetched = this.prefetched.get(request.tx);
    if (prefetched) await prefetched;
    const response = this.timed("checkTx", () => this.check(request));
    this.observer?.checkTx(response.code, request.type === CheckTxType.RECHECK, performance.now() - started);
    return response;
  }

  private check(request: RequestCheckTx): ResponseCheckTx {
    const outcome = runTx(this.checkState, request.tx, this.checkContext());
    if (outcome.code === 0) this.checkLog.push(outcome);
    // No data in CheckTx, like the Cosmos SDK: cosmjs reads broadcast_tx_sync's data (hex) as base64.
    return {
      code: outcome.code,
      data: new Uint8Array(),
      log: outcome.log,
      info: "",
      gasWanted: outcome.gasWanted,
      gasUsed: outcome.gasUsed,
      events: [],
      codespace: outcome.codespace,
    };
  }

  /** Keeps the mempool's order, dropping txs that would fail and those past the size limit. */
  prepareProposal(request: RequestPrepareProposal): ResponsePrepareProposal {
    return this.timed("prepare", () => this.prepare(request));
  }

  private prepare(request: RequestPrepareProposal): ResponsePrepareProposal {
    const state = new StateOverlay(this.base());
    const context = this.context(state, request.height, "deliver", timestampToMs(request.time));
    const run = this.replayer();
    const injected = this.injectedCommit(request);
    const txs: Uint8Array[] = [];
    const hashes: Uint8Array[] = [];
    const results: TxOutcome[] = [];
    let bytes = COMMITMENT_TX_SPACE + (injected ? encodedTxSize(injected) : 0);
    const dropped = new Map<number, number>();
    for (const tx of request.txs) {
      const size = encodedTxSize(tx);
      if (bytes + size > Number(request.maxTxBytes)) continue;
      const hash = sha256(tx);
      const result = run(state, tx, hash, context);
      if (result.code !== 0) {
        dropped.set(result.code, (dropped.get(result.code) ?? 0) + 1);
        continue;
      }
      txs.push(tx);
      hashes.push(hash);
      results.push(result);
      bytes += size;
    }
    creditBlockFees(state, results, context.params.feeDenom);
    if (dropped.size > 0) {
      this.log.debug(
        { height: request.height, offered: request.txs.length, dropped: Object.fromEntries(dropped) },
        "proposal leaves out failing txs",
      );
    }
    const lead = [commitmentTxFor(results), ...(injected ? [injected] : [])];
    txs.unshift(...lead);
    hashes.unshift(...lead.map((tx) => sha256(tx)));
    results.unshift(...lead.map(injectedTxOutcome));
    // The proposer's own ProcessProposal will see exactly these txs: keep the work.
    this.prepared = {
      digest: txsDigest(request.height, hashes),
      execution: { height: request.height, state, results },
    };
    return { txs };
  }

  /** The extended commit to inject at this height, when vote extensions are on. */
  private injectedCommit(request: RequestPrepareProposal): Uint8Array | undefined {
    if (!hasInjectedCommit(this.base(), request.height)) return undefined;
    const commit = request.localLastCommit;
    return encodeInjectedCommit(
      this.tamperInjectedCommit ? tamperedCommit(commit, this.tamperInjectedCommit) : commit,
    );
  }

  /**
   * Rejects a proposal without the right commitment tx first, or holding any user tx that fails:
   * honest proposers never make one.
   */
  processProposal(request: RequestProcessProposal): ResponseProcessProposal {
    return this.timed("process", () => this.process(request));
  }

  private process(request: RequestProcessProposal): ResponseProcessProposal {
    const reject = (reason: Record<string, unknown>): ResponseProcessProposal => {
      this.log.warn({ height: request.height, ...reason }, "rejecting proposal");
      return { status: ResponseProcessProposal_ProposalStatus.REJECT };
    };
    const base = this.base();
    const withCommit = hasInjectedCommit(base, request.height);
    const lead = injectedTxCount(request.txs);
    if (lead !== (withCommit ? 2 : 1)) return reject({ reason: `block starts with ${lead} Metro txs` });
    if (withCommit) {
      const { chainId } = this.checkContext();
      const problem = injectedCommitProblem(
        base,
        chainId,
        request.height,
        request.txs[1],
        request.proposedLastCommit,
      );
      if (problem) return reject({ reason: `injected commit: ${problem}` });
    }
    const hashes = request.txs.map((tx) => sha256(tx));
    const prepared = this.prepared?.digest === txsDigest(request.height, hashes) ? this.prepared : undefined;
    const execution =
      prepared?.execution ?? this.execute(request.height, timestampToMs(request.time), request.txs, hashes);
    const failed = execution.results.findIndex((result) => result.code !== 0);
    if (failed >= 0) {
      const result = execution.results[failed]!;
      return reject({ tx: failed, code: result.code, reason: result.log });
    }
    if (!prepared && !bytesEqual(commitmentTxFor(execution.results.slice(lead)), request.txs[0]!)) {
      return reject({ reason: "block commitment does not match the block's rollup data" });
    }
    this.executions.set(toHex(request.hash), execution);
    return { status: ResponseProcessProposal_ProposalStatus.ACCEPT };
  }

  /** `hashes` are the txs' sha256, computed once by the caller. Injected txs lead the block. */
  private execute(
    height: bigint,
    timeMs: bigint,
    txs: readonly Uint8Array[],
    hashes: readonly Uint8Array[],
  ): BlockExecution {
    const state = new StateOverlay(this.base());
    const context = this.context(state, height, "deliver", timeMs);
    const run = this.replayer();
    const injected = injectedTxCount(txs);
    const results = txs.map((tx, i) =>
      i < injected ? injectedTxOutcome() : run(state, tx, hashes[i]!, context),
    );
    creditBlockFees(state, results, context.params.feeDenom);
    return { height, state, results };
  }

  /**
   * Runs a block's txs in order, reusing CheckTx's work where it still holds. CheckTx recorded,
   * for each tx it accepted, the values it read and the values it wrote. Execution is a pure
   * function of those reads, so where the block's state still holds the same values, the logged
   * writes are exactly what executing the tx would write. Txs of different accounts share no key
   * (fees reach the collector once per block), so this holds in whatever order the mempool
   * hands the txs over; anything else executes as usual.
   */
  private replayer(): (
    state: StateOverlay,
    tx: Uint8Array,
    hash: Uint8Array,
    context: TxContext,
  ) => TxOutcome {
    const logged = this.checkLogByHash();
    return (state, tx, hash, context) => {
      const entry = logged.get(toHex(hash));
      if (entry && !entry.timeDependent && readsStillHold(state, entry)) {
        this.replayedTxs++;
        for (const [key, value] of entry.writes) {
          if (value === null) state.delete(key);
          else state.set(key, value);
        }
        return entry;
      }
      return runTx(state, tx, context);
    };
  }

  private checkLogByHash(): Map<string, TxOutcome> {
    const byHash = new Map<string, TxOutcome>();
    for (const entry of this.checkLog) if (entry.hash) byHash.set(toHex(entry.hash), entry);
    return byHash;
  }

  /** This validator's prices; any failure gives an empty extension, so the chain stays live. */
  async extendVote(request: RequestExtendVote): Promise<ResponseExtendVote> {
    if (this.badVoteExtensions)
      return badVoteExtension(this.badVoteExtensions, () => this.ownExtension(request));
    return this.ownExtension(request);
  }

  private ownExtension(request: RequestExtendVote): ResponseExtendVote {
    try {
      const voteExtension = extendVote(this.base(), this.prices?.());
      this.observer?.voteExtension(voteExtension.length);
      return { voteExtension };
    } catch (error) {
      this.log.warn({ err: error, height: request.height.toString() }, "no vote extension this height");
      return { voteExtension: new Uint8Array() };
    }
  }

  verifyVoteExtension(request: RequestVerifyVoteExtension): ResponseVerifyVoteExtension {
    const ok = verifyVoteExtension(this.base(), request.voteExtension);
    if (!ok) {
      this.log.warn(
        { height: request.height.toString(), validator: toHex(request.validatorAddress) },
        "rejected a vote extension",
      );
    }
    return {
      status: ok
        ? ResponseVerifyVoteExtension_VerifyStatus.ACCEPT
        : ResponseVerifyVoteExtension_VerifyStatus.REJECT,
    };
  }

  finalizeBlock(request: RequestFinalizeBlock): ResponseFinalizeBlock {
    const started = performance.now();
    const response = this.timed("finalize", () => this.finalize(request));
    this.observer?.finalized({
      request,
      injectedTxs: injectedTxCount(request.txs),
      rollupBytes: this.finalizedRollupBytes,
      events: response.events,
      oracleFaults: this.finalizedFaults,
      ms: performance.now() - started,
    });
    return response;
  }

  /** The height the next block must have. */
  private nextHeight(): bigint {
    return this.genesis ? this.initialHeight : this.store.height + 1n;
  }

  /** The height governance halted the chain at, once it is committed; undefined while running. */
  haltedAt(): bigint | undefined {
    const halt = readHaltHeight(this.store);
    return halt > 0n && this.store.height >= halt ? halt : undefined;
  }

  private finalize(request: RequestFinalizeBlock): ResponseFinalizeBlock {
    const halted = this.haltedAt();
    if (halted !== undefined) throw new Error(`the chain halted at height ${halted} by governance`);
    const expected = this.nextHeight();
    if (request.height !== expected)
      throw new Error(`FinalizeBlock at height ${request.height}, expected ${expected}`);
    const timeMs = timestampToMs(request.time);
    const cached = this.executions.get(toHex(request.hash));
    const execution =
      cached?.height === request.height
        ? cached
        : this.execute(
            request.height,
            timeMs,
            request.txs,
            request.txs.map((tx) => sha256(tx)),
          );
    const lead = injectedTxCount(request.txs);
    const prices = applyPrices(
      execution.state,
      request.height,
      timeMs,
      lead === 2 ? request.txs[1] : undefined,
    );
    if (this.observer) {
      this.finalizedRollupBytes = rollupBytesOf(execution.results);
      this.finalizedFaults = prices.faults;
    }
    const end = endBlock(
      execution.state,
      {
        height: request.height,
        timeMs,
        decidedLastCommit: request.decidedLastCommit,
        misbehavior: request.misbehavior,
        blockHash: request.hash,
        oracleFaults: prices.faults,
      },
      readParams(execution.state),
    );
    let writes = execution.state.changes();
    if (this.genesis) {
      // Genesis and the first block reach disk together, without touching the genesis overlay
      // that CheckTx still reads until Commit.
      const first = new StateOverlay(this.store);
      this.genesis.mergeInto(first);
      execution.state.mergeInto(first);
      writes = first.changes();
    }
    const tree = this.store.tree();
    const root = tree.update(this.store.root, toTreeChanges(writes));
    this.finalized = {
      height: request.height,
      root,
      nodes: tree.pending,
      orphaned: tree.orphaned(),
      writes,
      index: indexEntries(execution),
    };
    return {
      events: end.events,
      txResults: execution.results.map((result) => ({
        code: result.code,
        data: result.data,
        log: result.log,
        info: "",
        gasWanted: result.gasWanted,
        gasUsed: result.gasUsed,
        events: result.events,
        codespace: result.codespace,
      })),
      validatorUpdates: end.validatorUpdates,
      appHash: root,
    };
  }

  commit(): ResponseCommit {
    const batch = this.finalized;
    if (!batch) throw new Error("Commit without a finalized block");
    try {
      this.timed("commit", () => this.store.commit(batch));
    } catch (error) {
      if (error instanceof StoreWriteError) this.onStoreFailure?.(error);
      throw error;
    }
    const retainHeight = this.retainHeight(batch.height);
    if (batch.height % BigInt(this.pruning.interval) === 0n) this.prune(batch.height, retainHeight);
    this.log.info(
      {
        height: batch.height.toString(),
        writes: batch.writes.size,
        nodes: batch.nodes.size,
        checkTxs: this.checkTxCount,
        replayed: this.replayedTxs,
        ms: this.timings,
      },
      "committed",
    );
    this.stateSync?.afterCommit(batch.height, batch.root);
    if (this.haltedAt() !== undefined) this.onHalt?.(batch.height);
    this.timings = {};
    this.checkTxCount = 0;
    this.replayedTxs = 0;
    this.finalized = undefined;
    this.genesis = undefined;
    this.executions.clear();
    this.prepared = undefined;
    this.checkState = new StateOverlay(this.store);
    this.checkLog = [];
    this.cachedCheckContext = undefined;
    return { retainHeight };
  }

  /** The lowest block CometBFT keeps after `height` (0: all), and so the lowest rollup data kept. */
  private retainHeight(height: bigint): bigint {
    return blockRetainHeight({
      commitHeight: height,
      minRetainBlocks: this.pruning.minRetainBlocks,
      snapshotInterval: this.stateSync?.settings.interval ?? 0,
      snapshotKeepRecent: this.stateSync?.settings.keepRecent ?? 0,
      evidenceMaxAgeBlocks: readEvidenceMaxAgeBlocks(this.store),
    });
  }

  /** Old state versions, and the rollup data of blocks CometBFT is told to drop; each in one transaction. */
  private prune(height: bigint, retainHeight: bigint): void {
    const { keepRecent } = this.pruning;
    const pinned = this.stateSync?.pinnedHeight;
    const keepFrom = height - BigInt(keepRecent) + 1n;
    const stateFrom = pinned !== undefined && pinned < keepFrom ? pinned : keepFrom;
    const nodes = keepRecent > 0 ? this.timed("prune", () => this.store.prune(stateFrom)) : 0;
    const rollupTxs =
      retainHeight > 0n ? this.timed("prune", () => pruneRollupIndex(this.store, retainHeight)) : 0;
    if (nodes > 0 || rollupTxs > 0) {
      this.log.info(
        { height: height.toString(), nodes, rollupTxs, retainHeight: retainHeight.toString() },
        "pruned old state versions and rollup data",
      );
    }
  }

  query(request: RequestQuery): ResponseQuery {
    return handleQuery(request, {
      store: this.store,
      simulate: (txBytes) => {
        const state = new StateOverlay(this.store);
        return runTx(
          state,
          txBytes,
          this.context(state, this.nextHeight(), "simulate", readBlockTimeMs(this.store)),
        );
      },
    });
  }

  listSnapshots(): ResponseListSnapshots {
    return this.stateSync?.listSnapshots() ?? { snapshots: [] };
  }

  offerSnapshot(request: RequestOfferSnapshot): ResponseOfferSnapshot {
    return this.stateSync?.offerSnapshot(request) ?? { result: ResponseOfferSnapshot_Result.REJECT };
  }

  loadSnapshotChunk(request: RequestLoadSnapshotChunk): ResponseLoadSnapshotChunk {
    return this.stateSync?.loadSnapshotChunk(request) ?? { chunk: new Uint8Array() };
  }

  applySnapshotChunk(request: RequestApplySnapshotChunk): ResponseApplySnapshotChunk {
    if (!this.stateSync)
      return { result: ResponseApplySnapshotChunk_Result.ABORT, refetchChunks: [], rejectSenders: [] };
    const { response, restored } = this.stateSync.applySnapshotChunk(request);
    // The store now holds the restored height: CheckTx must read it, not the empty state.
    if (restored) {
      this.checkState = new StateOverlay(this.store);
      this.checkLog = [];
      this.cachedCheckContext = undefined;
    }
    return response;
  }

  async close(): Promise<void> {
    await this.verifyPool?.close();
    await this.stateSync?.close();
    await this.store.close();
  }
}

/** Identifies a proposal's content: its height and its txs (by hash) in order. */
function txsDigest(height: bigint, hashes: readonly Uint8Array[]): string {
  return `${height}:${toHex(sha256(...hashes))}`;
}

function indexEntries(execution: BlockExecution): CommitBatch["index"] {
  const entries: { key: Uint8Array; value: Uint8Array }[] = [];
  for (const result of execution.results) {
    if (result.code !== 0 || !result.hash) continue;
    for (const item of result.rollupItems) {
      entries.push(
        rollupIndexEntry(execution.height, item.rollupId, entries.length, {
          txHash: result.hash,
          msgIndex: item.msgIndex,
          data: item.data,
        }),
      );
    }
  }
  return entries;
}

function rollupBytesOf(results: readonly TxOutcome[]): number {
  let bytes = 0;
  for (const result of results) {
    if (result.code === 0) for (const item of result.rollupItems) bytes += item.data.length;
  }
  return bytes;
}

function readsStillHold(state: StateReader, entry: TxOutcome): boolean {
  for (const [key, value] of entry.reads) {
    const now = state.get(key);
    if (now === undefined || value === undefined ? now !== value : !bytesEqual(now, value)) return false;
  }
  return true;
}
