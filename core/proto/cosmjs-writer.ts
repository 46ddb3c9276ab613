/**
 * Two fixes to cosmjs-types' BinaryWriter (0.11), made once per process by importing this
 * module for its effect, before encoding:
 * - `alloc` built a fresh 8 KiB pool on every `finish()` and returned a view into it, so each
 *   small message encoded (an account, a TxMsgData, a SignDoc) allocated 8 KiB and kept it alive
 *   for as long as the bytes were. On Metro's per-tx paths that was a quarter of PrepareProposal's
 *   time. Exact-size allocation gives the same bytes.
 * - int64/uint64 values are split into 32-bit halves as signed numbers, but the length and the
 *   writing of their varints read the halves as unsigned: every value in [2^31, 2^32) became a
 *   single zero byte in a slot sized for one, so a tx with a gas limit of 3e9 made a CheckTx
 *   response CometBFT cannot read (found by the hostile-input campaign). Both are given the
 *   unsigned halves instead.
 */
import { createRequire } from "node:module";
import { BinaryWriter } from "cosmjs-types/binary";

BinaryWriter.alloc = (size: number): Uint8Array => new Uint8Array(size);

/** The module BinaryWriter calls for varint lengths (CommonJS: its exports are looked up at each call). */
interface Halves {
  lo: number;
  hi: number;
}
const varint = createRequire(import.meta.url)("cosmjs-types/varint") as {
  int64Length(lo: number, hi: number): number;
  writeVarint64(value: Halves, buf: Uint8Array, pos: number): void;
};
const { int64Length, writeVarint64 } = varint;
varint.int64Length = (lo, hi) => int64Length(lo >>> 0, hi >>> 0);
varint.writeVarint64 = (value, buf, pos) =>
  writeVarint64({ lo: value.lo >>> 0, hi: value.hi >>> 0 }, buf, pos);
