import { createHash } from "node:crypto";

/** SHA-256 of the concatenation of `parts` (native, so it stays cheap on hot paths). */
export function sha256(...parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}
