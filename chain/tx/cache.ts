import { toHex } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import { type DecodedTx, decodeTx } from "./decode.js";

/**
 * Decoded txs by hash. A tx is decoded in CheckTx and then met again in every recheck, in
 * PrepareProposal and in ProcessProposal; decoding it once saves most of that work.
 * Failures are not cached: bad txs stop at CheckTx and are not seen again.
 */
export class DecodedTxCache {
  private readonly entries = new Map<string, DecodedTx>();

  constructor(private readonly limit = 50_000) {}

  decode(bytes: Uint8Array): DecodedTx {
    const hash = sha256(bytes);
    const key = toHex(hash);
    const cached = this.entries.get(key);
    if (cached) return cached;
    const decoded = decodeTx(bytes, hash);
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, decoded);
    return decoded;
  }
}
