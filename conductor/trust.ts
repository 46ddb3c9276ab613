/**
 * What the conductor's light client trusts: the validator-set hash expected at each coming
 * Metro height (core's ChainOfTrust), kept on disk, so a restart resumes without re-trusting.
 * The conductor's gossip validates blocks against this same store.
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { writeFileAtomic } from "../core/atomic-file.js";
import { fromHex, toHex } from "../core/bytes.js";
import { ChainOfTrust, type TrustRoot } from "../core/comet/trust.js";

const FileSchema = z.object({
  /** Metro height → hex validator-set hash expected at that height. */
  expected: z.record(z.string().regex(/^\d+$/), z.string().regex(/^[0-9a-f]{64}$/)),
});

export class TrustStore extends ChainOfTrust {
  constructor(
    private readonly path: string,
    root: TrustRoot,
  ) {
    super(existsSync(path) ? storedRoots(path) : []);
    if (!this.expectedAt(root.height)) this.expected.set(root.height, root.validatorsHash);
  }

  /** Forgets heights below `keepFrom` (the firm head: nothing under it is verified again) and saves. */
  save(keepFrom: bigint): void {
    this.forgetBelow(keepFrom);
    const expected: Record<string, string> = {};
    for (const [height, hash] of this.expected) expected[height.toString()] = toHex(hash);
    writeFileAtomic(this.path, JSON.stringify({ expected }));
  }
}

function storedRoots(path: string): TrustRoot[] {
  const stored = FileSchema.parse(JSON.parse(readFileSync(path, "utf8")));
  return Object.entries(stored.expected).map(([height, hash]) => ({
    height: BigInt(height),
    validatorsHash: fromHex(hash),
  }));
}
