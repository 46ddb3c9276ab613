/** Integers kept in state as decimal text, the one way every module stores a count or amount. */
import { fromUtf8, utf8 } from "../../core/bytes.js";
import type { StateOverlay, StateReader } from "./overlay.js";

export function decodeInteger(bytes: Uint8Array): bigint {
  return BigInt(fromUtf8(bytes));
}

/** The integer at `key`; 0 when it is absent. */
export function readInteger(state: StateReader, key: string): bigint {
  const bytes = state.get(key);
  return bytes ? decodeInteger(bytes) : 0n;
}

/** Writes an integer; zero deletes the key, which reads back as zero. */
export function writeInteger(state: StateOverlay, key: string, value: bigint): void {
  if (value === 0n) state.delete(key);
  else state.set(key, utf8(value.toString()));
}

/**
 * A non-negative integer as 16 hex digits, for key segments: keys then sort as their numbers
 * do, which is what the queues scanned in order (finality, unbonding, proposals) rely on.
 */
export function orderedKeyPart(value: bigint): string {
  return value.toString(16).padStart(16, "0");
}
