/**
 * Spotting equivocation in the signatures a committee gossips: a member whose valid signatures
 * cover two different headers for one rollup height. Each signature alone is a signed header
 * (an aggregate of one, the member's bit set), so the pair is the evidence MsgSubmitEquivocation
 * takes; Metro needs no quorum to slash for it.
 */

import { bytesEqual } from "../core/bytes.js";
import type { RollupHeader, SignedHeader } from "../core/rollup-header.js";
import { rollupHeaderHash, signerBitmap } from "../core/rollup-header.js";

export interface Equivocation {
  member: number;
  rollupHeight: bigint;
  first: SignedHeader;
  second: SignedHeader;
}

interface Seen {
  hash: Uint8Array;
  signed: SignedHeader;
  reported: boolean;
}

export class EquivocationWatch {
  /** The first header each member signed, by `height/member`. */
  private readonly seen = new Map<string, Seen>();

  /** `signature` must already be verified against the member's key. */
  observe(
    header: RollupHeader,
    member: number,
    signature: Uint8Array,
    committeeSize: number,
  ): Equivocation | undefined {
    const key = `${header.rollupHeight}/${member}`;
    const hash = rollupHeaderHash(header);
    const signed = {
      header,
      aggregateSignature: signature,
      signerBitmap: signerBitmap(committeeSize, [member]),
    };
    const earlier = this.seen.get(key);
    if (!earlier) {
      this.seen.set(key, { hash, signed, reported: false });
      return undefined;
    }
    if (earlier.reported || bytesEqual(earlier.hash, hash)) return undefined;
    earlier.reported = true;
    return { member, rollupHeight: header.rollupHeight, first: earlier.signed, second: signed };
  }

  /** Forgets heights below `height`: they are settled on Metro, or too old to matter. */
  forgetBelow(height: bigint): void {
    for (const key of this.seen.keys()) {
      if (BigInt(key.slice(0, key.indexOf("/"))) < height) this.seen.delete(key);
    }
  }
}
