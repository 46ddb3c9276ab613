import { createRequire } from "node:module";
import { toHex } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";

/** The parts of the `secp256k1` package's API Metro uses. */
interface NativeSecp256k1 {
  ecdsaVerify(signature: Uint8Array, message32: Uint8Array, publicKey: Uint8Array): boolean;
}

/**
 * libsecp256k1 through the `secp256k1` package's prebuilt N-API binding. Loaded from
 * `bindings` on purpose: the package's index silently falls back to pure JS, which would cut
 * CheckTx throughput several times over without anyone noticing.
 */
const native = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;

const HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const CACHE_LIMIT = 100_000;

/**
 * Verifies Cosmos secp256k1 signatures: 64-byte r‖s over sha256 of the sign bytes, low-S only.
 * Successes are remembered under a caller's key (Metro uses tx hash and account number, which
 * fix the sign bytes), so a tx that passed CheckTx is not verified, nor its sign bytes built,
 * again in the block.
 */
export class Secp256k1Verifier {
  private readonly verified = new Set<string>();

  isKnownValid(memo: string): boolean {
    return this.verified.has(memo);
  }

  verify(pubkey: Uint8Array, signBytes: Uint8Array, signature: Uint8Array, memo?: string): boolean {
    if (pubkey.length !== 33 || signature.length !== 64) return false;
    const s = BigInt(`0x${toHex(signature.subarray(32))}`);
    if (s === 0n || s > HALF_CURVE_ORDER) return false;
    let ok: boolean;
    try {
      ok = native.ecdsaVerify(signature, sha256(signBytes), pubkey);
    } catch {
      return false; // an unparsable key or signature
    }
    if (ok && memo !== undefined) this.remember(memo);
    return ok;
  }

  private remember(memo: string): void {
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.add(memo);
  }
}
