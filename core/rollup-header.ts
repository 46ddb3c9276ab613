/**
 * Rollup headers as the committee signs them: the header's hash is what every member signs
 * (BLS, POP ciphersuite), and signer bitmaps say which committee members took part. Pure code,
 * shared by the chain, signers and verifiers.
 */
import { concatBytes, utf8 } from "./bytes.js";
import { sha256 } from "./hash.js";
import { protoCodec } from "./proto/codec.js";

export interface RollupHeader {
  rollupId: Uint8Array;
  rollupHeight: bigint;
  parentHash: Uint8Array;
  metroHeight: bigint;
  daHeight: bigint;
  dataRoot: Uint8Array;
  stateRoot: Uint8Array;
  /** The execution block's hash (EVM: keccak of its header): what a fraud challenge is judged against. */
  blockHash: Uint8Array;
}

export interface SignedHeader {
  header: RollupHeader | null;
  aggregateSignature: Uint8Array;
  signerBitmap: Uint8Array;
}

export const RollupHeaderCodec = protoCodec<RollupHeader>("metro.rollup.v1.RollupHeader");

/** Domain separation: a header hash can never be mistaken for any other signed Metro message. */
const HEADER_DOMAIN = utf8("metro/rollup-header/v1");

/** sha256(domain ‖ canonical protobuf of the header): the message the committee signs. */
export function rollupHeaderHash(header: RollupHeader): Uint8Array {
  return sha256(concatBytes(HEADER_DOMAIN, RollupHeaderCodec.encode(header)));
}

/**
 * A header's data root: sha256 over the sha256 of each of the rollup's items at its Metro
 * height, in block order. Metro, signers and conductors all compute it this way.
 */
export function rollupDataRoot(items: readonly Uint8Array[]): Uint8Array {
  return sha256(concatBytes(...items.map((item) => sha256(item))));
}

/** A bitmap of `size` members with the given indexes set. */
export function signerBitmap(size: number, signers: Iterable<number>): Uint8Array {
  const bitmap = new Uint8Array(Math.ceil(size / 8));
  for (const index of signers) bitmap[index >> 3]! |= 1 << (index & 7);
  return bitmap;
}

/** The indexes set in a bitmap. */
export function bitmapIndexes(bitmap: Uint8Array): number[] {
  const indexes: number[] = [];
  bitmap.forEach((byte, i) => {
    for (let bit = 0; bit < 8; bit++) if ((byte >> bit) & 1) indexes.push(i * 8 + bit);
  });
  return indexes;
}

/** The quorum rule, shared by the chain and aggregators: signed × den ≥ num × committee, and someone signed. */
export function meetsQuorum(
  signedStake: bigint,
  committeeStake: bigint,
  quorum: { numerator: bigint; denominator: bigint },
): boolean {
  return signedStake > 0n && signedStake * quorum.denominator >= quorum.numerator * committeeStake;
}
