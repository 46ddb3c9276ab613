import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ed25519 } from "@noble/curves/ed25519.js";
import { concatBytes, toHex, utf8 } from "../../core/bytes.js";
import { type Ed25519Check, firstInvalidEd25519, verifyEd25519 } from "../../core/comet/ed25519.js";
import { packChecks, unpackChecks, verifyOnHelperThread } from "../../core/comet/ed25519-parallel.js";
import { CanonicalVoteCodec, type Commit } from "../../core/comet/types.js";
import { precommitSigner } from "../../core/comet/verify.js";
import { uvarint } from "../../core/proto/varint.js";

function signedChecks(count: number): Ed25519Check[] {
  return Array.from({ length: count }, (_, i) => {
    const secret = ed25519.utils.randomSecretKey();
    const message = utf8(`vote ${i}`);
    return { publicKey: ed25519.getPublicKey(secret), message, signature: ed25519.sign(message, secret) };
  });
}

const tampered = (check: Ed25519Check): Ed25519Check => ({ ...check, message: utf8("something else") });

/** ZIP-215 accepts the identity as key and R with s = 0 for any message; libsodium refuses small-order keys. */
const zip215Only = (message: Uint8Array): Ed25519Check => {
  const identity = new Uint8Array(32);
  identity[0] = 1;
  return { publicKey: identity, message, signature: concatBytes(identity, new Uint8Array(32)) };
};

/** Until the helper thread (spawned by the first large batch) answers. */
async function helperUp(): Promise<void> {
  const probe = signedChecks(2);
  for (let i = 0; i < 200; i++) {
    if (verifyOnHelperThread(probe).result() === -1) return;
    await sleep(25);
  }
  throw new Error("the ed25519 helper thread never came up");
}

describe("ed25519 with CometBFT's rules", () => {
  it("accepts ZIP-215-valid signatures that libsodium refuses, and nothing forged", () => {
    const check = zip215Only(utf8("any message"));
    assert.equal(verifyEd25519(check.publicKey, check.message, check.signature), true);
    const [honest] = signedChecks(1);
    assert.equal(verifyEd25519(honest!.publicKey, honest!.message, honest!.signature), true);
    const forged = tampered(honest!);
    assert.equal(verifyEd25519(forged.publicKey, forged.message, forged.signature), false);
    assert.equal(verifyEd25519(honest!.publicKey.subarray(1), honest!.message, honest!.signature), false);
  });

  it("packs checks for the helper thread without changing a byte", () => {
    const checks = [...signedChecks(3), zip215Only(new Uint8Array())];
    const unpacked = unpackChecks(packChecks(checks));
    assert.deepEqual(
      unpacked.map((c) => [toHex(c.publicKey), toHex(c.message), toHex(c.signature)]),
      checks.map((c) => [toHex(c.publicKey), toHex(c.message), toHex(c.signature)]),
    );
    assert.throws(() => packChecks([{ ...checks[0]!, signature: new Uint8Array(63) }]), RangeError);
  });

  it("splits large batches with the helper thread and finds an invalid check in either half", async () => {
    await helperUp();
    const checks = [...signedChecks(39), zip215Only(utf8("helper half"))];
    assert.equal(verifyOnHelperThread(checks.slice(20)).result(), -1, "the helper accepts ZIP-215 too");
    assert.equal(firstInvalidEd25519(checks), -1);
    for (const bad of [0, 5, 19, 20, 33, 38]) {
      const batch = checks.map((check, i) => (i === bad ? tampered(check) : check));
      assert.equal(verifyOnHelperThread(batch.slice(20)).result(), bad >= 20 ? bad - 20 : -1);
      assert.equal(firstInvalidEd25519(batch), bad, `invalid check ${bad}`);
    }
    const malformed = checks.map((check, i) =>
      i === 30 ? { ...check, publicKey: new Uint8Array(31) } : check,
    );
    assert.equal(firstInvalidEd25519(malformed), 30);
  });
});

describe("precommit sign bytes", () => {
  it("equal the CanonicalVote codec's for every timestamp shape", () => {
    const commit = (height: bigint, round: number): Commit => ({
      height,
      round,
      blockId: {
        hash: new Uint8Array(32).fill(9),
        partSetHeader: { total: 3, hash: new Uint8Array(32).fill(4) },
      },
      signatures: [],
    });
    const times = [
      { seconds: 0n, nanos: 0 },
      { seconds: 1n, nanos: 0 },
      { seconds: 0n, nanos: 1 },
      { seconds: 1_795_000_000n, nanos: 999_999_999 },
      { seconds: -62_135_596_800n, nanos: 0 }, // Go's zero time
    ];
    for (const chainId of ["", "metro-test-1"]) {
      for (const c of [commit(1n, 0), commit(2n ** 40n, 3)]) {
        const signBytes = precommitSigner(chainId, c);
        for (const timestamp of times) {
          const vote = CanonicalVoteCodec.encode({
            type: 2,
            height: c.height,
            round: BigInt(c.round),
            blockId: c.blockId,
            timestamp,
            chainId,
          });
          const sig = {
            blockIdFlag: 2,
            validatorAddress: new Uint8Array(20),
            timestamp,
            signature: new Uint8Array(),
          };
          assert.equal(toHex(signBytes(sig)), toHex(concatBytes(uvarint(vote.length), vote)));
        }
      }
    }
  });
});
