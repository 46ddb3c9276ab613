/** The campaign's figures as a Markdown table, as RELIABILITY.md records them. */
import type { AdversaryReport } from "./adversaries/index.js";
import type { CampaignReport } from "./campaign.js";
import type { OutageReport } from "./outages.js";

export function reportTable(report: CampaignReport): string {
  const rows: [string, string][] = [
    ["seed", String(report.seed)],
    ["faults injected (kill -9)", String(report.faults.injected)],
    ...Object.entries(report.faults.byTarget)
      .sort()
      .map(([target, count]): [string, string] => [`  ${target}`, String(count)]),
    ["Metro txs accepted by CheckTx", String(report.metroTxs.accepted)],
    ["Metro txs committed", String(report.metroTxs.committed)],
    ["Metro txs committed then lost", String(report.metroTxs.lost.length)],
    ["heights checked on 4 validators", String(report.consensus.heights)],
    ["app-hash splits", String(report.consensus.splits.length)],
    ["Metro heights on the DA", String(report.da.postedThrough)],
    ["DA gaps", String(report.da.gaps.length)],
    ["DA duplicates", String(report.da.duplicates.length)],
    ["EVM transfers with a receipt", String(report.evmTransfers.receipts)],
    ["EVM sends refused or timed out", String(report.evmTransfers.refused)],
    ...report.rollups.map((r): [string, string] => [
      `rollup ${r.rollup}: finalized block, state = follower's, receipts lost`,
      `${r.finalized}, ${r.stateRootsMatch ? "yes" : "NO"}, ${r.lostReceipts.length}`,
    ]),
    ...(report.outages ? outageRows(report.outages) : []),
    ["seconds", report.seconds.toFixed(0)],
  ];
  const figures = [
    "| figure | value |",
    "| --- | ---: |",
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
  ];
  return [...figures, ...(report.adversaries ? ["", ...adversaryTable(report.adversaries)] : [])].join("\n");
}

function adversaryTable(reports: readonly AdversaryReport[]): string[] {
  return [
    "| adversary | attempts | refused | punished | outcome |",
    "| --- | ---: | ---: | ---: | --- |",
    ...reports.map(
      (r) =>
        `| ${r.name} | ${r.attempts} | ${r.refused} | ${r.punished} | ${r.failures.length > 0 ? `FAILED: ${r.failures.join("; ")}` : r.outcome} |`,
    ),
  ];
}

function outageRows(outages: OutageReport): [string, string][] {
  const { oneDown, twoDown, da } = outages;
  return [
    [
      "one of 4 validators down: block interval median, max (ms)",
      `${oneDown.medianIntervalMs}, ${oneDown.maxIntervalMs}`,
    ],
    [
      `two of 4 down: height before, after ${twoDown.waitedMs / 1000} s`,
      `${twoDown.haltedAt}, ${twoDown.heightAfterWait}`,
    ],
    ["two of 4 down: resumed when one returned", twoDown.resumed ? "yes" : "NO"],
    [`DA down for ${da.seconds} s: Metro blocks meanwhile`, String(da.metroBlocksMeanwhile)],
  ];
}
