/**
 * SequencerBlock: one Metro block with the proofs a rollup needs (proto/metro/sequencer/v1/
 * block.proto), and the pure verification both the conductor and gossip validators run. Verified
 * means: a commit signed by more than 2/3 of the named validator set, a block commitment proven
 * against the header's data_hash, each rollup's items proven complete against it, and, when
 * present, the oracle state the block's price votes are read against, proven against app_hash.
 */
import {
  type BlockCommitment,
  commitmentWithProofs,
  decodeCommitmentTx,
  type RollupBatch,
  rollupLeaf,
  verifyRollupIds,
} from "./block-commitment.js";
import { bytesEqual, toHex } from "./bytes.js";
import { headerHash as hashOfHeader, validatorSetHash } from "./comet/hashes.js";
import type { Commit, Header, Validator } from "./comet/types.js";
import { requireComplete, verifyCommit } from "./comet/verify.js";
import { sha256 } from "./hash.js";
import { type MerkleProof, verifyMerkleProof } from "./merkle.js";
import {
  OracleStateError,
  type OracleStateMessage,
  provenOracleState,
  provenPriceEntries,
} from "./oracle-state.js";
import { protoCodec } from "./proto/codec.js";

/** MerkleProof as protobuf carries it (uint64 fields). */
export interface MerkleProofMessage {
  total: bigint;
  index: bigint;
  aunts: Uint8Array[];
}

export interface RollupDataMessage {
  rollupId: Uint8Array;
  items: Uint8Array[];
  proof: MerkleProofMessage;
}

export interface SequencerBlock {
  header: Header;
  commit: Commit;
  validators: Validator[];
  commitmentTx: Uint8Array;
  commitmentProof: MerkleProofMessage;
  rollups: RollupDataMessage[];
  /** Empty before vote extensions are on. */
  oracleCommitTx: Uint8Array;
  oracleCommitProof?: MerkleProofMessage | null;
  /** With an oracle commit: the state its votes are read against, proven against app_hash. */
  oracleState?: OracleStateMessage | null;
  /** Without an oracle commit: the block's second tx, if any, proving there is none. */
  secondTx?: Uint8Array;
  secondTxProof?: MerkleProofMessage | null;
}

/** A SequencerBlock cut down to one rollup; `rollup` is absent when it had no data. */
export interface RollupSlice {
  header: Header;
  commit: Commit;
  validators: Validator[];
  commitmentTx: Uint8Array;
  commitmentProof: MerkleProofMessage;
  rollup?: RollupDataMessage | null;
  rollupIds: Uint8Array[];
  oracleCommitTx: Uint8Array;
  oracleCommitProof?: MerkleProofMessage | null;
  /** With an oracle commit: the state its votes are read against, proven against app_hash. */
  oracleState?: OracleStateMessage | null;
  secondTx?: Uint8Array;
  secondTxProof?: MerkleProofMessage | null;
}

export const SequencerBlockCodec = protoCodec<SequencerBlock>("metro.sequencer.v1.SequencerBlock");
export const RollupSliceCodec = protoCodec<RollupSlice>("metro.sequencer.v1.RollupSlice");

export class SequencerBlockError extends Error {
  override name = "SequencerBlockError";
}

export function toProofMessage(proof: MerkleProof): MerkleProofMessage {
  return { total: BigInt(proof.total), index: BigInt(proof.index), aunts: proof.aunts };
}

function fromProofMessage(proof: MerkleProofMessage | undefined): MerkleProof {
  if (!proof || proof.total > 2n ** 32n || proof.index >= proof.total) {
    throw new SequencerBlockError("malformed Merkle proof");
  }
  return { total: Number(proof.total), index: Number(proof.index), aunts: proof.aunts };
}

/** Builds the rollup part of a SequencerBlock from the block's batches (sorted by rollup id). */
export function rollupDataMessages(batches: readonly RollupBatch[]): RollupDataMessage[] {
  return rollupDataWithCommitment(batches).rollups;
}

/** The rollup part of a SequencerBlock and the commitment it proves against, in one pass. */
export function rollupDataWithCommitment(batches: readonly RollupBatch[]): {
  commitment: BlockCommitment;
  rollups: RollupDataMessage[];
} {
  const { commitment, proofs } = commitmentWithProofs(batches);
  const rollups = batches.map((batch, index) => ({
    rollupId: batch.rollupId,
    items: batch.items,
    proof: toProofMessage(proofs[index]!),
  }));
  return { commitment, rollups };
}

