/**
 * The composer: turns a rollup's raw txs (the EVM node's eth_sendRawTransaction, or any
 * rollup's) into MsgSequence txs on Metro, paid from one Metro account, so rollup users never
 * need a Cosmos wallet.
 *
 * Txs queue in arrival order and go out in batches cut by count and by bytes: each Metro tx
 * stays within the largest tx Metro and its RPC take (read at start and after each refusal).
 * A batch goes as soon as it is full, or once its oldest tx has waited `lingerMs`. Up to
 * `window` batches are signed at consecutive sequences and broadcast in order in one round;
 * each batch's callers are settled when CheckTx accepts its tx. On a refusal, the refused batch
 * and every one after it go back to the front of the queue, the terms are read again and they
 * are signed anew, in the same order; once Metro has refused the same txs `maxAttempts` times,
 * their callers get its reason. Nothing is dropped silently and a sender's txs keep their order.
 */
import { expectedSequence, OfflineSigner, sequenceMsg, signAtMinimumFee } from "../../chain/index.js";
import type { Logger } from "../../core/log.js";
import { ComposerError, RollupTxRefusedError, SequencingRefusedError } from "./errors.js";
import { metroSequencingRpc, type SequencingRpc, type SequencingTerms, type Verdict } from "./metro.js";
import { type BatchLimits, type Pending, PendingQueue } from "./queue.js";
import { sequenceMessageBytes, signedTxBytes } from "./size.js";
import { type ComposerTuning, resolveTuning } from "./tuning.js";

export interface ComposerSetup {
  rollupName: string;
  tuning?: ComposerTuning;
  log: Logger;
}

export interface ComposerOptions extends ComposerSetup {
  metroRpc: string;
  mnemonic: string;
  accountIndex: number;
}

/** One Metro tx of the composer's, signed at `sequence`. */
interface SignedBatch {
  items: Pending[];
  sequence: bigint;
  tx: Uint8Array;
}

const STOPPED = "the composer stopped";

export class Composer {
  private readonly queue = new PendingQueue();
  private readonly tuning: Required<ComposerTuning>;
  /** Batches Metro did not answer for: sent again byte for byte, so a tx it holds is recognized. */
  private unanswered: SignedBatch[] = [];
  /** The batches of the round under way. */
  private inFlight: SignedBatch[] = [];
  private nextSequence: bigint;
  private round: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = 0;
  private retryAt = 0;
  private stopped = false;

  private constructor(
    private readonly setup: ComposerSetup,
    private readonly signer: OfflineSigner,
    private readonly rpc: SequencingRpc,
    private terms: SequencingTerms,
  ) {
    this.tuning = resolveTuning(setup.tuning);
    this.nextSequence = terms.sequence;
  }

  static async start(options: ComposerOptions): Promise<Composer> {
    const signer = await OfflineSigner.fromMnemonic(options.mnemonic, options.accountIndex);
    return Composer.connect(signer, metroSequencingRpc(options.metroRpc), options);
  }

  /** A composer paying from `signer`, on the Metro `rpc` stands for. */
  static async connect(signer: OfflineSigner, rpc: SequencingRpc, setup: ComposerSetup): Promise<Composer> {
    return new Composer(setup, signer, rpc, await rpc.readTerms(signer));
  }

  get address(): string {
    return this.signer.address;
  }

  /**
   * Resolves once Metro's CheckTx accepted the Metro tx carrying `raw`; rejects with Metro's
   * reason, or at once when no Metro tx could carry it.
   */
  submit(raw: Uint8Array): Promise<void> {
    if (this.stopped) return Promise.reject(new ComposerError(STOPPED));
    const messageBytes = sequenceMessageBytes(this.signer.address.length, raw.length);
    const refusal = this.refusalFor(raw, messageBytes);
    if (refusal) return Promise.reject(refusal);
    return new Promise((resolve, reject) => {
      this.queue.push({ raw, messageBytes, queuedAt: Date.now(), attempts: 0, resolve, reject });
      this.schedule();
    });
  }

