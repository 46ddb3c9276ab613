/**
 * How many bytes a composer's Metro tx takes, known before it is signed, so that a batch can be
 * cut to fit the largest tx Metro takes. Each rollup tx is one MsgSequence in the tx body; the
 * rest (auth info, fee, signature) is bounded by a constant. Unit tests hold the bound against
 * real signed txs.
 */
import { MSG_SEQUENCE_TYPE_URL } from "../../chain/index.js";
import { ROLLUP_ID_LENGTH } from "../../core/proto/sequencer.js";
import { uvarintSize } from "../../core/proto/varint.js";

/** A length-delimited protobuf field of `length` bytes: tag, length varint, bytes. */
const field = (length: number): number => 1 + uvarintSize(length) + length;

/**
 * TxRaw's bytes beyond its body: auth info (secp256k1 key, sign mode, a sequence and gas limit
 * of up to 10 varint bytes each, one fee coin with a denom of up to 128 characters and a
 * 20-digit amount), the 64-byte signature and their framing. Generous: it is a bound.
 */
const AUTH_AND_SIGNATURE_BYTES = 384;

/** The bytes one rollup tx of `dataBytes` adds to the tx body, as a MsgSequence in an Any. */
export function sequenceMessageBytes(signerLength: number, dataBytes: number): number {
  const value = field(signerLength) + field(ROLLUP_ID_LENGTH) + field(dataBytes);
  const any = field(MSG_SEQUENCE_TYPE_URL.length) + field(value);
  return field(any);
}

/** An upper bound on the signed tx whose body holds messages of `bodyBytes` in all. */
export function signedTxBytes(bodyBytes: number): number {
  return field(bodyBytes) + AUTH_AND_SIGNATURE_BYTES;
}
