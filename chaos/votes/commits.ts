/**
 * Injected commits as a proposer could forge them: each validator's precommit with its vote
 * extension really signed (so verification reaches the content), then one change to the
 * injected votes alone or to the block's LastCommit too (powers, addresses, flags, round,
 * order, a vote dropped or repeated, a signature or extension swapped after signing).
 */
import { type KeyObject, sign } from "node:crypto";
import type { CommitInfo, ExtendedCommitInfo, ExtendedVoteInfo } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import fc from "fast-check";
import type { Validator } from "../../core/comet/types.js";
import { extensionSignBytes } from "../../oracle/injection.js";

export interface Ballot {
  flag: BlockIDFlag;
  extension: Uint8Array;
}

export type CommitMutation =
  | { kind: "power"; vote: number; power: bigint }
  | { kind: "address"; vote: number; address: Uint8Array }
  | { kind: "flag"; vote: number; flag: number }
  | { kind: "round"; round: number }
  | { kind: "drop"; vote: number }
  | { kind: "repeat"; vote: number }
  | { kind: "swap"; vote: number }
  | { kind: "signature"; vote: number; signature: Uint8Array }
  | { kind: "extension"; vote: number; extension: Uint8Array };

export interface CommitCase {
  ballots: Ballot[];
  mutation: CommitMutation | null;
  /** Whether the block's LastCommit changes with the injected votes (so only the content is wrong). */
  both: boolean;
}

export function commitCaseArbitrary(
  validators: number,
  extension: fc.Arbitrary<Uint8Array>,
): fc.Arbitrary<CommitCase> {
  const vote = fc.nat(validators);
  const flag = fc.oneof(
    { weight: 8, arbitrary: fc.constant(BlockIDFlag.BLOCK_ID_FLAG_COMMIT) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(BlockIDFlag.BLOCK_ID_FLAG_NIL, BlockIDFlag.BLOCK_ID_FLAG_ABSENT),
    },
  );
  const mutation: fc.Arbitrary<CommitMutation> = fc.oneof(
    fc.record({
      kind: fc.constant("power" as const),
      vote,
      power: fc.constantFrom(0n, 1n, 9n, 11n, 2n ** 63n - 1n, -1n),
    }),
    fc.record({
      kind: fc.constant("address" as const),
      vote,
      address: fc.uint8Array({ minLength: 0, maxLength: 21 }),
    }),
    fc.record({ kind: fc.constant("flag" as const), vote, flag: fc.integer({ min: -1, max: 5 }) }),
    fc.record({ kind: fc.constant("round" as const), round: fc.constantFrom(1, -1, 2 ** 31 - 1) }),
    fc.record({ kind: fc.constant("drop" as const), vote }),
    fc.record({ kind: fc.constant("repeat" as const), vote }),
    fc.record({ kind: fc.constant("swap" as const), vote }),
    fc.record({ kind: fc.constant("signature" as const), vote, signature: fc.uint8Array({ maxLength: 65 }) }),
    fc.record({ kind: fc.constant("extension" as const), vote, extension }),
  );
  return fc.record({
    ballots: fc.array(fc.record({ flag, extension }), { minLength: validators, maxLength: validators }),
    mutation: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: mutation }),
    both: fc.boolean(),
  });
}

/** The precommits of `voteHeight` with each committed vote's extension signed. */
export function signedCommit(
  ballots: readonly Ballot[],
  validators: readonly Validator[],
  keys: readonly KeyObject[],
  chainId: string,
  voteHeight: bigint,
): ExtendedCommitInfo {
  return {
    round: 0,
    votes: ballots.map((ballot, i) => {
      const validator = validators[i]!;
      const committed = ballot.flag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT;
      const extension = committed ? ballot.extension : new Uint8Array();
      const signature = committed
        ? new Uint8Array(sign(null, extensionSignBytes(chainId, voteHeight, 0, extension), keys[i]!))
        : new Uint8Array();
      return {
        validator: { address: validator.address, power: validator.votingPower },
        voteExtension: extension,
        extensionSignature: signature,
        blockIdFlag: ballot.flag,
      };
    }),
  };
}

/** The block's own LastCommit for these votes: who voted, with what power and flag. */
export function lastCommitOf(commit: ExtendedCommitInfo): CommitInfo {
  return {
    round: commit.round,
    votes: commit.votes.map((vote) => ({ validator: { ...vote.validator }, blockIdFlag: vote.blockIdFlag })),
  };
}

function mutateVotes(votes: ExtendedVoteInfo[], mutation: CommitMutation): void {
  if (mutation.kind === "round") return;
  const at = votes.length === 0 ? 0 : mutation.vote % votes.length;
  const vote = votes[at];
  if (!vote) return;
  switch (mutation.kind) {
    case "power":
      vote.validator = { ...vote.validator, power: mutation.power };
      break;
    case "address":
      vote.validator = { ...vote.validator, address: mutation.address };
      break;
    case "flag":
      vote.blockIdFlag = mutation.flag;
      break;
    case "drop":
      votes.splice(at, 1);
      break;
    case "repeat":
      votes.splice(at, 0, { ...vote });
      break;
    case "swap":
      votes.splice(at, 1);
      votes.push(vote);
      break;
    case "signature":
      vote.extensionSignature = mutation.signature;
      break;
    case "extension":
      vote.voteExtension = mutation.extension;
      break;
  }
}

/** The forged injection and the block's LastCommit for `commit` under `mutation`. */
export function forged(
  commit: ExtendedCommitInfo,
  test: CommitCase,
): { injected: ExtendedCommitInfo; lastCommit: CommitInfo } {
  const honest = lastCommitOf(commit);
  const injected: ExtendedCommitInfo = {
    round: commit.round,
    votes: commit.votes.map((vote) => ({ ...vote })),
  };
  if (test.mutation) {
    if (test.mutation.kind === "round") injected.round = test.mutation.round;
    mutateVotes(injected.votes, test.mutation);
  }
  const lastCommit = test.both ? lastCommitOf(injected) : honest;
  return { injected, lastCommit };
}
