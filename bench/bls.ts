/**
 * Rollup-header signatures: verifying one aggregate signature from N committee members
 * (FastAggregateVerify), natively with blst and with the portable @noble/curves reference. The
 * native path parses and checks each key once and keeps it; "first" is that first call.
 */
import blst from "@chainsafe/blst";
import { blsAggregateSignatures, blsFastAggregateVerify, referenceFastAggregateVerify } from "../core/bls.js";

export interface BlsBenchRow {
  signers: number;
  /** The first verification with these keys, which parses and validates them. */
  nativeFirstMs: number;
  nativeMs: number;
  referenceMs: number;
}

function timeEach(iterations: number, work: () => boolean): number {
  const started = performance.now();
  for (let i = 0; i < iterations; i++) if (!work()) throw new Error("aggregate did not verify");
  return (performance.now() - started) / iterations;
}

export function benchBls(counts: readonly number[] = [4, 100, 1000]): BlsBenchRow[] {
  const message = new TextEncoder().encode("a rollup header hash, 32 bytes..");
  return counts.map((signers) => {
    const secrets = Array.from({ length: signers }, (_, i) =>
      blst.SecretKey.fromKeygen(new Uint8Array(32).fill((i % 250) + 1), new Uint8Array([i >> 8, i & 255])),
    );
    const publicKeys = secrets.map((secret) => secret.toPublicKey().toBytes(true));
    const aggregate = blsAggregateSignatures(secrets.map((secret) => secret.sign(message).toBytes(true)));
    const first = timeEach(1, () => blsFastAggregateVerify(aggregate, message, publicKeys));
    return {
      signers,
      nativeFirstMs: first,
      nativeMs: timeEach(signers >= 1000 ? 10 : 30, () =>
        blsFastAggregateVerify(aggregate, message, publicKeys),
      ),
      referenceMs: timeEach(signers >= 1000 ? 1 : 3, () =>
        referenceFastAggregateVerify(aggregate, message, publicKeys),
      ),
    };
  });
}