  /** Callers still waiting are told the composer stopped (a tx in flight may still land). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const error = new ComposerError(`${STOPPED} before Metro accepted the tx`);
    this.queue.rejectAll(error);
    for (const batch of [...this.inFlight, ...this.unanswered]) rejectItems(batch.items, error);
    this.unanswered = [];
  }

  private get limits(): BatchLimits {
    return {
      maxBatch: this.tuning.maxBatch,
      maxTxBytes: Math.min(this.terms.maxTxBytes, this.tuning.maxTxBytes),
    };
  }

  /** Why Metro could never take `raw` under the current terms, if it could not. */
  private refusalFor(raw: Uint8Array, messageBytes: number): RollupTxRefusedError | undefined {
    const { maxRollupDataBytes } = this.terms.params;
    if (raw.length === 0) return new RollupTxRefusedError("the rollup tx is empty", 0, 1);
    if (raw.length > maxRollupDataBytes) {
      return new RollupTxRefusedError(
        `the rollup tx is ${raw.length} bytes; Metro carries at most ${maxRollupDataBytes} bytes of rollup data per tx (max_rollup_data_bytes)`,
        raw.length,
        maxRollupDataBytes,
      );
    }
    const alone = signedTxBytes(messageBytes);
    const { maxTxBytes } = this.limits;
    if (alone > maxTxBytes) {
      return new RollupTxRefusedError(
        `the rollup tx is ${raw.length} bytes; a Metro tx carrying it alone takes up to ${alone} bytes, over the ${maxTxBytes} this composer may send (the least of max_tx_bytes, a block's room and the RPC's request limit)`,
        raw.length,
        maxTxBytes,
      );
    }
    return undefined;
  }

