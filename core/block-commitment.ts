/**
 * Metro's per-block commitment to rollup data. Every block's first tx holds two roots: one over
 * each rollup's data (grouped by rollup id, items in block order) and one over the set of rollup
 * ids present. A rollup holding its items, a Merkle proof of its leaf and the list of ids can
 * check that it got exactly its data, or that it had none.
 */
import { bytesEqual, concatBytes, toHex } from "./bytes.js";
import {
  type MerkleProof,
  merkleLeaf,
  merkleProof,
  merkleProofs,
  merkleRoot,
  merkleRootOfLeaves,
} from "./merkle.js";
import { protoCodec } from "./proto/codec.js";
import { ROLLUP_ID_LENGTH } from "./proto/sequencer.js";

export interface BlockCommitment {
  rollupDataRoot: Uint8Array;
  rollupIdsRoot: Uint8Array;
}

/** One rollup transaction, as MsgSequence carried it. */
export interface RollupItem {
  rollupId: Uint8Array;
  data: Uint8Array;
  /** merkleLeaf(data), when computed ahead (CheckTx does, off the proposal's critical path). */
  leaf?: Uint8Array;
}

/** A rollup's data in one block, in block order. */
export interface RollupBatch {
  rollupId: Uint8Array;
  items: Uint8Array[];
}

export class CommitmentError extends Error {
  override name = "CommitmentError";
}

const BlockCommitmentCodec = protoCodec<BlockCommitment>("metro.sequencer.v1.BlockCommitment");
/** A TxRaw never starts with 0x00 (field number 0 does not exist), so no user tx can pose as this. */
const COMMITMENT_TX_PREFIX = 0x00;

/** Groups items by rollup, sorted by rollup id; each rollup's items keep block order. */
export function groupByRollup(items: readonly RollupItem[]): RollupBatch[] {
  return groupWithLeaves(items).map(({ rollupId, items }) => ({ rollupId, items }));
}

/** Like groupByRollup, with each item's Merkle leaf (reused when the item carries it). */
function groupWithLeaves(items: readonly RollupItem[]): (RollupBatch & { leaves: Uint8Array[] })[] {
  const batches = new Map<string, RollupBatch & { leaves: Uint8Array[] }>();
  for (const { rollupId, data, leaf } of items) {
    const key = toHex(rollupId);
    let batch = batches.get(key);
    if (!batch) {
      batch = { rollupId, items: [], leaves: [] };
      batches.set(key, batch);
    }
    batch.items.push(data);
    batch.leaves.push(leaf ?? merkleLeaf(data));
  }
  return [...batches.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, batch]) => batch);
}

/** The commitment to a block's rollup items, in block order (what the chain computes). */
export function commitmentOfItems(items: readonly RollupItem[]): BlockCommitment {
  const batches = groupWithLeaves(items);
  return {
    rollupDataRoot: merkleRoot(batches.map((b) => concatBytes(b.rollupId, merkleRootOfLeaves(b.leaves)))),
    rollupIdsRoot: merkleRoot(batches.map((b) => b.rollupId)),
  };
}

/** The leaf a rollup's batch takes in the rollup data tree. */
export function rollupLeaf(batch: RollupBatch): Uint8Array {
  return concatBytes(batch.rollupId, merkleRoot(batch.items));
}

export function blockCommitment(batches: readonly RollupBatch[]): BlockCommitment {
  return {
    rollupDataRoot: merkleRoot(batches.map(rollupLeaf)),
    rollupIdsRoot: merkleRoot(batches.map((batch) => batch.rollupId)),
  };
}

/** Proof that `batches[index]` is a leaf of the rollup data root. */
export function rollupBatchProof(batches: readonly RollupBatch[], index: number): MerkleProof {
  return merkleProof(batches.map(rollupLeaf), index);
}

/** The commitment and a proof for every batch, hashing each rollup's items once. */
export function commitmentWithProofs(batches: readonly RollupBatch[]): {
  commitment: BlockCommitment;
  proofs: MerkleProof[];
} {
  const leaves = batches.map(rollupLeaf);
  return {
    commitment: {
      rollupDataRoot: merkleRoot(leaves),
      rollupIdsRoot: merkleRoot(batches.map((batch) => batch.rollupId)),
    },
    proofs: merkleProofs(leaves),
  };
}

export function encodeCommitmentTx(commitment: BlockCommitment): Uint8Array {
  return concatBytes(Uint8Array.of(COMMITMENT_TX_PREFIX), BlockCommitmentCodec.encode(commitment));
}

export function decodeCommitmentTx(tx: Uint8Array): BlockCommitment {
  if (tx[0] !== COMMITMENT_TX_PREFIX) throw new CommitmentError("not a block commitment tx");
  const commitment = BlockCommitmentCodec.decode(tx.subarray(1));
  if (commitment.rollupDataRoot.length !== 32 || commitment.rollupIdsRoot.length !== 32) {
    throw new CommitmentError("block commitment roots must be 32 bytes");
  }
  if (!bytesEqual(encodeCommitmentTx(commitment), tx)) {
    throw new CommitmentError("block commitment tx is not canonically encoded");
  }
  return commitment;
}

/** Checks that sorted, distinct 32-byte ids are what the commitment's ids root covers. */
export function verifyRollupIds(commitment: BlockCommitment, ids: readonly Uint8Array[]): boolean {
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]!.length !== ROLLUP_ID_LENGTH) return false;
    if (i > 0 && !(toHex(ids[i - 1]!) < toHex(ids[i]!))) return false;
  }
  return bytesEqual(merkleRoot(ids), commitment.rollupIdsRoot);
}
