/**
 * The fault campaign's short version: the whole stack as separate processes under load, three
 * seeded `kill -9`s, short outages (a 10 s DA outage), a few heights of each adversary, then
 * every check of `npm run chaos` (which runs 100 kills, a 10-minute DA outage and each
 * adversary until it is refused several times or punished, by default).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { campaignFailures, runCampaign } from "../../chaos/campaign.js";
import { createLogger } from "../../core/log.js";
import { randomPortBase } from "../support/network.js";

describe("fault campaign (short): kill -9 under load, nothing lost", () => {
  it("survives three seeded kills, the outages and the adversaries with no loss, split, DA gap or state mismatch", async () => {
    const killed: string[] = [];
    const report = await runCampaign({
      faults: 3,
      seed: 17,
      portBase: randomPortBase(),
      log: createLogger("chaos-test", "error"),
      outages: { daOutageSeconds: 10, oneDownBlocks: 6, haltWaitMs: 8000 },
      adversaries: {
        refusedPerTamper: 1,
        badExtensionHeights: 4,
        extremeHeights: 8,
        untilJailed: false,
        forgedRounds: 2,
      },
      onFault: (_, target) => killed.push(target),
    });
    assert.deepEqual(campaignFailures(report), []);
    assert.equal(report.faults.injected, 3, killed.join(", "));
    assert.ok(report.metroTxs.committed > 50, `${report.metroTxs.committed} Metro txs committed`);
    assert.ok(report.consensus.heights > 10, `${report.consensus.heights} heights checked`);
    assert.ok(report.da.postedThrough >= report.consensus.heights, "every height reached the DA");
    assert.ok(report.evmTransfers.receipts > 0, "EVM transfers went through");
    for (const rollup of report.rollups)
      assert.ok(rollup.finalized > 0n, `${rollup.rollup} finalized blocks`);
    assert.ok(report.outages, "the outages ran");
    assert.ok(report.outages.da.metroBlocksMeanwhile >= 5, "Metro went on while the DA was down");
    assert.ok(report.adversaries, "the adversaries ran");
    for (const adversary of report.adversaries)
      assert.ok(
        adversary.refused > 0,
        `${adversary.name}: ${adversary.refused} of ${adversary.attempts} refused`,
      );
  });
});
