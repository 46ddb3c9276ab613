/**
 * BLS12-381 in the IETF "proof of possession" ciphersuite, minimal-pubkey-size variant: public
 * keys in G1 (48 bytes), signatures in G2 (96 bytes). Validators register a key together with a
 * proof of possession, which is what makes aggregating signatures over one message safe.
 */
import blst from "@chainsafe/blst";
import { bls12_381 } from "@noble/curves/bls12-381.js";

export const BLS_SIGNATURE_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
export const BLS_POP_DST = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
export const BLS_PUBLIC_KEY_LENGTH = 48;
export const BLS_SIGNATURE_LENGTH = 96;

const scheme = bls12_381.longSignatures;

export class BlsError extends Error {
  override name = "BlsError";
}

export interface BlsKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A key pair from 48 bytes of seed material, or from fresh randomness. */
export function blsKeyPair(seed?: Uint8Array): BlsKeyPair {
  const { secretKey, publicKey } = scheme.keygen(seed);
  return { secretKey, publicKey: publicKey.toBytes(true) };
}

/** KeyValidate: a compressed G1 point, in the prime-order subgroup, not the identity. */
function publicKeyPoint(publicKey: Uint8Array) {
  if (publicKey.length !== BLS_PUBLIC_KEY_LENGTH) {
    throw new BlsError(`BLS public key is ${publicKey.length} bytes, expected ${BLS_PUBLIC_KEY_LENGTH}`);
  }
  let point: ReturnType<typeof bls12_381.G1.Point.fromBytes>;
  try {
    point = bls12_381.G1.Point.fromBytes(publicKey);
    point.assertValidity();
  } catch (error) {
    throw new BlsError(`BLS public key is not a valid G1 point: ${(error as Error).message}`);
  }
  if (point.is0()) throw new BlsError("BLS public key is the identity point");
  if (!point.isTorsionFree()) throw new BlsError("BLS public key is outside the prime-order subgroup");
  return point;
}

function signatureOk(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  dst: string,
): boolean {
  if (signature.length !== BLS_SIGNATURE_LENGTH) return false;
  try {
    const point = publicKeyPoint(publicKey);
    const sig = scheme.Signature.fromBytes(signature);
    return scheme.verify(sig, scheme.hash(message, dst), point);
  } catch {
    return false;
  }
}

export function blsSign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return scheme.Signature.toBytes(scheme.sign(scheme.hash(message, BLS_SIGNATURE_DST), secretKey));
}

export function blsVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return signatureOk(signature, message, publicKey, BLS_SIGNATURE_DST);
}

/** PopProve: the key's owner signs the serialized public key under the PoP tag. */
export function blsProvePOP(keys: BlsKeyPair): Uint8Array {
  return scheme.Signature.toBytes(scheme.sign(scheme.hash(keys.publicKey, BLS_POP_DST), keys.secretKey));
}

/** PopVerify; also refuses public keys that fail KeyValidate. */
export function blsVerifyPOP(publicKey: Uint8Array, proof: Uint8Array): boolean {
  return signatureOk(proof, publicKey, publicKey, BLS_POP_DST);
}

/** Throws BlsError unless `publicKey` passes KeyValidate. */
export function assertBlsPublicKey(publicKey: Uint8Array): void {
  publicKeyPoint(publicKey);
}

/**
 * Parsed and validated native keys by their bytes. Decompressing and subgroup-checking a key
 * costs far more than adding it into an aggregate, and a committee's keys recur block after block.
 */
const nativeKeys = new Map<string, blst.PublicKey>();
const NATIVE_KEY_CACHE_LIMIT = 20_000;

function nativePublicKey(bytes: Uint8Array): blst.PublicKey {
  const id = Buffer.from(bytes).toString("hex");
  let key = nativeKeys.get(id);
  if (!key) {
    key = blst.PublicKey.fromBytes(bytes, true);
    if (nativeKeys.size >= NATIVE_KEY_CACHE_LIMIT) nativeKeys.clear();
    nativeKeys.set(id, key);
  }
  return key;
}

/** Combines signatures over one message into one aggregate signature (96 bytes). */
export function blsAggregateSignatures(signatures: readonly Uint8Array[]): Uint8Array {
  if (signatures.length === 0) throw new BlsError("no signatures to aggregate");
  try {
    return blst.aggregateSerializedSignatures([...signatures], true).toBytes(true);
  } catch (error) {
    throw new BlsError(`cannot aggregate signatures: ${(error as Error).message}`);
  }
}

/**
 * FastAggregateVerify: every key signed `message`, and `signature` is their aggregate. Safe only
 * for keys whose proofs of possession were verified (Metro checks them when a validator bonds).
 * Native blst, which signs and hashes exactly as the noble reference below (a test checks it).
 */
export function blsFastAggregateVerify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKeys: readonly Uint8Array[],
): boolean {
  if (publicKeys.length === 0 || signature.length !== BLS_SIGNATURE_LENGTH) return false;
  try {
    const keys = publicKeys.map(nativePublicKey);
    return blst.fastAggregateVerify(message, keys, blst.Signature.fromBytes(signature, true, true));
  } catch {
    return false;
  }
}

/** The same check in portable TypeScript (@noble/curves): the reference the native path must match. */
export function referenceFastAggregateVerify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKeys: readonly Uint8Array[],
): boolean {
  if (publicKeys.length === 0 || signature.length !== BLS_SIGNATURE_LENGTH) return false;
  try {
    const aggregate = scheme.aggregatePublicKeys(publicKeys.map(publicKeyPoint));
    const sig = scheme.Signature.fromBytes(signature);
    return scheme.verify(sig, scheme.hash(message, BLS_SIGNATURE_DST), aggregate);
  } catch {
    return false;
  }
}
