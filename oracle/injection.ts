/**
 * The extended commit the proposer injects as its block's second tx (after the block
 * commitment): every validator's precommit of the previous height with its vote extension, as
 * CometBFT gave it in PrepareProposal's local_last_commit. ProcessProposal checks it against the
 * block's own LastCommit and checks every extension signature, so a proposer can neither forge
 * a price vote nor change who voted with what power (cosmos-sdk ASA-2024-006).
 */

import { type CommitInfo, ExtendedCommitInfo } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { bytesEqual, concatBytes, toHex } from "../core/bytes.js";
import { type Ed25519Check, firstInvalidEd25519 } from "../core/comet/ed25519.js";
import { CanonicalVoteExtensionCodec } from "../core/comet/types.js";
import { uvarint } from "../core/proto/varint.js";

/** No TxRaw starts with 0x01 (field number 0), so user txs cannot pose as the injected commit. */
const INJECTED_COMMIT_PREFIX = 0x01;

export class InjectionError extends Error {
  override name = "InjectionError";
}

export function encodeInjectedCommit(commit: ExtendedCommitInfo): Uint8Array {
  return concatBytes(Uint8Array.of(INJECTED_COMMIT_PREFIX), ExtendedCommitInfo.encode(commit).finish());
}

export function isInjectedCommitTx(tx: Uint8Array): boolean {
  return tx[0] === INJECTED_COMMIT_PREFIX;
}

export function decodeInjectedCommit(tx: Uint8Array): ExtendedCommitInfo {
  if (!isInjectedCommitTx(tx)) throw new InjectionError("not an injected commit tx");
  let commit: ExtendedCommitInfo;
  try {
    commit = ExtendedCommitInfo.decode(tx.subarray(1));
  } catch (error) {
    throw new InjectionError(`malformed injected commit: ${(error as Error).message}`);
  }
  if (!bytesEqual(encodeInjectedCommit(commit), tx))
    throw new InjectionError("injected commit is not canonical");
  return commit;
}

/** What CometBFT signs for a vote extension: length-prefixed CanonicalVoteExtension. */
export function extensionSignBytes(
  chainId: string,
  height: bigint,
  round: number,
  extension: Uint8Array,
): Uint8Array {
  const bytes = CanonicalVoteExtensionCodec.encode({ extension, height, round: BigInt(round), chainId });
  return concatBytes(uvarint(bytes.length), bytes);
}

export interface InjectionContext {
  chainId: string;
  /** The height whose precommits these are: the proposal's height minus one. */
  voteHeight: bigint;
  /** ed25519 public keys by validator address (hex). */
  publicKeys: ReadonlyMap<string, Uint8Array>;
}

/** Throws InjectionError unless `injected` is exactly `lastCommit` with validly signed extensions. */
export function verifyInjectedCommit(
  injected: ExtendedCommitInfo,
  lastCommit: CommitInfo,
  context: InjectionContext,
): void {
  if (injected.round !== lastCommit.round)
    throw new InjectionError(`round ${injected.round}, last commit's ${lastCommit.round}`);
  if (injected.votes.length !== lastCommit.votes.length) {
    throw new InjectionError(`${injected.votes.length} votes, last commit has ${lastCommit.votes.length}`);
  }
  const checks: Ed25519Check[] = [];
  const checked: number[] = [];
  injected.votes.forEach((vote, i) => {
    const expected = lastCommit.votes[i]!;
    const who = toHex(vote.validator.address);
    if (
      !bytesEqual(vote.validator.address, expected.validator.address) ||
      vote.validator.power !== expected.validator.power ||
      vote.blockIdFlag !== expected.blockIdFlag
    ) {
      throw new InjectionError(`vote ${i} (${who}) differs from the last commit's validator, power or flag`);
    }
    if (vote.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_COMMIT) {
      if (vote.voteExtension.length > 0 || vote.extensionSignature.length > 0) {
        throw new InjectionError(`vote ${i} (${who}) did not commit but carries an extension`);
      }
      return;
    }
    const publicKey = context.publicKeys.get(who);
    if (!publicKey) throw new InjectionError(`vote ${i}: unknown validator ${who}`);
    const message = extensionSignBytes(
      context.chainId,
      context.voteHeight,
      injected.round,
      vote.voteExtension,
    );
    checks.push({ publicKey, message, signature: vote.extensionSignature });
    checked.push(i);
  });
  const invalid = firstInvalidEd25519(checks);
  if (invalid >= 0) {
    const i = checked[invalid]!;
    const who = toHex(injected.votes[i]!.validator.address);
    throw new InjectionError(`vote ${i} (${who}): extension signature is invalid`);
  }
}
