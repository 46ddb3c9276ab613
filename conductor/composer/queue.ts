/**
 * The composer's queue of rollup txs awaiting a Metro tx, in arrival order, cut from the front
 * into batches that fit one Metro tx by count and by bytes.
 */
import { signedTxBytes } from "./size.js";

export interface Pending {
  raw: Uint8Array;
  /** Its MsgSequence's bytes in the tx body. */
  messageBytes: number;
  queuedAt: number;
  /** Rounds in which Metro refused, or never answered for, the Metro tx carrying it. */
  attempts: number;
  resolve(): void;
  reject(error: Error): void;
}

export interface BatchLimits {
  maxBatch: number;
  /** The largest signed Metro tx, in bytes. */
  maxTxBytes: number;
}

export class PendingQueue {
  private items: Pending[] = [];
  private bodyBytes = 0;

  get length(): number {
    return this.items.length;
  }

  get front(): Pending | undefined {
    return this.items[0];
  }

  push(item: Pending): void {
    this.items.push(item);
    this.bodyBytes += item.messageBytes;
  }

  /** Whether the queue holds at least one whole batch. */
  holdsFullBatch(limits: BatchLimits): boolean {
    return this.items.length >= limits.maxBatch || signedTxBytes(this.bodyBytes) > limits.maxTxBytes;
  }

  /** The longest run from the front that fits one Metro tx; at least one tx. */
  take(limits: BatchLimits): Pending[] {
    let count = 0;
    let body = 0;
    for (const item of this.items) {
      if (count >= limits.maxBatch) break;
      if (count > 0 && signedTxBytes(body + item.messageBytes) > limits.maxTxBytes) break;
      body += item.messageBytes;
      count++;
    }
    this.bodyBytes -= body;
    return this.items.splice(0, count);
  }

  /** Puts `items` back at the front, ahead of everything queued since, in their order. */
  requeue(items: readonly Pending[]): void {
    if (items.length === 0) return;
    this.items = [...items, ...this.items];
    this.bodyBytes += items.reduce((sum, item) => sum + item.messageBytes, 0);
  }

  /** Takes out every tx `refusal` has an error for, and rejects it with that error. */
  rejectWhere(refusal: (item: Pending) => Error | undefined): void {
    const kept: Pending[] = [];
    for (const item of this.items) {
      const error = refusal(item);
      if (error) item.reject(error);
      else kept.push(item);
    }
    this.items = kept;
    this.bodyBytes = kept.reduce((sum, item) => sum + item.messageBytes, 0);
  }

  rejectAll(error: Error): void {
    for (const item of this.items) item.reject(error);
    this.items = [];
    this.bodyBytes = 0;
  }
}