  /**
   * Sets the timer for the next round: now when a batch is due, else when one will be. Rounds
   * always start from the timer, so txs submitted together are cut together.
   */
  private schedule(): void {
    if (this.round || this.stopped) return;
    const wait = this.msUntilDue();
    if (wait === undefined) return;
    const dueAt = Date.now() + Math.max(0, wait);
    if (this.timer !== undefined && this.timerDueAt <= dueAt) return;
    clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startRound();
    }, dueAt - Date.now());
  }

  private startRound(): void {
    if (this.round || this.stopped) return;
    this.round = this.runRound().finally(() => {
      this.round = undefined;
      this.schedule();
    });
  }

  /** Milliseconds until there is something to send (0: now); undefined when there is nothing. */
  private msUntilDue(): number | undefined {
    const now = Date.now();
    const backoff = this.retryAt - now;
    if (this.unanswered.length > 0) return backoff;
    const front = this.queue.front;
    if (!front) return undefined;
    if (this.queue.holdsFullBatch(this.limits)) return backoff;
    return Math.max(backoff, front.queuedAt + this.tuning.lingerMs - now);
  }

  private batchDue(): boolean {
    const front = this.queue.front;
    if (!front) return false;
    return this.queue.holdsFullBatch(this.limits) || Date.now() >= front.queuedAt + this.tuning.lingerMs;
  }

  private async runRound(): Promise<void> {
    const batches = this.unanswered.length > 0 ? this.unanswered : this.cutBatches();
    this.unanswered = [];
    this.inFlight = batches;
    try {
      if (batches.length > 0) await this.settle(batches, await this.rpc.broadcast(batches.map((b) => b.tx)));
    } catch (error) {
      // A bug, not Metro's answer: still, no caller is left waiting.
      const failure = new ComposerError(`the composer failed: ${(error as Error).message}`);
      for (const batch of batches) rejectItems(batch.items, failure);
    } finally {
      this.inFlight = [];
    }
  }

  private cutBatches(): SignedBatch[] {
    const batches: SignedBatch[] = [];
    while (batches.length < this.tuning.window && this.batchDue()) {
      batches.push(this.sign(this.queue.take(this.limits)));
    }
    return batches;
  }

  private sign(items: Pending[]): SignedBatch {
    const { address } = this.signer;
    const messages = items.map((item) => sequenceMsg(address, this.setup.rollupName, item.raw));
    const dataBytes = items.reduce((sum, item) => sum + BigInt(item.raw.length), 0n);
    const sequence = this.nextSequence++;
    const account = { signer: this.signer, accountNumber: this.terms.accountNumber, sequence };
    return { items, sequence, tx: signAtMinimumFee(account, this.terms, messages, dataBytes) };
  }

  /** Settles the accepted batches' callers, in order, and deals with the first that was not. */
  private async settle(batches: SignedBatch[], verdicts: Verdict[]): Promise<void> {
    let next = 0;
    while (next < batches.length && verdicts[next]?.kind === "accepted") {
      for (const item of batches[next]!.items) item.resolve();
      next++;
    }
    const rest = batches.slice(next);
    const verdict = verdicts[next];
    if (rest.length === 0 || verdict === undefined || verdict.kind === "accepted") {
      this.retryAt = 0;
      return;
    }
    for (const item of rest[0]!.items) item.attempts++;
    if (this.stopped) {
      for (const batch of rest) rejectItems(batch.items, new ComposerError(`${STOPPED}: ${verdict.reason}`));
    } else if (verdict.kind === "unknown") {
      this.afterSilence(rest, verdict.reason);
    } else {
      await this.afterRefusal(rest, verdict.reason);
    }
  }

  /** Metro did not answer: the same txs go again, until the first has had its attempts. */
  private afterSilence(rest: SignedBatch[], reason: string): void {
    const first = rest[0]!;
    const attempts = mostAttempts(first.items);
    this.setup.log.warn({ reason, attempts, txs: first.items.length }, "Metro did not answer the composer");
    if (attempts < this.tuning.maxAttempts) {
      this.unanswered = rest;
      this.backOff(attempts);
      return;
    }
    rejectItems(
      first.items,
      new SequencingRefusedError(`${reason} (the tx may still be sequenced)`, attempts),
    );
    // What follows is signed anew from the first one's sequence; Metro corrects it if it did land.
    this.nextSequence = first.sequence;
    this.queue.requeue(rest.slice(1).flatMap((batch) => batch.items));
  }

  /** Metro refused `rest[0]`: it and what follows it are cut and signed again on fresh terms. */
  private async afterRefusal(rest: SignedBatch[], reason: string): Promise<void> {
    const first = rest[0]!;
    const attempts = mostAttempts(first.items);
    this.setup.log.warn({ reason, attempts, txs: first.items.length }, "Metro refused the composer's tx");
    this.nextSequence = expectedSequence(reason) ?? first.sequence;
    this.queue.requeue(rest.flatMap((batch) => batch.items));
    await this.refreshTerms();
    this.queue.rejectWhere((item) => {
      if (item.attempts >= this.tuning.maxAttempts) return new SequencingRefusedError(reason, item.attempts);
      return this.refusalFor(item.raw, item.messageBytes);
    });
    this.backOff(attempts);
  }

  /** The params, block room and chain id again: governance or a hard fork may have moved them. */
  private async refreshTerms(): Promise<void> {
    try {
      this.terms = await this.rpc.readTerms(this.signer);
    } catch (error) {
      this.setup.log.warn({ err: error }, "could not read Metro's terms again; keeping the last ones");
    }
  }

  private backOff(attempts: number): void {
    this.retryAt = Date.now() + this.tuning.retryDelayMs * attempts;
  }
}

function mostAttempts(items: readonly Pending[]): number {
  return items.reduce((most, item) => Math.max(most, item.attempts), 0);
}

function rejectItems(items: readonly Pending[], error: Error): void {
  for (const item of items) item.reject(error);
}
