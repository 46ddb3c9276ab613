import { createRequire } from "node:module";

/** The parts of the `secp256k1` package's API Metro uses. */
export interface NativeSecp256k1 {
  ecdsaVerify(signature: Uint8Array, message32: Uint8Array, publicKey: Uint8Array): boolean;
  /** The recovered public key (65 bytes when not compressed); throws when none recovers. */
  ecdsaRecover(
    signature: Uint8Array,
    recoveryId: number,
    message32: Uint8Array,
    compressed: boolean,
  ): Uint8Array;
}

/**
 * libsecp256k1 through the `secp256k1` package's prebuilt N-API binding. Loaded from
 * `bindings` on purpose: the package's index silently falls back to pure JS, which would cut
 * CheckTx throughput several times over without anyone noticing.
 */
export const nativeSecp256k1 = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;

const HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** Cosmos accepts only low-S signatures (no malleable twins); libsecp256k1 agrees, but say so. */
export function isLowS(signature: Uint8Array): boolean {
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString("hex")}`);
  return s !== 0n && s <= HALF_CURVE_ORDER;
}

/** Verifies a 64-byte r‖s signature over a 32-byte digest; malformed input is simply invalid. */
export function verifyDigest(pubkey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  if (pubkey.length !== 33 || signature.length !== 64 || !isLowS(signature)) return false;
  try {
    return nativeSecp256k1.ecdsaVerify(signature, digest, pubkey);
  } catch {
    return false;
  }
}

/** A verification request as workers receive it: pubkey (33) ‖ digest (32) ‖ signature (64). */
export const SIGNATURE_RECORD_BYTES = 33 + 32 + 64;
