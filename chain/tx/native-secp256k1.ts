import { nativeSecp256k1 } from "../../core/native-secp256k1.js";

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
