import { Worker } from "node:worker_threads";
import { SIGNATURE_RECORD_BYTES as RECORD_BYTES } from "./native-secp256k1.js";

interface Pending {
  records: Uint8Array[];
  resolvers: ((ok: boolean) => void)[];
}

/**
 * Signature checks on worker threads, so CheckTx bursts do not spend the main thread on curve
 * math. Requests made in the same tick go to a worker as one batch (workers take turns).
 * `false` means "not verified here": a worker that fails or exits answers its pending checks
 * with false and is replaced, and the caller verifies inline, so a verdict is never lost.
 */
export class SignatureVerifierPool {
  private readonly workers: Worker[];
  private readonly inFlight = new Map<number, { worker: Worker; resolvers: ((ok: boolean) => void)[] }>();
  private pending: Pending = { records: [], resolvers: [] };
  private nextId = 0;
  private nextWorker = 0;
  private flushScheduled = false;
  private closing = false;

  constructor(
    size: number,
    private readonly onWorkerFailure: (error: Error) => void = () => {},
  ) {
    this.workers = Array.from({ length: size }, () => this.spawn());
  }

  private spawn(): Worker {
    const worker = new Worker(new URL("./verify-worker.js", import.meta.url));
    worker.on("message", ({ id, results }: { id: number; results: Uint8Array }) => this.settle(id, results));
    worker.on("error", (error) => this.replace(worker, error));
    worker.on("exit", (code) => {
      if (!this.closing) this.replace(worker, new Error(`signature worker exited with code ${code}`));
    });
    return worker;
  }

  private replace(worker: Worker, error: Error): void {
    const index = this.workers.indexOf(worker);
    if (index < 0) return; // already replaced (an error is followed by an exit)
    this.onWorkerFailure(error);
    this.abandon(worker);
    void worker.terminate();
    if (!this.closing) this.workers[index] = this.spawn();
  }

  /** Answers every check sent to `worker` (or to any worker, when undefined) with false. */
  private abandon(worker?: Worker): void {
    for (const [id, batch] of this.inFlight) {
      if (worker && batch.worker !== worker) continue;
      this.inFlight.delete(id);
      for (const resolve of batch.resolvers) resolve(false);
    }
  }

  verify(pubkey: Uint8Array, digest: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (this.closing || pubkey.length !== 33 || digest.length !== 32 || signature.length !== 64) {
      return Promise.resolve(false);
    }
    const record = new Uint8Array(RECORD_BYTES);
    record.set(pubkey, 0);
    record.set(digest, 33);
    record.set(signature, 65);
    return new Promise((resolve) => {
      this.pending.records.push(record);
      this.pending.resolvers.push(resolve);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const { records, resolvers } = this.pending;
    this.pending = { records: [], resolvers: [] };
    if (records.length === 0) return;
    const batch = new Uint8Array(records.length * RECORD_BYTES);
    records.forEach((record, i) => {
      batch.set(record, i * RECORD_BYTES);
    });
    const id = this.nextId++;
    const worker = this.workers[this.nextWorker++ % this.workers.length]!;
    this.inFlight.set(id, { worker, resolvers });
    worker.postMessage({ id, records: batch }, [batch.buffer]);
  }

  private settle(id: number, results: Uint8Array): void {
    const batch = this.inFlight.get(id);
    this.inFlight.delete(id);
    batch?.resolvers.forEach((resolve, i) => {
      resolve(results[i] === 1);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.abandon();
    for (const resolve of this.pending.resolvers) resolve(false);
    this.pending = { records: [], resolvers: [] };
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** For tests: a worker dies as if it had crashed. */
  crashWorkerForTest(index = 0): Promise<number> {
    return this.workers[index]!.terminate();
  }
}