export interface VerifyOptions {
  chainId: string;
  /** When the caller already trusts a validator set (a light client's next_validators_hash). */
  validatorsHash?: Uint8Array;
  /**
   * When the caller knows the block's hash already (Metro judging a challenge against its own
   * record, a conductor seeing a height again): the header must hash to it and the validator
   * set must be the header's, and the commit's signatures are not checked again.
   */
  trustedHeaderHash?: Uint8Array;
}

export interface VerifiedBlock {
  height: bigint;
  headerHash: Uint8Array;
  header: Header;
  commitment: BlockCommitment;
}

export type SignedPart = Pick<
  SequencerBlock,
  | "header"
  | "commit"
  | "validators"
  | "commitmentTx"
  | "commitmentProof"
  | "oracleCommitTx"
  | "oracleCommitProof"
  | "oracleState"
  | "secondTx"
  | "secondTxProof"
>;

function trustedHeader(
  header: Header,
  validators: readonly Validator[],
  chainId: string,
  trusted: Uint8Array,
): Uint8Array {
  requireComplete(header, undefined, validators);
  const hash = hashOfHeader(header);
  if (header.chainId !== chainId || !bytesEqual(hash, trusted)) {
    throw new SequencerBlockError(
      `height ${header.height}: not the block this chain recorded at that height`,
    );
  }
  if (!bytesEqual(validatorSetHash(validators), header.validatorsHash)) {
    throw new SequencerBlockError(`height ${header.height}: validator set does not match the header's`);
  }
  return hash;
}

/**
 * Checks a block's signed header and Metro's own txs, not its rollup data: what a height's
 * successor needs to vouch for its app_hash. Throws SequencerBlockError or CommitVerificationError.
 */
export function verifySignedPart(block: SignedPart, options: VerifyOptions): VerifiedBlock {
  const { header } = block;
  if (!header || !block.commit) throw new SequencerBlockError("header or commit missing");
  if (options.validatorsHash && !bytesEqual(options.validatorsHash, header.validatorsHash)) {
    throw new SequencerBlockError(
      `height ${header.height}: signed by a validator set the caller does not trust`,
    );
  }
  const headerHash = options.trustedHeaderHash
    ? trustedHeader(header, block.validators, options.chainId, options.trustedHeaderHash)
    : verifyCommit({ chainId: options.chainId, header, commit: block.commit, validators: block.validators });
  const proof = fromProofMessage(block.commitmentProof);
  if (proof.index !== 0 || !verifyMerkleProof(header.dataHash, sha256(block.commitmentTx), proof)) {
    throw new SequencerBlockError(`height ${header.height}: commitment tx is not the block's first tx`);
  }
  if (block.oracleCommitTx.length > 0) {
    const oracleProof = fromProofMessage(block.oracleCommitProof ?? undefined);
    if (
      oracleProof.index !== 1 ||
      !verifyMerkleProof(header.dataHash, sha256(block.oracleCommitTx), oracleProof)
    ) {
      throw new SequencerBlockError(`height ${header.height}: oracle commit is not the block's second tx`);
    }
  } else if (proof.total > 1) {
    requireNoOracleCommit(header, block);
  }
  if (block.oracleCommitTx.length > 0 && !block.oracleState) {
    // Its prices could not be known without it: a copy without it is no copy of the block.
    throw new SequencerBlockError(`height ${header.height}: oracle commit without its oracle state`);
  }
  if (block.oracleState) {
    try {
      provenOracleState(header.appHash, block.oracleState);
      provenPriceEntries(header.appHash, block.oracleState);
    } catch (error) {
      if (!(error instanceof OracleStateError)) throw error;
      throw new SequencerBlockError(`height ${header.height}: oracle state: ${error.message}`);
    }
  }
  return { height: header.height, headerHash, header, commitment: decodeCommitmentTx(block.commitmentTx) };
}

/** No TxRaw starts with 0x01 (field number 0); Metro's injected commit does (oracle/injection.ts). */
const INJECTED_COMMIT_PREFIX = 0x01;

