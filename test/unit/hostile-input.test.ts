/**
 * The short version of the hostile-input campaign (`npm run chaos:fuzz` runs 10^5 cases per
 * surface): a few hundred cases of each surface from a fixed seed. Any crash, a case that got no
 * answer, or a surface whose cases never reach its deep checks fails the test.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runSurface, SURFACES } from "../../chaos/index.js";

const CASES = 400;
const SEED = 17;

describe("hostile input (short campaign)", () => {
  for (const surface of SURFACES) {
    it(`${surface.name}: ${CASES} cases, no crash, deep code reached`, async () => {
      const result = await runSurface(surface, { cases: CASES, seed: SEED, caseTimeoutMs: 20_000 });
      assert.equal(result.crashes, 0, result.failure);
      assert.equal(result.cases, CASES);
      assert.equal(result.refused + result.accepted, CASES);
      assert.ok(result.refused > 0, "some cases are refused");
      assert.ok(result.decoded > 0, `${result.decoded} cases got past decoding`);
      assert.ok(result.deep > CASES / 10, `only ${result.deep} cases reached ${surface.deep}`);
    });
  }
});
