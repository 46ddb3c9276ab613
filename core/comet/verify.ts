/**
 * Light-client verification of one CometBFT v0.38 commit (types/validation.go,
 * VerifyCommitLight): the commit is for this header, the validator set is the one the header
 * names, and validators holding more than 2/3 of the voting power signed a precommit for it.
 */
import { bytesEqual, concatBytes, toHex, utf8 } from "../bytes.js";
import { sha256 } from "../hash.js";
import { uvarint } from "../proto/varint.js";
import { type Ed25519Check, firstInvalidEd25519 } from "./ed25519.js";
import { headerHash, validatorSetHash } from "./hashes.js";
import {
  BlockIdFlag,
  CanonicalVoteCodec,
  type Commit,
  type CommitSig,
  type Header,
  type Timestamp,
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

/**
 * What each validator of `commit` signed: the uvarint-length-prefixed CanonicalVote. Votes for
 * one commit differ only in their timestamp (field 5, between the block id and the chain id), so
 * the rest is encoded once and each vote costs a few bytes of hand-written Timestamp.
 */
export function precommitSigner(chainId: string, commit: Commit): (sig: CommitSig) => Uint8Array {
  const head = CanonicalVoteCodec.encode({
    type: PRECOMMIT,
    height: commit.height,
    round: BigInt(commit.round),
    blockId: commit.blockId,
    chainId: "",
  });
  const chain = utf8(chainId);
  const tail = chain.length === 0 ? chain : concatBytes(Uint8Array.of(0x32), uvarint(chain.length), chain);
  return (sig) => {
    const time = timestampBytes(sig.timestamp);
    const vote = concatBytes(head, Uint8Array.of(0x2a), uvarint(time.length), time, tail);
    return concatBytes(uvarint(vote.length), vote);
  };
}

/** google.protobuf.Timestamp: seconds (int64) and nanos (int32), each left out when zero. */
function timestampBytes({ seconds, nanos }: Timestamp): Uint8Array {
  const parts: Uint8Array[] = [];
  if (seconds !== 0n) parts.push(Uint8Array.of(0x08), uvarint(BigInt.asUintN(64, seconds)));
  if (nanos !== 0) parts.push(Uint8Array.of(0x10), uvarint(BigInt.asUintN(64, BigInt(nanos))));
  return concatBytes(...parts);
}

/** What validator `sig` signed; precommitSigner is the fast way for a whole commit. */
export function precommitSignBytes(chainId: string, commit: Commit, sig: CommitSig): Uint8Array {
  return precommitSigner(chainId, commit)(sig);
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

/**
 * Throws CommitVerificationError when the header, or the commit and validators when given, lack
 * a message CometBFT always sends: decoded protobuf leaves an absent one null, and hashing or
 * signature checks must not meet it.
 */
export function requireComplete(header: Header, commit?: Commit, validators?: readonly Validator[]): void {
  const parts: [string, unknown][] = [
    ["header.version", header.version],
    ["header.time", header.time],
    ["header.last_block_id", header.lastBlockId],
    ["header.last_block_id.part_set_header", header.lastBlockId?.partSetHeader],
  ];
  if (commit) {
    parts.push(
      ["commit.block_id", commit.blockId],
      ["commit.block_id.part_set_header", commit.blockId?.partSetHeader],
    );
    for (const [i, sig] of commit.signatures.entries())
      parts.push([`commit.signatures[${i}].timestamp`, sig.timestamp]);
  }
  for (const [i, validator] of (validators ?? []).entries())
    parts.push([`validators[${i}].pub_key`, validator.pubKey]);
  const missing = parts.find(([, value]) => value === null || value === undefined);
  if (missing) throw new CommitVerificationError(`${missing[0]} is missing`, header.height);
}

/** Throws CommitVerificationError unless the commit proves the header; returns the header's hash. */
export function verifyCommit({ chainId, header, commit, validators }: SignedBlock): Uint8Array {
  const fail = (message: string) => new CommitVerificationError(message, header.height);
  requireComplete(header, commit, validators);
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
  const signBytes = precommitSigner(chainId, commit);
  const checks: Ed25519Check[] = [];
  const checked: number[] = [];
  let signed = 0n;
  // As CometBFT's VerifyCommitLight: only the signatures that first carry more than 2/3 of the
  // power are checked. The rest cannot change the verdict, and at 100 validators that is a third.
  for (let i = 0; i < commit.signatures.length && signed * 3n <= total * 2n; i++) {
    const sig = commit.signatures[i]!;
    const validator = validators[i]!;
    if (sig.blockIdFlag !== BlockIdFlag.commit) continue;
    const publicKey = validator.pubKey.ed25519;
    if (!publicKey) throw fail(`validator ${i} has no ed25519 key`);
    if (!bytesEqual(sig.validatorAddress, validatorAddress(publicKey))) {
      throw fail(`signature ${i} names ${toHex(sig.validatorAddress)}, not validator ${i}`);
    }
    checks.push({ publicKey, message: signBytes(sig), signature: sig.signature });
    checked.push(i);
    signed += validator.votingPower;
  }
  if (signed * 3n <= total * 2n) throw fail(`signed power ${signed} of ${total} is not more than 2/3`);
  const invalid = firstInvalidEd25519(checks);
  if (invalid >= 0) {
    const i = checked[invalid]!;
    throw fail(`signature ${i} (${toHex(commit.signatures[i]!.validatorAddress)}) is invalid`);
  }
  return hash;
}
