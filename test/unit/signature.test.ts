import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import { OfflineSigner } from "../../chain/client/offline.js";
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
});
