/**
 * Light-client verification of one CometBFT v0.38 commit (types/validation.go,
 * VerifyCommitLight): the commit is for this header, the validator set is the one the header
 * names, and validators holding more than 2/3 of the voting power signed a precommit for it.
 */
import { bytesEqual, concatBytes, toHex } from "../bytes.js";
import { sha256 } from "../hash.js";
import { uvarint } from "../proto/varint.js";
import { verifyEd25519 } from "./ed25519.js";
import { headerHash, validatorSetHash } from "./hashes.js";
import {
  BlockIdFlag,
  CanonicalVoteCodec,
  type Commit,
  type CommitSig,
  type Header,
  type Validator,
} from "./types.js";

export class CommitVerificationError extends Error {
  override name = "CommitVerificationError";
  constructor(
    message: string,
    readonly height: bigint,
  ) {
    super(`height ${height}: ${message}`);
  }
}

const PRECOMMIT = 2;

/** What validator `sig` signed: the uvarint-length-prefixed CanonicalVote. */
export function precommitSignBytes(chainId: string, commit: Commit, sig: CommitSig): Uint8Array {
  const vote = CanonicalVoteCodec.encode({
    type: PRECOMMIT,
    height: commit.height,
    round: BigInt(commit.round),
    blockId: commit.blockId,
    timestamp: sig.timestamp,
    chainId,
  });
  return concatBytes(uvarint(vote.length), vote);
}

/** An ed25519 validator's address: the first 20 bytes of sha256 of its public key. */
export function validatorAddress(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).subarray(0, 20);
}

export interface SignedBlock {
  chainId: string;
  header: Header;
  commit: Commit;
  validators: readonly Validator[];
}

/** Throws CommitVerificationError unless the commit proves the header; returns the header's hash. */
export function verifyCommit({ chainId, header, commit, validators }: SignedBlock): Uint8Array {
  const fail = (message: string) => new CommitVerificationError(message, header.height);
  if (header.chainId !== chainId) throw fail(`header is for chain ${header.chainId}, expected ${chainId}`);
  if (commit.height !== header.height) throw fail(`commit is for height ${commit.height}`);
  const hash = headerHash(header);
  if (!bytesEqual(commit.blockId.hash, hash)) throw fail("commit is for another block");
  if (!bytesEqual(validatorSetHash(validators), header.validatorsHash)) {
    throw fail("validator set does not match the header's validators_hash");
  }
  if (commit.signatures.length !== validators.length) {
    throw fail(`commit has ${commit.signatures.length} signatures for ${validators.length} validators`);
  }
  const total = validators.reduce((sum, validator) => sum + validator.votingPower, 0n);
  let signed = 0n;
  // As CometBFT's VerifyCommitLight: stop once more than 2/3 of the power has verified. The
  // rest cannot change the verdict, and at 100 validators it saves a third of the work.
  for (let i = 0; i < commit.signatures.length && signed * 3n <= total * 2n; i++) {
    const sig = commit.signatures[i]!;
    const validator = validators[i]!;
    if (sig.blockIdFlag !== BlockIdFlag.commit) continue;
    const publicKey = validator.pubKey.ed25519;
    if (!publicKey) throw fail(`validator ${i} has no ed25519 key`);
    if (!bytesEqual(sig.validatorAddress, validatorAddress(publicKey))) {
      throw fail(`signature ${i} names ${toHex(sig.validatorAddress)}, not validator ${i}`);
    }
    if (!verifyEd25519(publicKey, precommitSignBytes(chainId, commit, sig), sig.signature)) {
      throw fail(`signature ${i} (${toHex(sig.validatorAddress)}) is invalid`);
    }
    signed += validator.votingPower;
  }
  if (signed * 3n <= total * 2n) throw fail(`signed power ${signed} of ${total} is not more than 2/3`);
  return hash;
}
