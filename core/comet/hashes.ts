/**
 * The hashes a CometBFT v0.38 light client recomputes (types/block.go Header.Hash,
 * types/validator_set.go Hash, types/tx.go): each a simple Merkle root over protobuf encodings.
 */
import { concatBytes, utf8 } from "../bytes.js";
import { sha256 } from "../hash.js";
import { type MerkleProof, merkleProof, merkleRoot } from "../merkle.js";
import { uvarint } from "../proto/varint.js";
import { BlockIdCodec, ConsensusCodec, type Header, TimestampCodec, type Validator } from "./types.js";

/** gogoproto's BytesValue/StringValue wrapper (field 1, length-delimited); empty encodes to nothing. */
function wrappedBytes(value: Uint8Array): Uint8Array {
  return value.length === 0 ? value : concatBytes(Uint8Array.of(0x0a), uvarint(value.length), value);
}

/** gogoproto's Int64Value wrapper (field 1, varint); zero encodes to nothing. */
function wrappedInt64(value: bigint): Uint8Array {
  return value === 0n
    ? new Uint8Array()
    : concatBytes(Uint8Array.of(0x08), uvarint(BigInt.asUintN(64, value)));
}

export function headerHash(header: Header): Uint8Array {
  return merkleRoot([
    ConsensusCodec.encode(header.version),
    wrappedBytes(utf8(header.chainId)),
    wrappedInt64(header.height),
    TimestampCodec.encode(header.time),
    BlockIdCodec.encode(header.lastBlockId),
    wrappedBytes(header.lastCommitHash),
    wrappedBytes(header.dataHash),
    wrappedBytes(header.validatorsHash),
    wrappedBytes(header.nextValidatorsHash),
    wrappedBytes(header.consensusHash),
    wrappedBytes(header.appHash),
    wrappedBytes(header.lastResultsHash),
    wrappedBytes(header.evidenceHash),
    wrappedBytes(header.proposerAddress),
  ]);
}

/**
 * SimpleValidator { PublicKey pub_key = 1; int64 voting_power = 2 }, written by hand: it is
 * hashed for every validator of every verified block, and the generic codec was most of the cost.
 */
export function simpleValidatorBytes(validator: Validator): Uint8Array {
  const { ed25519, secp256k1 } = validator.pubKey;
  const [field, key] = ed25519 ? [0x0a, ed25519] : secp256k1 ? [0x12, secp256k1] : [0, undefined];
  const pubKey = key ? concatBytes(Uint8Array.of(field), uvarint(key.length), key) : new Uint8Array();
  const power =
    validator.votingPower === 0n
      ? new Uint8Array()
      : concatBytes(Uint8Array.of(0x10), uvarint(BigInt.asUintN(64, validator.votingPower)));
  return concatBytes(Uint8Array.of(0x0a), uvarint(pubKey.length), pubKey, power);
}

export function validatorSetHash(validators: readonly Validator[]): Uint8Array {
  return merkleRoot(validators.map(simpleValidatorBytes));
}

/** A block's data_hash: the Merkle root over sha256 of each tx. */
export function dataHash(txs: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(txs.map((tx) => sha256(tx)));
}

/** Proof of `txs[index]` against the block's data_hash; verify it with sha256 of the tx as the item. */
export function txProof(txs: readonly Uint8Array[], index: number): MerkleProof {
  return merkleProof(
    txs.map((tx) => sha256(tx)),
    index,
  );
}
