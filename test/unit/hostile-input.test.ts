/**
 * The hostile-input campaign's short version: every surface of `npm run chaos:fuzz` with a few
 * hundred cases from a fixed seed. Nothing may crash or hang, and the generators must reach past
 * decoding into the deep checks.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runSurface, SURFACES } from "../../chaos/index.js";

const CASES = 400;

describe("hostile input, short", () => {
  for (const surface of SURFACES) {
    it(`${surface.name}: ${CASES} cases refused or handled, none crashing`, async () => {
      const result = await runSurface(surface, { cases: CASES, seed: 424242, caseTimeoutMs: 10_000 });
      assert.equal(result.failure, undefined, result.failure);
      assert.equal(result.crashes, 0);
      assert.equal(result.cases, CASES);
      assert.ok(result.decoded > 0, `${result.decoded} cases got past decoding`);
      assert.ok(result.refused > 0, "some cases were refused");
    });
  }
});
