/**
 * A worker thread called synchronously. Metro's verifiers and ABCI handlers are synchronous
 * functions, yet some work belongs on another thread: half of a large signature batch, or an
 * EVM re-execution that ethereumjs only offers as async code. The caller posts a request and
 * blocks on a shared flag (Atomics.wait) until the worker has written its answer into shared
 * memory. One request at a time; a worker that does not answer in time is broken for good.
 */
import { Worker } from "node:worker_threads";

const Slot = { state: 0, length: 1, ready: 2 } as const;
const State = { idle: 0, busy: 1, done: 2 } as const;
/** Written as the answer's length when the handler threw or its answer did not fit. */
const FAILED = -1;

interface Shared {
  control: Int32Array;
  answer: Uint8Array;
}

export class SyncWorkerError extends Error {
  override name = "SyncWorkerError";
}

export class SyncWorker {
  private readonly shared: Shared;
  private readonly worker: Worker;
  private broken = false;

  /** `url`: a module that calls serveSynchronously; answers are at most `answerBytes` long. */
  constructor(url: URL, answerBytes: number) {
    this.shared = {
      control: new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT)),
      answer: new Uint8Array(new SharedArrayBuffer(answerBytes)),
    };
    this.worker = new Worker(url, { workerData: this.shared });
    this.worker.unref(); // never keeps a process alive
    this.worker.on("error", () => this.break());
    this.worker.on("exit", () => this.break());
  }

  get usable(): boolean {
    return !this.broken;
  }

  /** Up and idle. Becoming ready takes the worker's module loading: tens to hundreds of ms. */
  get ready(): boolean {
    return !this.broken && Atomics.load(this.shared.control, Slot.ready) === 1;
  }

  /** Blocks until the worker is up; false when it broke or took longer than `timeoutMs`. */
  waitUntilReady(timeoutMs: number): boolean {
    if (!this.broken) Atomics.wait(this.shared.control, Slot.ready, 0, timeoutMs);
    return this.ready;
  }

  /** Hands `request` to the worker (moved, not copied, when it owns its buffer); `finish` collects the answer. */
  start(request: Uint8Array): void {
    if (!this.ready) throw new SyncWorkerError("the worker is not ready");
    // Moving a view's buffer would take the rest of it from its owner: views are copied.
    const owned = request.byteOffset === 0 && request.byteLength === request.buffer.byteLength;
    const message = owned ? request : request.slice();
    Atomics.store(this.shared.control, Slot.state, State.busy);
    this.worker.postMessage(message, [message.buffer as ArrayBuffer]);
  }

  /** The answer, or undefined when the handler failed; throws when the worker did not answer in time. */
  finish(timeoutMs: number): Uint8Array | undefined {
    const { control, answer } = this.shared;
    Atomics.wait(control, Slot.state, State.busy, timeoutMs);
    if (Atomics.load(control, Slot.state) !== State.done) {
      this.break(); // a late answer must never be read as the next request's
      throw new SyncWorkerError(`the worker did not answer within ${timeoutMs} ms`);
    }
    Atomics.store(control, Slot.state, State.idle);
    const length = Atomics.load(control, Slot.length);
    return length === FAILED ? undefined : answer.slice(0, length);
  }

  private break(): void {
    if (this.broken) return;
    this.broken = true;
    void this.worker.terminate();
  }
}

/**
 * The worker's side: answers each request with `handle`'s bytes. A handler that throws, or
 * answers more than the caller's buffer holds, makes `finish` return undefined.
 */
export function serveSynchronously(
  shared: unknown,
  port: { on(event: "message", listener: (request: Uint8Array) => void): unknown } | null,
  handle: (request: Uint8Array) => Uint8Array | Promise<Uint8Array>,
): void {
  const { control, answer } = shared as Shared;
  port?.on("message", async (request) => {
    let length = FAILED;
    try {
      const bytes = await handle(request);
      if (bytes.length <= answer.length) {
        answer.set(bytes);
        length = bytes.length;
      }
    } catch {
      // FAILED: the caller decides what a failed request means
    }
    Atomics.store(control, Slot.length, length);
    Atomics.store(control, Slot.state, State.done);
    Atomics.notify(control, Slot.state);
  });
  Atomics.store(control, Slot.ready, 1);
  Atomics.notify(control, Slot.ready);
}
