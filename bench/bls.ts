/**
 * Rollup-header signatures: verifying one aggregate signature from N committee members
 * (FastAggregateVerify), natively with blst and with the portable @noble/curves reference. The
 * native path parses and checks each key once and keeps it; "first" is that first call.
 */
import blst from "@chainsafe/blst";
import { mint } from "../chain/modules/bank.js";
import { createValidator } from "../chain/modules/delegations.js";
import { joinCommittee, registerRollup, submitHeader } from "../chain/modules/rollups.js";
import { StateOverlay } from "../chain/store/overlay.js";
import { moduleAddress } from "../core/address.js";
import {
  blsAggregateSignatures,
  blsFastAggregateVerify,
  blsProvePOP,
  referenceFastAggregateVerify,
} from "../core/bls.js";
import { sha256 } from "../core/hash.js";
import { rollupHeaderHash, signerBitmap } from "../core/rollup-header.js";

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

export interface HeaderBench {
  committee: number;
  signers: number;
  headers: number;
  msPerHeader: number;
}

/**
 * Header submissions as a block runs them (in process): a 100-validator committee, 70 signers
 * each, each header checked for parent, quorum and aggregate signature, then stored pending.
 */
export function benchHeaderSubmissions(committee = 100, signers = 70, headers = 50): HeaderBench {
  const denom = "ulst";
  const state = new StateOverlay({ get: () => undefined, scan: () => [] });
  const env = { height: 1n, timeMs: 0n, denom };
  const secrets = Array.from({ length: committee }, (_, i) =>
    blst.SecretKey.fromKeygen(new Uint8Array(32).fill((i % 250) + 1), new Uint8Array([i >> 8, i & 255, 7])),
  );
  const operators = secrets.map((secret, i) => {
    const keys = { secretKey: secret.toBytes(), publicKey: secret.toPublicKey().toBytes(true) };
    const account = moduleAddress(`bench-header-operator-${i}`);
    mint(state, account, denom, 10_000_000n);
    return createValidator(
      state,
      {
        moniker: `v${i}`,
        commissionRate: "0.05",
        minSelfDelegation: "1000000",
        delegatorAddress: account,
        consensusPubkey: sha256(Buffer.from(`bench consensus ${i}`)),
        blsPubkey: keys.publicKey,
        blsProofOfPossession: blsProvePOP(keys),
        value: { denom, amount: "10000000" },
      },
      env,
    );
  });
  const rollupId = registerRollup(state, operators[0]!, {
    name: "bench-rollup",
    quorum: "0.67",
    challengeWindow: 10n,
    executionKind: "none",
    evmChainId: 0n,
    genesisHash: new Uint8Array(),
  });
  for (const operator of operators) joinCommittee(state, operator, rollupId);
  const chosen = Array.from({ length: signers }, (_, i) => i);
  let parentHash: Uint8Array = new Uint8Array(32);
  const signed = Array.from({ length: headers }, (_, n) => {
    const header = {
      rollupId,
      rollupHeight: BigInt(n + 1),
      parentHash,
      metroHeight: 1n,
      daHeight: 0n,
      dataRoot: new Uint8Array(32).fill(n % 256),
      stateRoot: new Uint8Array(32).fill((n + 1) % 256),
      blockHash: new Uint8Array(32).fill((n + 2) % 256),
    };
    const hash = rollupHeaderHash(header);
    parentHash = hash;
    const aggregate = blsAggregateSignatures(chosen.map((i) => secrets[i]!.sign(hash).toBytes(true)));
    return { header, aggregateSignature: aggregate, signerBitmap: signerBitmap(committee, chosen) };
  });
  // The first check parses the committee's keys; blocks after that find them known.
  const warm = state.branch();
  submitHeader(warm, signed[0]!, 2n);
  const started = performance.now();
  signed.forEach((header, n) => {
    submitHeader(state, header, BigInt(n + 2));
  });
  return { committee, signers, headers, msPerHeader: (performance.now() - started) / headers };
}
