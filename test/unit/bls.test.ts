import assert from "node:assert/strict";
import { describe, it } from "node:test";
import blst from "@chainsafe/blst";
import {
  assertBlsPublicKey,
  BlsError,
  blsAggregateSignatures,
  blsFastAggregateVerify,
  blsKeyPair,
  blsProvePOP,
  blsSign,
  blsVerify,
  blsVerifyPOP,
  referenceFastAggregateVerify,
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

  it("aggregates one message's signatures and verifies them natively and in the reference alike", () => {
    const message = new TextEncoder().encode("rollup header 42");
    const keys = Array.from({ length: 5 }, (_, i) => blsKeyPair(seed(20 + i)));
    const signatures = keys.map((k) => blsSign(k.secretKey, message));
    const aggregate = blsAggregateSignatures(signatures);
    const publicKeys = keys.map((k) => k.publicKey);
    for (const verify of [blsFastAggregateVerify, referenceFastAggregateVerify]) {
      assert.equal(verify(aggregate, message, publicKeys), true);
      assert.equal(verify(aggregate, message, publicKeys.slice(1)), false, "a key missing");
      assert.equal(verify(aggregate, new TextEncoder().encode("another header"), publicKeys), false);
      assert.equal(
        verify(blsAggregateSignatures(signatures.slice(1)), message, publicKeys),
        false,
        "a signature missing",
      );
      assert.equal(verify(aggregate, message, []), false);
    }
  });

  it("signs byte-for-byte as the native library does", () => {
    const keys = blsKeyPair(seed(30));
    const message = new TextEncoder().encode("same bytes");
    const native = blst.SecretKey.fromBytes(keys.secretKey).sign(message).toBytes(true);
    assert.deepEqual(Buffer.from(native), Buffer.from(blsSign(keys.secretKey, message)));
    assert.deepEqual(
      Buffer.from(blst.SecretKey.fromBytes(keys.secretKey).toPublicKey().toBytes(true)),
      Buffer.from(keys.publicKey),
    );
  });
});