/**
 * A block of two txs or more that says it has no oracle commit must show its second tx: else
 * anyone could strip a block's price votes (and its prices with them) and keep it valid.
 */
function requireNoOracleCommit(header: Header, block: SignedPart): void {
  const second = block.secondTx ?? new Uint8Array();
  const proof = block.secondTxProof ? fromProofMessage(block.secondTxProof) : undefined;
  if (proof?.index !== 1 || !verifyMerkleProof(header.dataHash, sha256(second), proof)) {
    throw new SequencerBlockError(
      `height ${header.height}: no oracle commit and no proven second tx (its oracle commit may have been left out)`,
    );
  }
  if (second[0] === INJECTED_COMMIT_PREFIX) {
    throw new SequencerBlockError(`height ${header.height}: its second tx is an oracle commit it leaves out`);
  }
}

function verifyRollupData(
  rollup: RollupDataMessage,
  position: number,
  count: number,
  commitment: BlockCommitment,
): void {
  const proof = fromProofMessage(rollup.proof);
  const batch = { rollupId: rollup.rollupId, items: rollup.items };
  if (proof.index !== position || proof.total !== count) {
    throw new SequencerBlockError(`rollup ${toHex(rollup.rollupId)}: proof is for another position`);
  }
  if (!verifyMerkleProof(commitment.rollupDataRoot, rollupLeaf(batch), proof)) {
    throw new SequencerBlockError(
      `rollup ${toHex(rollup.rollupId)}: data does not match the block commitment`,
    );
  }
}

/** Checks a whole SequencerBlock; throws SequencerBlockError or CommitVerificationError. */
export function verifySequencerBlock(block: SequencerBlock, options: VerifyOptions): VerifiedBlock {
  const verified = verifySignedPart(block, options);
  const ids = block.rollups.map((rollup) => rollup.rollupId);
  if (!verifyRollupIds(verified.commitment, ids)) {
    throw new SequencerBlockError(
      `height ${verified.height}: the rollups listed are not the block's rollups`,
    );
  }
  block.rollups.forEach((rollup, i) => {
    verifyRollupData(rollup, i, block.rollups.length, verified.commitment);
  });
  return verified;
}

/** The signed header and Metro's own txs with their proofs: what every view of a block keeps. */
export function signedPartOf(block: SignedPart): SignedPart {
  const { header, commit, validators, commitmentTx, commitmentProof, oracleCommitTx, oracleCommitProof } =
    block;
  return {
    header,
    commit,
    validators,
    commitmentTx,
    commitmentProof,
    oracleCommitTx,
    oracleCommitProof,
    ...(block.oracleState ? { oracleState: block.oracleState } : {}),
    ...(block.secondTxProof ? { secondTx: block.secondTx, secondTxProof: block.secondTxProof } : {}),
  };
}

/** The part of a (verified) SequencerBlock one rollup needs. */
export function sliceForRollup(block: SequencerBlock, rollupId: Uint8Array): RollupSlice {
  const rollup = block.rollups.find((r) => bytesEqual(r.rollupId, rollupId));
  return {
    ...signedPartOf(block),
    ...(rollup ? { rollup } : {}),
    rollupIds: block.rollups.map((r) => r.rollupId),
  };
}

/** Checks a slice and returns the rollup's items in block order: empty when it had none. */
export function verifyRollupSlice(
  slice: RollupSlice,
  rollupId: Uint8Array,
  options: VerifyOptions,
): { block: VerifiedBlock; items: Uint8Array[] } {
  const block = verifySignedPart(slice, options);
  if (!verifyRollupIds(block.commitment, slice.rollupIds)) {
    throw new SequencerBlockError(
      `height ${block.height}: rollup id list does not match the block commitment`,
    );
  }
  const position = slice.rollupIds.findIndex((id) => bytesEqual(id, rollupId));
  if (position < 0) {
    if (slice.rollup)
      throw new SequencerBlockError(`height ${block.height}: data for a rollup not in the block`);
    return { block, items: [] };
  }
  if (!slice.rollup || !bytesEqual(slice.rollup.rollupId, rollupId)) {
    throw new SequencerBlockError(
      `height ${block.height}: rollup ${toHex(rollupId)} has data that was left out`,
    );
  }
  verifyRollupData(slice.rollup, position, slice.rollupIds.length, block.commitment);
  return { block, items: slice.rollup.items };
}
