import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  assertBlsPublicKey,
  BlsError,
  blsKeyPair,
  blsProvePOP,
  blsSign,
  blsVerify,
  blsVerifyPOP,
} from "../../core/bls.js";

const seed = (byte: number): Uint8Array => new Uint8Array(48).fill(byte);

describe("BLS12-381 proof-of-possession ciphersuite", () => {
  it("accepts a key's own proof of possession and refuses it for another key", () => {
    const keys = blsKeyPair(seed(7));
    const other = blsKeyPair(seed(8));
    const proof = blsProvePOP(keys);
    assert.equal(proof.length, 96);
    assert.equal(blsVerifyPOP(keys.publicKey, proof), true);
    assert.equal(blsVerifyPOP(other.publicKey, proof), false);
    assert.equal(blsVerifyPOP(keys.publicKey, blsProvePOP(other)), false);
  });

  it("separates signatures from proofs by their domain tag", () => {
    const keys = blsKeyPair(seed(9));
    // A plain signature over the public key bytes is not a proof of possession.
    const signature = blsSign(keys.secretKey, keys.publicKey);
    assert.equal(blsVerify(signature, keys.publicKey, keys.publicKey), true);
    assert.equal(blsVerifyPOP(keys.publicKey, signature), false);
  });

  it("refuses the identity, malformed keys and malformed proofs", () => {
    const identity = new Uint8Array(48);
    identity[0] = 0xc0;
    assert.throws(() => assertBlsPublicKey(identity), BlsError);
    assert.throws(() => assertBlsPublicKey(new Uint8Array(47)), BlsError);
    const keys = blsKeyPair(seed(10));
    const proof = blsProvePOP(keys);
    assert.equal(blsVerifyPOP(identity, proof), false);
    assert.equal(blsVerifyPOP(keys.publicKey, proof.subarray(1)), false);
    const flipped = Uint8Array.from(proof);
    flipped[50]! ^= 1;
    assert.equal(blsVerifyPOP(keys.publicKey, flipped), false);
  });

  it("derives the same key from the same seed", () => {
    assert.deepEqual(blsKeyPair(seed(3)).publicKey, blsKeyPair(seed(3)).publicKey);
  });
});
