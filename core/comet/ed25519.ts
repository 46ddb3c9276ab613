/**
 * ed25519 verification with CometBFT's rules (ZIP-215). OpenSSL (node:crypto) is ~13× faster
 * than pure JS but stricter: every signature it accepts is ZIP-215-valid, not the other way
 * round. So OpenSSL answers first, and only what it refuses goes to @noble/curves' ZIP-215 check.
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { concatBytes } from "../bytes.js";

const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** Parsed keys by hex: a validator set signs every block, and parsing costs almost a verification. */
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_LIMIT = 4096;

function openSslKey(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString("hex");
  let key = keyCache.get(id);
  if (!key) {
    key = createPublicKey({
      key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)),
      format: "der",
      type: "spki",
    });
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

function openSslVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, message, openSslKey(publicKey), signature);
  } catch {
    return false; // a key OpenSSL cannot decode may still be ZIP-215-valid
  }
}

export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (openSslVerify(publicKey, message, signature)) return true;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: true });
  } catch {
    return false;
  }
}
