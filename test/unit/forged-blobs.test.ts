import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ForgedBlob, forgeRound, readAt, wasRefused } from "../../chaos/adversaries/forged-round.js";
import { ALPHA, BETA, CHAIN, GAMMA, validatorSet, validBlocks } from "../../chaos/blocks.js";
import { asMade } from "../../chaos/da/forgery.js";
import { toHex } from "../../core/bytes.js";
import { validatorSetHash } from "../../core/comet/hashes.js";
import { createLogger } from "../../core/log.js";
import { LocalDa } from "../../relayer/da/server.js";
import { planSubmissions } from "../../relayer/da-batch.js";
import { rollupNamespace } from "../../relayer/da-format.js";
import { CelestiaClient } from "../../relayer/index.js";

const ROLLUPS = new Map([
  ["alpha", ALPHA],
  ["beta", BETA],
  ["gamma", GAMMA],
]);

describe("a rogue relayer's forged blobs on a local DA", () => {
  const dir = mkdtempSync(join(tmpdir(), "metro-forged-blobs-"));
  const da = new LocalDa({ dataDir: dir, blockTimeMs: 20, log: createLogger("forged-blobs", "error") });
  const set = validatorSet(4, 5);
  const blocks = validBlocks(set);
  const options = { chainId: CHAIN, validatorsHash: validatorSetHash(set.validators) };
  let client: CelestiaClient;

  before(async () => {
    client = new CelestiaClient({ url: `http://127.0.0.1:${await da.listen(0)}` });
  });
  after(async () => {
    await da.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("are all refused or ignored by the DA reader, which returns only the blocks Metro made", async () => {
    const [old] = planSubmissions(CHAIN, blocks.slice(0, 4), { maxBlobBytes: 2_000_000 });
    const [genuine] = planSubmissions(CHAIN, blocks.slice(4), { maxBlobBytes: 2_000_000 });
    const firstHeight = await client.submit(old!.blobs);
    const genuineHeight = await client.submit(genuine!.blobs);
    const rollupOfNamespace = new Map([...ROLLUPS].map(([name, id]) => [toHex(rollupNamespace(id)), name]));
    const posted: { daHeight: number; blobs: ForgedBlob[] }[] = [];
    for (let round = 0; round < 3; round++) {
      const input = { chainId: CHAIN, rollupOfNamespace, genuine: genuine!.blobs, old: old!.blobs, round };
      for (const submission of forgeRound(input)) {
        posted.push({ daHeight: await client.submit(submission.map((f) => f.blob)), blobs: submission });
      }
    }
    assert.deepEqual([...new Set(posted.flatMap((p) => p.blobs.map((f) => f.kind)))].sort(), [
      "flipped",
      "garbage",
      "replay",
      "repointed",
    ]);

    const seen = new Set<string>();
    const reads = new Map<number, Awaited<ReturnType<typeof readAt>>>();
    for (let daHeight = firstHeight; daHeight <= posted.at(-1)!.daHeight; daHeight++) {
      const at = await readAt(client, daHeight, ROLLUPS, options, seen);
      reads.set(daHeight, at);
      for (const [name, read] of at.reads) {
        for (const found of read.blocks) {
          assert.ok(
            asMade(found, blocks[Number(found.height) - 1], ROLLUPS.get(name)!),
            `${name} ${found.height}`,
          );
        }
      }
    }
    assert.equal(seen.size, blocks.length * ROLLUPS.size, "every genuine block of every rollup was read");
    for (const { daHeight, blobs } of posted) {
      for (const forged of blobs) {
        assert.ok(wasRefused(forged, reads.get(daHeight)!, CHAIN), `${forged.kind} at DA ${daHeight}`);
      }
    }
    // The relayer's own blobs, were they forgeries, would not count as refused: nothing skipped them.
    const [metadata, rollupBlob] = genuine!.blobs;
    const asGenuine = reads.get(genuineHeight)!;
    assert.equal(wasRefused({ kind: "garbage", blob: metadata! }, asGenuine, CHAIN), false);
    assert.equal(
      wasRefused({ kind: "flipped", blob: rollupBlob!, rollup: "alpha" }, asGenuine, CHAIN),
      false,
    );
    assert.equal(wasRefused({ kind: "replay", blob: metadata! }, asGenuine, CHAIN), false);
  });
});
