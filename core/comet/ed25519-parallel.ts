/**
 * One helper thread for large ed25519 batches, driven synchronously: the caller posts half a
 * batch, verifies its own half, then blocks on a shared flag until the helper answers. A
 * helper that is not up yet, has died or does not answer in time is treated as absent, and
 * the caller verifies everything itself: a verdict never depends on the helper.
 */
import { SyncWorker, SyncWorkerError } from "../sync-worker.js";
import type { Ed25519Check } from "./ed25519.js";

/** Far above any batch's cost (~3 ms at 50 checks); only a stuck or starved helper reaches it. */
const ANSWER_TIMEOUT_MS = 2_000;
/** A helper that broke is not replaced more often than this. */
const RESPAWN_INTERVAL_MS = 10_000;

export interface HelperJob {
  /** The helper's answer (index within its half, or -1); undefined when it has none. */
  result(): number | undefined;
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

let helper: SyncWorker | undefined;
let spawnedAt = 0;
const absent: HelperJob = { result: () => undefined };

/** Starts `checks` on the helper thread (spawned on first use), or answers that it is absent. */
export function verifyOnHelperThread(checks: readonly Ed25519Check[]): HelperJob {
  if (!helper?.usable && Date.now() - spawnedAt >= RESPAWN_INTERVAL_MS) {
    helper = new SyncWorker(new URL("./ed25519-helper.js", import.meta.url), Int32Array.BYTES_PER_ELEMENT);
    spawnedAt = Date.now();
  }
  const worker = helper;
  if (!worker?.ready) return absent;
  worker.start(packChecks(checks));
  return {
    result: () => {
      try {
        const answer = worker.finish(ANSWER_TIMEOUT_MS);
        return answer ? new DataView(answer.buffer).getInt32(0) : undefined;
      } catch (error) {
        if (error instanceof SyncWorkerError) return undefined;
        throw error;
      }
    },
  };
}
