/**
 * An independent check of Metro's state proofs, written from the spec in core/smt.ts rather than
 * by importing it: leaf = sha256(0x00 ‖ sha256(key) ‖ sha256(value)), inner = sha256(0x01 ‖ l ‖ r),
 * empty = 32 zero bytes, proof = [u16 depth][siblings][0 | 1 ‖ other path ‖ other value hash].
 */
import { createHash } from "node:crypto";

const h = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
};

export function independentlyVerify(
  appHash: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: Uint8Array,
): boolean {
  const buffer = Buffer.from(proof);
  const depth = buffer.readUInt16BE(0);
  const siblings = Array.from({ length: depth }, (_, i) => buffer.subarray(2 + 32 * i, 34 + 32 * i));
  const flag = buffer[2 + 32 * depth];
  const path = h(key);
  let node: Buffer;
  if (value !== undefined) {
    if (flag !== 0) return false;
    node = h(Buffer.of(0), path, h(value));
  } else if (flag === 1) {
    const otherPath = buffer.subarray(3 + 32 * depth, 35 + 32 * depth);
    const otherValueHash = buffer.subarray(35 + 32 * depth, 67 + 32 * depth);
    const bit = (p: Buffer, d: number): number => (p[d >> 3]! >> (7 - (d % 8))) & 1;
    for (let d = 0; d < depth; d++) if (bit(otherPath, d) !== bit(path, d)) return false;
    if (otherPath.equals(path)) return false;
    node = h(Buffer.of(0), otherPath, otherValueHash);
  } else {
    node = Buffer.alloc(32);
  }
  for (let d = depth - 1; d >= 0; d--) {
    const goesRight = (path[d >> 3]! >> (7 - (d % 8))) & 1;
    node = goesRight ? h(Buffer.of(1), siblings[d]!, node) : h(Buffer.of(1), node, siblings[d]!);
  }
  return node.equals(Buffer.from(appHash));
}
