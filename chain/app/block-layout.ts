/**
 * What a Metro block holds besides user txs. The proposer puts the block commitment first
 * (`core/block-commitment.ts`); every validator recomputes it from the user txs' results.
 */
import {
  CommitmentError,
  commitmentOfItems,
  decodeCommitmentTx,
  encodeCommitmentTx,
} from "../../core/block-commitment.js";
import { uvarintSize } from "../../core/proto/varint.js";
import { isInjectedCommitTx } from "../../oracle/index.js";
import { emptyOutcome, type TxOutcome } from "./execute.js";

/** Protobuf bytes a tx takes inside the block's data: tag, length varint, bytes. */
export function encodedTxSize(tx: Uint8Array): number {
  return 1 + uvarintSize(tx.length) + tx.length;
}

/** Room the commitment tx takes in a block (its size is fixed: two 32-byte roots). */
export const COMMITMENT_TX_SPACE = encodedTxSize(
  encodeCommitmentTx({ rollupDataRoot: new Uint8Array(32), rollupIdsRoot: new Uint8Array(32) }),
);

/**
 * CometBFT v0.38's fixed block overheads (types/block.go: MaxOverheadForBlock, MaxHeaderBytes,
 * MaxCommitOverheadBytes, MaxCommitSigBytes) and its ceiling when `block.max_bytes` is -1.
 */
const BLOCK_OVERHEAD_BYTES = 11;
const HEADER_BYTES = 626;
const COMMIT_OVERHEAD_BYTES = 94;
const COMMIT_SIG_BYTES = 109;
const UNLIMITED_BLOCK_BYTES = 104_857_600n;

/**
 * The room a block has for user txs beside the commitment tx, in the bytes `encodedTxSize`
 * counts, as CometBFT's mempool pre-check reckons it (MaxDataBytesNoEvidence): `block.max_bytes`
 * less the header, a commit of `validators` signatures and the block's framing. A tx that needs
 * more can never be proposed.
 */
function blockTxSpace(blockMaxBytes: bigint, validators: number): number {
  const maxBytes = blockMaxBytes === -1n ? UNLIMITED_BLOCK_BYTES : blockMaxBytes;
  const commitBytes = COMMIT_OVERHEAD_BYTES + COMMIT_SIG_BYTES * validators;
  const dataBytes = Number(maxBytes) - BLOCK_OVERHEAD_BYTES - HEADER_BYTES - commitBytes;
  return Math.max(0, dataBytes - COMMITMENT_TX_SPACE);
}

/** The largest tx, in its own bytes, whose encoded size fits `blockTxSpace`. */
export function maxBlockTxBytes(blockMaxBytes: bigint, validators: number): number {
  const space = blockTxSpace(blockMaxBytes, validators);
  // Tag and length varint; the varint of the space is never shorter than the tx's own.
  return Math.max(0, space - 1 - uvarintSize(space));
}

/** The commitment tx for a block whose user txs had these results. */
export function commitmentTxFor(results: readonly TxOutcome[]): Uint8Array {
  const items = results.flatMap((result) => (result.code === 0 ? result.rollupItems : []));
  return encodeCommitmentTx(commitmentOfItems(items));
}

/**
 * How many leading txs of a block Metro put there itself: the block commitment (0x00…), then,
 * once vote extensions are on, the injected extended commit (0x01…). No TxRaw starts with
 * either byte, so user txs are never counted.
 */
export function injectedTxCount(txs: readonly Uint8Array[]): number {
  if (txs.length === 0) return 0;
  try {
    decodeCommitmentTx(txs[0]!);
  } catch (error) {
    if (error instanceof CommitmentError || (error as Error).name === "ProtoDecodeError") return 0;
    throw error;
  }
  return txs.length > 1 && isInjectedCommitTx(txs[1]!) ? 2 : 1;
}

/** The result an injected tx gets: it succeeds, and costs and emits nothing. */
export const injectedTxOutcome = emptyOutcome;
