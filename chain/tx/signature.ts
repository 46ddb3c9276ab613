import { sha256 } from "../../core/hash.js";
import { verifyDigest } from "./native-secp256k1.js";

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
    const ok = verifyDigest(pubkey, sha256(signBytes), signature);
    if (ok && memo !== undefined) this.remember(memo);
    return ok;
  }

  remember(memo: string): void {
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.add(memo);
  }
}
