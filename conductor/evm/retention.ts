/**
 * The EVM node's bounded retention (`metro evm --keep-blocks N`): it keeps the blocks from
 * firm - N up, with every soft block above the firm head, and the state of each. After every
 * commitment update the blocks below that are deleted (a batch at a time), and once the kept
 * range has moved on by N blocks since the last compaction the state trie is compacted: the
 * nodes the kept states reach are copied into a fresh database and the old one dropped.
 *
 * N has a floor: an honest node must still prove fraud in any header Metro may be asked to
 * judge. A challenge of rollup block b (conductor/challenge.ts) carries b's parent header and
 * the pre-state witness of b, which re-executes b over b - 1's state and may read, through
 * BLOCKHASH, the headers of the 256 blocks below b. A header is challengeable for the rollup's
 * challenge window (Metro heights, one rollup block each) after Metro received it, which is a
 * little after its block became firm.
 */
import type { Logger } from "../../core/log.js";
import type { EvmStore } from "./store.js";

export class RetentionError extends Error {
  override name = "RetentionError";
}

/** How many ancestors BLOCKHASH reads: their headers are part of a fraud proof's witness. */
export const BLOCKHASH_DEPTH = 256;
/** Rollup blocks between a block turning firm and its header reaching Metro, with room to spare. */
export const HEADER_SUBMISSION_SLACK = 64;
/** Block numbers deleted per commitment update at most, so a long history is pruned gradually. */
const PRUNE_BATCH = 1000n;

/** The least `--keep-blocks` that still lets this node prove fraud in any challengeable header. */
export function minKeepBlocks(challengeWindow: bigint): number {
  return Number(challengeWindow) + BLOCKHASH_DEPTH + HEADER_SUBMISSION_SLACK;
}

/** Refuses a retention too short for the rollup's challenge window (0 keeps every block). */
export function checkKeepBlocks(keepBlocks: number, challengeWindow: bigint, rollup: string): void {
  if (!Number.isSafeInteger(keepBlocks) || keepBlocks < 0) {
    throw new RetentionError(`--keep-blocks must be a whole number, got ${keepBlocks}`);
  }
  const least = minKeepBlocks(challengeWindow);
  if (keepBlocks > 0 && keepBlocks < least) {
    throw new RetentionError(
      `--keep-blocks ${keepBlocks} is too few for ${rollup}: fraud proofs need the blocks of its ` +
        `challenge window (${challengeWindow}) plus ${BLOCKHASH_DEPTH} for BLOCKHASH and ` +
        `${HEADER_SUBMISSION_SLACK} for header submission, so at least ${least} (or 0 to keep all)`,
    );
  }
}

/** The JSON-RPC's words for a block this node no longer holds. */
export function prunedBlockMessage(number: bigint, lowest: bigint): string {
  return `block ${number} is pruned; this node keeps blocks from ${lowest}`;
}

export interface RetentionOptions {
  /** Blocks kept below the firm head (0: keep every block). */
  keepBlocks: number;
  /** Kept-range advance between trie compactions (default: keepBlocks). */
  compactEvery?: number;
  log?: Logger;
}

export interface RetentionStats {
  compactions: number;
  /** Trie entries the last compaction dropped. */
  lastCompactionDropped: number;
}

export class Retention {
  readonly stats: RetentionStats = { compactions: 0, lastCompactionDropped: 0 };

  constructor(
    private readonly store: EvmStore,
    private readonly options: RetentionOptions,
  ) {}

  get keepBlocks(): number {
    return this.options.keepBlocks;
  }

  /** After the firm head reached `firm`: prunes old blocks, and compacts the trie when due. */
  apply(firm: bigint): void {
    const keep = BigInt(this.options.keepBlocks);
    if (keep === 0n || firm <= keep) return;
    const prunedBelow = this.store.pruneBlocks(firm - keep, PRUNE_BATCH);
    const every = BigInt(this.options.compactEvery ?? this.options.keepBlocks);
    if (prunedBelow - this.store.compactedBelow >= every) this.compact();
  }

  private compact(): void {
    const { before, after } = this.store.compactTrie();
    this.stats.compactions++;
    this.stats.lastCompactionDropped = before - after;
    this.options.log?.info(
      { keptFrom: this.store.prunedBelow.toString(), trieEntries: after, dropped: before - after },
      "EVM state trie compacted",
    );
  }
}
