import { Worker } from "node:worker_threads";
import { SIGNATURE_RECORD_BYTES as RECORD_BYTES } from "./native-secp256k1.js";

interface Pending {
  records: Uint8Array[];
  resolvers: ((ok: boolean) => void)[];
}

/**
 * Signature checks on worker threads, so CheckTx bursts do not spend the main thread on curve
 * math. Requests made in the same tick go to a worker as one batch (workers take turns).
 */
export class SignatureVerifierPool {
  private readonly workers: Worker[];
  private readonly inFlight = new Map<number, ((ok: boolean) => void)[]>();
  private pending: Pending = { records: [], resolvers: [] };
  private nextId = 0;
  private nextWorker = 0;
  private flushScheduled = false;

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL("./verify-worker.js", import.meta.url));
      worker.on("message", ({ id, results }: { id: number; results: Uint8Array }) =>
        this.settle(id, results),
      );
      return worker;
    });
  }

  verify(pubkey: Uint8Array, digest: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (pubkey.length !== 33 || digest.length !== 32 || signature.length !== 64)
      return Promise.resolve(false);
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
    this.inFlight.set(id, resolvers);
    const worker = this.workers[this.nextWorker++ % this.workers.length]!;
    worker.postMessage({ id, records: batch }, [batch.buffer]);
  }

  private settle(id: number, results: Uint8Array): void {
    const resolvers = this.inFlight.get(id);
    this.inFlight.delete(id);
    resolvers?.forEach((resolve, i) => {
      resolve(results[i] === 1);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
