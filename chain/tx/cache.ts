import { toHex } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import { type DecodedTx, decodeTx } from "./decode.js";

/** Decoded txs hold views into their bytes and copies of rollup data: about twice the tx size. */
const DEFAULT_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Decoded txs by hash. A tx is decoded in CheckTx and then met again in every recheck, in
 * PrepareProposal and in ProcessProposal; decoding it once saves most of that work. The cache is
 * bounded by the bytes of the txs it holds, not their count, so a flood of large txs that are
 * rejected later cannot pin memory. Failures are not cached: bad txs stop at CheckTx.
 */
export class DecodedTxCache {
  private readonly entries = new Map<string, { tx: DecodedTx; size: number }>();
  private bytes = 0;

  constructor(private readonly limitBytes = DEFAULT_LIMIT_BYTES) {}

  decode(bytes: Uint8Array): DecodedTx {
    const hash = sha256(bytes);
    const key = toHex(hash);
    const cached = this.entries.get(key);
    if (cached) return cached.tx;
    const tx = decodeTx(bytes, hash);
    this.entries.set(key, { tx, size: bytes.length });
    this.bytes += bytes.length;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.limitBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.size;
    }
    return tx;
  }

  get heldBytes(): number {
    return this.bytes;
  }
}
