import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { concatBytes, toHex } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";

/** DER prefix of a SubjectPublicKeyInfo holding a compressed secp256k1 point. */
const SPKI_SECP256K1_COMPRESSED = Buffer.from("3036301006072a8648ce3d020106052b8104000a032200", "hex");
const HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const CACHE_LIMIT = 50_000;

/**
 * Verifies Cosmos secp256k1 signatures (64-byte r‖s over sha256 of the sign bytes, low-S only)
 * with OpenSSL through node:crypto, which is several times faster than pure JS. A tx that passed
 * CheckTx is not verified again in the block: results are remembered by (key, bytes, signature).
 */
export class Secp256k1Verifier {
  private readonly keys = new Map<string, KeyObject>();
  private readonly verified = new Set<string>();

  verify(pubkey: Uint8Array, signBytes: Uint8Array, signature: Uint8Array): boolean {
    if (pubkey.length !== 33 || signature.length !== 64) return false;
    const s = BigInt(`0x${toHex(signature.subarray(32))}`);
    if (s === 0n || s > HALF_CURVE_ORDER) return false;
    const memo = toHex(sha256(pubkey, signBytes, signature));
    if (this.verified.has(memo)) return true;
    const key = this.keyObject(pubkey);
    if (!key) return false;
    const ok = verify("sha256", signBytes, { key, dsaEncoding: "ieee-p1363" }, signature);
    if (ok) this.remember(memo);
    return ok;
  }

  private keyObject(pubkey: Uint8Array): KeyObject | undefined {
    const id = toHex(pubkey);
    let key = this.keys.get(id);
    if (!key) {
      try {
        key = createPublicKey({
          key: Buffer.from(concatBytes(SPKI_SECP256K1_COMPRESSED, pubkey)),
          format: "der",
          type: "spki",
        });
      } catch {
        return undefined;
      }
      if (this.keys.size >= CACHE_LIMIT) this.keys.clear();
      this.keys.set(id, key);
    }
    return key;
  }

  private remember(memo: string): void {
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.add(memo);
  }
}
