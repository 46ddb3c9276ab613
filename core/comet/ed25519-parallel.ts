/**
 * One helper thread for large ed25519 batches, driven synchronously: the caller posts half a
 * batch, verifies its own half, then blocks on a shared flag until the helper answers. A
 * helper that is not up yet, has died or does not answer in time is treated as absent, and
 * the caller verifies everything itself: a verdict never depends on the helper.
 */
import { Worker } from "node:worker_threads";
import type { Ed25519Check } from "./ed25519.js";

/** Slots of the shared control array. */
export const Slot = { state: 0, result: 1, ready: 2 } as const;
export const State = { idle: 0, busy: 1, done: 2 } as const;

/** Far above any batch's cost (~3 ms at 50 checks); only a stuck or starved helper reaches it. */
const ANSWER_TIMEOUT_MS = 2_000;
/** A helper that broke is not replaced more often than this. */
const RESPAWN_INTERVAL_MS = 10_000;

export interface HelperJob {
  /** The helper's answer (index within its half, or -1); undefined when it has none. */
  result(): number | undefined;
}

class HelperThread {
  readonly control = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  private readonly worker: Worker;
  broken = false;

  constructor() {
    this.worker = new Worker(new URL("./ed25519-helper.js", import.meta.url), {
      workerData: { control: this.control },
    });
    this.worker.unref(); // never keeps a process alive
    this.worker.on("error", () => this.break());
    this.worker.on("exit", () => this.break());
  }

  get ready(): boolean {
    return !this.broken && Atomics.load(this.control, Slot.ready) === 1;
  }

  run(checks: readonly Ed25519Check[]): HelperJob {
    Atomics.store(this.control, Slot.state, State.busy);
    const packed = packChecks(checks);
    this.worker.postMessage(packed, [packed.buffer as ArrayBuffer]);
    return { result: () => this.answer() };
  }

  private answer(): number | undefined {
    Atomics.wait(this.control, Slot.state, State.busy, ANSWER_TIMEOUT_MS);
    if (Atomics.load(this.control, Slot.state) !== State.done) {
      this.break(); // a late answer must not be read as the next job's
      return undefined;
    }
    Atomics.store(this.control, Slot.state, State.idle);
    return Atomics.load(this.control, Slot.result);
  }

  private break(): void {
    if (this.broken) return;
    this.broken = true;
    void this.worker.terminate();
  }
}

/**
 * Checks as one buffer (each: 32-byte key, 64-byte signature, u32 message length, message):
 * one transferable copy instead of a structured clone of hundreds of small arrays.
 */
export function packChecks(checks: readonly Ed25519Check[]): Uint8Array {
  let size = 0;
  for (const check of checks) size += CHECK_HEADER + check.message.length;
  const packed = new Uint8Array(size);
  const view = new DataView(packed.buffer);
  let at = 0;
  for (const { publicKey, signature, message } of checks) {
    if (publicKey.length !== 32 || signature.length !== 64) {
      throw new RangeError("ed25519 keys are 32 bytes and signatures 64");
    }
    packed.set(publicKey, at);
    packed.set(signature, at + 32);
    view.setUint32(at + 96, message.length);
    packed.set(message, at + CHECK_HEADER);
    at += CHECK_HEADER + message.length;
  }
  return packed;
}

export function unpackChecks(packed: Uint8Array): Ed25519Check[] {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const checks: Ed25519Check[] = [];
  for (let at = 0; at < packed.length; ) {
    const length = view.getUint32(at + 96);
    checks.push({
      publicKey: packed.subarray(at, at + 32),
      signature: packed.subarray(at + 32, at + 96),
      message: packed.subarray(at + CHECK_HEADER, at + CHECK_HEADER + length),
    });
    at += CHECK_HEADER + length;
  }
  return checks;
}

const CHECK_HEADER = 32 + 64 + 4;

let helper: HelperThread | undefined;
let spawnedAt = 0;
const absent: HelperJob = { result: () => undefined };

/** Starts `checks` on the helper thread (spawned on first use), or answers that it is absent. */
export function verifyOnHelperThread(checks: readonly Ed25519Check[]): HelperJob {
  if ((!helper || helper.broken) && Date.now() - spawnedAt >= RESPAWN_INTERVAL_MS) {
    helper = new HelperThread();
    spawnedAt = Date.now();
  }
  return helper?.ready ? helper.run(checks) : absent;
}
