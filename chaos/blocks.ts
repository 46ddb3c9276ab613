/**
 * Valid SequencerBlocks signed by a made-up 4-validator set (with and without an oracle commit
 * and its proven oracle state), and re-signing: a block whose header or commit was changed gets
 * a fresh, valid commit for what it now says, so verification goes past the signatures.
 */
import { createPrivateKey, type KeyObject, sign } from "node:crypto";
import { writePairs, writeVotePairs } from "../chain/modules/oracle.js";
import { utf8 } from "../core/bytes.js";
import { headerHash } from "../core/comet/hashes.js";
import { precommitSignBytes, requireComplete } from "../core/comet/verify.js";
import type { SequencerBlock } from "../core/sequencer-block.js";
import { DEFAULT_PAIRS, encodeInjectedCommit } from "../oracle/index.js";
import { oracleChainState, signedInjectedCommit } from "../test/support/oracle-blocks.js";
import { ALPHA, BETA, CHAIN, GAMMA, signedBlock, validatorSet } from "../test/support/signed-blocks.js";

export { ALPHA, BETA, CHAIN, GAMMA };

export type ValidatorSet = ReturnType<typeof validatorSet>;

/** ed25519 keys from their 32-byte seeds, for node:crypto's (fast) signing. */
export function signingKeys(seeds: readonly Uint8Array[]): KeyObject[] {
  const prefix = Buffer.from("302e020100300506032b657004220420", "hex");
  return seeds.map((seed) =>
    createPrivateKey({ key: Buffer.concat([prefix, seed]), format: "der", type: "pkcs8" }),
  );
}

/** Blocks at heights 1 to `count`: rollup data of several shapes, some votes nil or absent, an oracle commit in some. */
export function validBlocks(set: ValidatorSet, count = 8): SequencerBlock[] {
  const { appHash, oracleState } = oracleChainState((state) => {
    writePairs(state, DEFAULT_PAIRS);
    writeVotePairs(state, DEFAULT_PAIRS);
  });
  const vote = new Map([["TIA/USD", 520_000_000n]]);
  const oracleCommit = encodeInjectedCommit(
    signedInjectedCommit(set, DEFAULT_PAIRS, new Map(), [{ vote }, { vote }, { vote }, { vote }], 10n),
  );
  const itemSets = [
    [],
    [{ rollupId: ALPHA, data: utf8("a") }],
    [
      { rollupId: ALPHA, data: utf8("a1") },
      { rollupId: BETA, data: utf8("b1") },
      { rollupId: ALPHA, data: utf8("a2") },
      { rollupId: GAMMA, data: new Uint8Array(300).fill(7) },
    ],
  ];
  return Array.from({ length: count }, (_, i) => {
    const height = BigInt(i + 1);
    const withOracle = i % 2 === 1;
    return signedBlock({
      height,
      set,
      items: itemSets[i % itemSets.length]!,
      flags: i % 4 === 3 ? [2, 2, 2, 3] : undefined,
      ...(withOracle ? { appHash, oracleCommitTx: oracleCommit, oracleState } : {}),
    });
  });
}

/** `block` with its commit re-signed by every validator that signed it, for its header as it now is. */
export function resign(block: SequencerBlock, keys: readonly KeyObject[], chainId = CHAIN): SequencerBlock {
  if (!block.header || !block.commit) return block;
  try {
    requireComplete(block.header, block.commit);
  } catch {
    return block; // what cannot be hashed cannot be signed either: left as it is
  }
  const commit = { ...block.commit, blockId: { ...block.commit.blockId, hash: headerHash(block.header) } };
  commit.signatures = commit.signatures.map((sig, i) => {
    const key = keys[i];
    if (sig.blockIdFlag !== 2 || !key) return sig;
    return { ...sig, signature: new Uint8Array(sign(null, precommitSignBytes(chainId, commit, sig), key)) };
  });
  return { ...block, commit };
}

export { validatorSet };
