/**
 * A chain of trust over validator sets, by height, as a light client follows one: a set is
 * trusted only at the heights it governs, reached from a root through each verified header's
 * next_validators_hash. A set that once signed the chain is trusted at no other height, so an
 * old set (unbonded, its keys sold) cannot sign a block anywhere the current one governs.
 */
import { bytesEqual, toHex } from "../bytes.js";
import type { Header } from "./types.js";

export class UntrustedBlockError extends Error {
  override name = "UntrustedBlockError";
}

export interface TrustRoot {
  height: bigint;
  validatorsHash: Uint8Array;
}

const short = (hash: Uint8Array) => `${toHex(hash).slice(0, 16)}…`;

export class ChainOfTrust {
  protected readonly expected = new Map<bigint, Uint8Array>();

  /** `limit`, when set, bounds the heights remembered: those far below the newest are forgotten. */
  constructor(
    roots: readonly TrustRoot[],
    private readonly limit?: number,
  ) {
    for (const root of roots) this.expect(root.height, root.validatorsHash);
  }

  /** The validator-set hash a header at `height` must carry, if the chain of trust reaches it. */
  expectedAt(height: bigint): Uint8Array | undefined {
    return this.expected.get(height);
  }

  /**
   * Accepts a header whose commit was already verified against its own validator set: its set
   * must be the trusted one, and its next set becomes trusted for the following height.
   */
  accept(header: Header): void {
    const expected = this.expected.get(header.height);
    if (!expected)
      throw new UntrustedBlockError(`height ${header.height}: no trusted validator set for it yet`);
    if (!bytesEqual(expected, header.validatorsHash)) {
      throw new UntrustedBlockError(
        `height ${header.height}: validator set ${short(header.validatorsHash)} is not the trusted ${short(expected)}`,
      );
    }
    this.expectNext(header);
  }

  /**
   * Takes a header from a source trusted outright (the node a relayer follows): its set is
   * trusted at its height, and its next set at the next, unless that contradicts what is known.
   */
  adopt(header: Header): void {
    const known = this.expected.get(header.height);
    if (known && !bytesEqual(known, header.validatorsHash)) {
      throw new UntrustedBlockError(
        `height ${header.height}: the source's validator set ${short(header.validatorsHash)} contradicts the trusted ${short(known)}`,
      );
    }
    this.expect(header.height, header.validatorsHash);
    this.expectNext(header);
  }

  /** Forgets what was derived above `height`: another chain replaced this one from there. */
  rewind(height: bigint): void {
    for (const known of this.expected.keys()) if (known > height) this.expected.delete(known);
  }

  /** Forgets heights below `height`: nothing under it is verified again. */
  forgetBelow(height: bigint): void {
    for (const known of this.expected.keys()) if (known < height) this.expected.delete(known);
  }

  private expectNext(header: Header): void {
    const next = this.expected.get(header.height + 1n);
    if (next && !bytesEqual(next, header.nextValidatorsHash)) {
      throw new UntrustedBlockError(
        `height ${header.height}: next validator set disagrees with an earlier verified header`,
      );
    }
    this.expect(header.height + 1n, header.nextValidatorsHash);
  }

  private expect(height: bigint, validatorsHash: Uint8Array): void {
    if (this.expected.has(height)) return;
    this.expected.set(height, validatorsHash);
    if (this.limit !== undefined && this.expected.size > this.limit)
      this.forgetBelow(height - BigInt(this.limit));
  }
}
