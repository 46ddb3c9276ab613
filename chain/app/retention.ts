/** How far back CometBFT keeps blocks: the retain height Metro's Commit answers with. */

export interface RetentionInputs {
  commitHeight: bigint;
  /** Blocks to keep (0: keep all, and nothing is pruned). */
  minRetainBlocks: number;
  /** Blocks back to the oldest snapshot kept: a node restored from it fetches the blocks after it. */
  snapshotInterval: number;
  snapshotKeepRecent: number;
  /** CometBFT's evidence.max_age_num_blocks: evidence is checked against the blocks it names. */
  evidenceMaxAgeBlocks: bigint;
}

/**
 * The lowest height CometBFT must keep, or 0 to keep every block. The Cosmos SDK's rule: the
 * most recent `minRetainBlocks` blocks, lowered to keep every block evidence may still name and
 * every block since the oldest snapshot kept.
 */
export function blockRetainHeight(inputs: RetentionInputs): bigint {
  const { commitHeight, minRetainBlocks, snapshotInterval, snapshotKeepRecent } = inputs;
  if (minRetainBlocks === 0) return 0n;
  let retain = commitHeight - BigInt(minRetainBlocks) + 1n;
  if (inputs.evidenceMaxAgeBlocks > 0n) retain = min(retain, commitHeight - inputs.evidenceMaxAgeBlocks);
  if (snapshotInterval > 0)
    retain = min(retain, commitHeight - BigInt(snapshotInterval * snapshotKeepRecent));
  return retain > 1n ? retain : 0n;
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
