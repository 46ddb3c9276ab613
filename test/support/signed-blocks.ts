/**
 * SequencerBlocks signed by a made-up validator set, for tests of code that verifies them
 * without a chain: every hash and signature is real, the keys are derived from fixed seeds.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import {
  blockCommitment,
  encodeCommitmentTx,
  groupByRollup,
  type RollupItem,
} from "../../core/block-commitment.js";
import { toHex, utf8 } from "../../core/bytes.js";
import { dataHash, headerHash, txProof, validatorSetHash } from "../../core/comet/hashes.js";
import type { Commit, Header, Validator } from "../../core/comet/types.js";
import { precommitSignBytes, validatorAddress } from "../../core/comet/verify.js";
import type { OracleStateMessage } from "../../core/oracle-state.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { rollupDataMessages, type SequencerBlock, toProofMessage } from "../../core/sequencer-block.js";

export const CHAIN = "metro-test";

/**
 * A real network's validator set with its members' signing keys, read from their homes
 * (CometBFT's priv_validator_key.json holds the ed25519 seed and public key): what lets a test
 * sign blocks as that set did, to show they are refused where it no longer governs.
 */
export function validatorSetFromHomes(
  validators: readonly Validator[],
  homes: readonly string[],
): { keys: Uint8Array[]; validators: Validator[] } {
  const byAddress = new Map(
    homes.map((home) => {
      const file = JSON.parse(readFileSync(join(home, "config", "priv_validator_key.json"), "utf8")) as {
        address: string;
        priv_key: { value: string };
      };
      return [file.address.toLowerCase(), Buffer.from(file.priv_key.value, "base64").subarray(0, 32)];
    }),
  );
  const keys = validators.map((v) => {
    const key = byAddress.get(toHex(v.address));
    if (!key) throw new Error(`no home holds the key of validator ${toHex(v.address)}`);
    return new Uint8Array(key);
  });
  return { keys, validators: [...validators] };
}

/** A validator set of `count` equal-power ed25519 validators; `seed` picks the keys. */
export function validatorSet(count = 4, seed = 1): { keys: Uint8Array[]; validators: Validator[] } {
  const keys = Array.from({ length: count }, (_, i) =>
    ed25519.utils.randomSecretKey(new Uint8Array(32).fill(seed * 16 + i + 1)),
  );
  const validators = keys.map((key) => {
    const publicKey = ed25519.getPublicKey(key);
    return {
      address: validatorAddress(publicKey),
      pubKey: { ed25519: publicKey },
      votingPower: 10n,
      proposerPriority: 0n,
    };
  });
  return { keys, validators };
}

export const [ALPHA, BETA, GAMMA] = ["alpha", "beta", "gamma"].map(rollupIdFromName) as [
  Uint8Array,
  Uint8Array,
  Uint8Array,
];

const DEFAULT_ITEMS: RollupItem[] = [
  { rollupId: ALPHA, data: utf8("a1") },
  { rollupId: BETA, data: utf8("b1") },
  { rollupId: ALPHA, data: utf8("a2") },
];

export interface SignedBlockOptions {
  height?: bigint;
  /** Per validator: 2 commit, 3 nil, 1 absent. */
  flags?: number[];
  set?: { keys: Uint8Array[]; validators: Validator[] };
  /** The set the header names for the next height; the block's own set when left out. */
  nextValidatorsHash?: Uint8Array;
  items?: RollupItem[];
  chainId?: string;
  /** The state root after the previous height. */
  appHash?: Uint8Array;
  /** An injected oracle commit to put second, and the oracle state to carry with it. */
  oracleCommitTx?: Uint8Array;
  oracleState?: OracleStateMessage;
  /** The previous height's header hash (last_block_id); a fixed made-up one when left out. */
  lastBlockHash?: Uint8Array;
}

/** A block at `height` signed by the set's validators whose flag says commit. */
export function signedBlock(options: SignedBlockOptions = {}): SequencerBlock {
  const { keys, validators } = options.set ?? validatorSet();
  const chainId = options.chainId ?? CHAIN;
  const height = options.height ?? 7n;
  const batches = groupByRollup(options.items ?? DEFAULT_ITEMS);
  const commitmentTx = encodeCommitmentTx(blockCommitment(batches));
  const oracleTxs = options.oracleCommitTx ? [options.oracleCommitTx] : [];
  const txs = [commitmentTx, ...oracleTxs, utf8("user tx bytes")];
  const header: Header = {
    version: { block: 11n, app: 1n },
    chainId,
    height,
    time: { seconds: 1_795_000_000n + height, nanos: 123_456_789 },
    lastBlockId: {
      hash: options.lastBlockHash ?? new Uint8Array(32).fill(1),
      partSetHeader: { total: 1, hash: new Uint8Array(32).fill(2) },
    },
    lastCommitHash: new Uint8Array(32).fill(3),
    dataHash: dataHash(txs),
    validatorsHash: validatorSetHash(validators),
    nextValidatorsHash: options.nextValidatorsHash ?? validatorSetHash(validators),
    consensusHash: new Uint8Array(32).fill(4),
    appHash: options.appHash ?? new Uint8Array(32).fill(5),
    lastResultsHash: new Uint8Array(32).fill(6),
    evidenceHash: new Uint8Array(32).fill(7),
    proposerAddress: validators[0]!.address,
  };
  const commit: Commit = {
    height,
    round: 0,
    blockId: { hash: headerHash(header), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(8) } },
    signatures: [],
  };
  commit.signatures = (options.flags ?? validators.map(() => 2)).map((flag, i) => {
    const sig = {
      blockIdFlag: flag,
      validatorAddress: flag === 1 ? new Uint8Array() : validators[i]!.address,
      timestamp: { seconds: 1_795_000_001n + height, nanos: i },
      signature: new Uint8Array(),
    };
    if (flag === 2) sig.signature = ed25519.sign(precommitSignBytes(chainId, commit, sig), keys[i]!);
    return sig;
  });
  return {
    header,
    commit,
    validators,
    commitmentTx,
    commitmentProof: toProofMessage(txProof(txs, 0)),
    rollups: rollupDataMessages(batches),
    oracleCommitTx: options.oracleCommitTx ?? new Uint8Array(),
    oracleCommitProof: options.oracleCommitTx ? toProofMessage(txProof(txs, 1)) : null,
    ...(options.oracleCommitTx ? {} : { secondTx: txs[1]!, secondTxProof: toProofMessage(txProof(txs, 1)) }),
    ...(options.oracleState ? { oracleState: options.oracleState } : {}),
  };
}
