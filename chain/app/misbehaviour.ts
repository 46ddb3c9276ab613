/**
 * Misbehaviour on purpose, for the tests and the fault campaign only (core/fault-injection.ts
 * refuses the switches off a devnet chain): what a dishonest proposer or voter would send, so the
 * campaign can count honest validators refusing it.
 */
import type { ExtendedCommitInfo, ResponseExtendVote } from "cosmjs-types/tendermint/abci/types";
import type { BadVoteExtension, InjectionTamper } from "../../core/fault-injection.js";
import { MAX_VOTE_BYTES } from "../../oracle/index.js";

/**
 * The commit a tampering proposer injects: a forged extension on the first vote, the last vote
 * dropped, or the first two swapped. Each differs from the block's own LastCommit or fails a
 * signature, so ProcessProposal refuses it.
 */
export function tamperedCommit(commit: ExtendedCommitInfo, tamper: InjectionTamper): ExtendedCommitInfo {
  const [first, second, ...rest] = commit.votes;
  if (!first) return commit;
  switch (tamper) {
    case "forge":
      return {
        ...commit,
        votes: [{ ...first, voteExtension: Uint8Array.of(0x0a, 0x00) }, ...commit.votes.slice(1)],
      };
    case "drop":
      return { ...commit, votes: commit.votes.slice(0, -1) };
    case "reorder":
      return second ? { ...commit, votes: [second, first, ...rest] } : commit;
  }
}

/** Past the extension's signing deadline: CometBFT's timeout_commit on the devnets is 1 s. */
const LATE_EXTENSION_MS = 2500;

/**
 * A bad validator's vote extension: one byte over what every validator accepts, or its honest
 * extension held back until the others have committed the height without it.
 */
export async function badVoteExtension(
  kind: BadVoteExtension,
  honest: () => ResponseExtendVote,
): Promise<ResponseExtendVote> {
  if (kind === "oversized") return { voteExtension: new Uint8Array(MAX_VOTE_BYTES + 1).fill(0x5a) };
  await new Promise((resolve) => setTimeout(resolve, LATE_EXTENSION_MS));
  return honest();
}
