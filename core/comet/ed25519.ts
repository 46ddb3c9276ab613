/**
 * ed25519 verification with CometBFT's rules (ZIP-215). libsodium (sodium-native) is ~2× faster
 * than OpenSSL here and ~25× faster than pure JS, but stricter: every signature it accepts is
 * ZIP-215-valid, not the other way round. So libsodium answers first, and only what it refuses
 * goes to @noble/curves' ZIP-215 check.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import sodium from "sodium-native";
import { verifyOnHelperThread } from "./ed25519-parallel.js";

export interface Ed25519Check {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

const isMalformed = ({ publicKey, signature }: Ed25519Check) =>
  publicKey.length !== 32 || signature.length !== 64;

export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (isMalformed({ publicKey, message, signature })) return false;
  if (sodium.crypto_sign_verify_detached(signature, message, publicKey)) return true;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: true });
  } catch {
    return false;
  }
}

/** The index of the first invalid check in `checks[from, to)`, or -1 when all are valid. */
export function firstInvalidIn(checks: readonly Ed25519Check[], from = 0, to = checks.length): number {
  for (let i = from; i < to; i++) {
    const { publicKey, message, signature } = checks[i]!;
    if (!verifyEd25519(publicKey, message, signature)) return i;
  }
  return -1;
}

/** Below this many checks, handing half to the helper thread costs more than it saves. */
const PARALLEL_MIN = 16;

/**
 * The index of an invalid check (the first, when only one is), or -1 when all are valid. A
 * commit at 100 validators needs ~67 checks and its price votes up to 100 more, so large
 * batches are split: the second half runs on a helper thread while this one does the first.
 * The call stays synchronous, so every verifier above it keeps its plain API.
 */
export function firstInvalidEd25519(checks: readonly Ed25519Check[]): number {
  if (checks.length < PARALLEL_MIN || checks.some(isMalformed)) return firstInvalidIn(checks);
  const middle = checks.length >> 1;
  const job = verifyOnHelperThread(checks.slice(middle));
  const local = firstInvalidIn(checks, 0, middle);
  // Waited for even when this half failed: the helper must be idle before its next job.
  const answered = job.result();
  if (local >= 0) return local;
  if (answered === undefined) return firstInvalidIn(checks, middle);
  return answered < 0 ? -1 : middle + answered;
}
