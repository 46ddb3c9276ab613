/**
 * Builds SequencerBlocks from a Metro node's RPC. Metro blocks hold only txs that succeeded
 * (ProcessProposal rejects any other), so each MsgSequence in a user tx is a rollup item.
 */

import { decodeTx, injectedTxCount, MSG_SEQUENCE_TYPE_URL, type SignedBlockData } from "../chain/index.js";
import { encodeCommitmentTx, groupByRollup, type RollupItem } from "../core/block-commitment.js";
import { bytesEqual } from "../core/bytes.js";
import { txProof } from "../core/comet/hashes.js";
import { rollupDataWithCommitment, type SequencerBlock, toProofMessage } from "../core/sequencer-block.js";

export class BlockBuildError extends Error {
  override name = "BlockBuildError";
}

function rollupItems(userTxs: readonly Uint8Array[]): RollupItem[] {
  const items: RollupItem[] = [];
  for (const tx of userTxs) {
    for (const message of decodeTx(tx).messages) {
      if (message.typeUrl === MSG_SEQUENCE_TYPE_URL) {
        items.push({ rollupId: message.value.rollupId, data: message.value.data });
      }
    }
  }
  return items;
}

export function buildSequencerBlock(block: SignedBlockData): SequencerBlock {
  const lead = injectedTxCount(block.txs);
  const commitmentTx = block.txs[0];
  if (lead === 0 || !commitmentTx)
    throw new BlockBuildError(`block ${block.header.height} has no commitment tx`);
  const userTxs = block.txs.slice(lead);
  const { commitment, rollups } = rollupDataWithCommitment(groupByRollup(rollupItems(userTxs)));
  // A node that serves a block its own commitment does not describe is broken: do not publish it.
  if (!bytesEqual(encodeCommitmentTx(commitment), commitmentTx)) {
    throw new BlockBuildError(`block ${block.header.height}: commitment does not match its txs`);
  }
  return {
    header: block.header,
    commit: block.commit,
    validators: block.validators,
    commitmentTx,
    commitmentProof: toProofMessage(txProof(block.txs, 0)),
    rollups,
    oracleCommitTx: lead === 2 ? block.txs[1]! : new Uint8Array(),
    oracleCommitProof: lead === 2 ? toProofMessage(txProof(block.txs, 1)) : null,
    oracleState: lead === 2 ? (block.oracleState ?? null) : null,
    // Without an oracle commit, the second tx proves there is none.
    ...(lead === 1 && block.txs.length > 1
      ? { secondTx: block.txs[1]!, secondTxProof: toProofMessage(txProof(block.txs, 1)) }
      : {}),
  };
}
