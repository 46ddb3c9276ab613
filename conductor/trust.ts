/**
 * What the conductor's light client trusts: the validator-set hash expected at each coming
 * Metro height. It starts from the rollup config's trust root and follows each verified
 * header's next_validators_hash. Kept on disk, so a restart resumes without re-trusting.
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { writeFileAtomic } from "../core/atomic-file.js";
import { bytesEqual, fromHex, toHex } from "../core/bytes.js";
import type { Header } from "../core/comet/types.js";

export class UntrustedBlockError extends Error {
  override name = "UntrustedBlockError";
}

const FileSchema = z.object({
  /** Metro height → hex validator-set hash expected at that height. */
  expected: z.record(z.string().regex(/^\d+$/), z.string().regex(/^[0-9a-f]{64}$/)),
});

export class TrustStore {
  private readonly expected = new Map<bigint, Uint8Array>();

  constructor(
    private readonly path: string,
    root: { height: bigint; validatorsHash: Uint8Array },
  ) {
    if (existsSync(path)) {
      const stored = FileSchema.parse(JSON.parse(readFileSync(path, "utf8")));
      for (const [height, hash] of Object.entries(stored.expected))
        this.expected.set(BigInt(height), fromHex(hash));
    }
    if (!this.expected.has(root.height)) this.expected.set(root.height, root.validatorsHash);
  }

  /** Every validator-set hash the chain of trust reaches: what gossip may accept blocks from. */
  knownHashes(): Uint8Array[] {
    return [...this.expected.values()];
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
        `height ${header.height}: validator set ${toHex(header.validatorsHash).slice(0, 16)}… is not the trusted ${toHex(expected).slice(0, 16)}…`,
      );
    }
    const next = this.expected.get(header.height + 1n);
    if (next && !bytesEqual(next, header.nextValidatorsHash)) {
      throw new UntrustedBlockError(
        `height ${header.height}: next validator set disagrees with an earlier verified header`,
      );
    }
    if (!next) {
      this.expected.set(header.height + 1n, header.nextValidatorsHash);
    }
  }

  /** Forgets what was derived above `height`: the firm chain replaced the soft one from there. */
  rewind(height: bigint): void {
    for (const known of this.expected.keys()) if (known > height) this.expected.delete(known);
  }

  /** Forgets heights below `height` (the firm head: nothing under it is verified again) and saves. */
  save(keepFrom: bigint): void {
    for (const height of this.expected.keys()) if (height < keepFrom) this.expected.delete(height);
    const expected: Record<string, string> = {};
    for (const [height, hash] of this.expected) expected[height.toString()] = toHex(hash);
    writeFileAtomic(this.path, JSON.stringify({ expected }));
  }
}
