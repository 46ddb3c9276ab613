import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import { OfflineSigner } from "../../chain/client/offline.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { DecodedTxCache } from "../../chain/tx/cache.js";
import { Secp256k1Verifier } from "../../chain/tx/signature.js";
import { SignatureVerifierPool } from "../../chain/tx/verify-pool.js";
import { concatBytes, utf8 } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";

const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function highS(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString("hex")}`);
  return concatBytes(
    signature.subarray(0, 32),
    Buffer.from((ORDER - s).toString(16).padStart(64, "0"), "hex"),
  );
}

describe("secp256k1 verification", () => {
  it("accepts low-S signatures and rejects tampering, other keys and high-S twins", async () => {
    const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 0);
    const other = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 1);
    const message = utf8("sign me");
    const signature = signer.sign(message);
    const verifier = new Secp256k1Verifier();
    assert.ok(verifier.verify(signer.pubkey, message, signature, "memo"));
    assert.ok(verifier.isKnownValid("memo"));
    assert.ok(!verifier.verify(other.pubkey, message, signature));
    assert.ok(!verifier.verify(signer.pubkey, utf8("sign you"), signature));
    assert.ok(!verifier.verify(signer.pubkey, message, highS(signature)), "the malleable twin is refused");
    assert.ok(
      !verifier.verify(signer.pubkey.subarray(1), message, signature),
      "a short key is invalid, not a crash",
    );
    assert.ok(
      !verifier.verify(new Uint8Array(33).fill(9), message, signature),
      "an off-curve key is invalid",
    );
  });

  it("gives the same verdicts on worker threads, batch by batch", async () => {
    const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 0);
    const pool = new SignatureVerifierPool(2);
    try {
      const messages = Array.from({ length: 40 }, (_, i) => utf8(`message ${i}`));
      const signatures = messages.map((m, i) => (i % 3 === 0 ? highS(signer.sign(m)) : signer.sign(m)));
      const verdicts = await Promise.all(
        messages.map((m, i) =>
          pool.verify(signer.pubkey, sha256(m), i % 5 === 0 ? signatures[(i + 1) % 40]! : signatures[i]!),
        ),
      );
      verdicts.forEach((ok, i) => {
        assert.equal(ok, i % 3 !== 0 && i % 5 !== 0, `message ${i}`);
      });
    } finally {
      await pool.close();
    }
  });

  it("answers false for checks on a worker that dies, replaces it, and keeps verifying", async () => {
    const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 0);
    const failures: Error[] = [];
    const pool = new SignatureVerifierPool(1, (error) => failures.push(error));
    try {
      const message = utf8("m");
      const pending = pool.verify(signer.pubkey, sha256(message), signer.sign(message));
      await new Promise((resolve) => setImmediate(resolve)); // the batch is posted
      await pool.crashWorkerForTest();
      assert.equal(await pending, false, "an unanswered check resolves as not verified");
      assert.equal(failures.length, 1);
      assert.equal(await pool.verify(signer.pubkey, sha256(message), signer.sign(message)), true);
    } finally {
      await pool.close();
    }
  });
});

describe("decoded tx cache", () => {
  it("holds at most its byte limit", async () => {
    const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 0);
    const cache = new DecodedTxCache(10_000);
    for (let i = 0; i < 40; i++) {
      const tx = signer.signTx({
        chainId: "c",
        accountNumber: 0n,
        sequence: BigInt(i),
        fee: { amount: [], gas: 1n },
        messages: [sequenceMsg(signer.address, "r", new Uint8Array(1000))],
      });
      assert.equal(cache.decode(tx).signer.sequence, BigInt(i));
      assert.ok(cache.heldBytes <= 10_000, `held ${cache.heldBytes} bytes`);
    }
  });
});
