/**
 * `npm run chaos -- [--faults N] [--seed S] [--port-base P] [--da-outage-seconds S | --no-outages]
 * [--no-adversaries]`: the fault campaign, printed as tables (the port base defaults to a free
 * test slot); exits 1 on any loss, split, DA gap or duplicate, state mismatch, or an adversary
 * not refused or punished as designed.
 */
import { intOption, parse } from "../core/cli-args.js";
import { createLogger } from "../core/log.js";
import { randomPortBase } from "../test/support/network.js";
import type { AdversaryOptions } from "./adversaries/index.js";
import { campaignFailures, runCampaign } from "./campaign.js";
import { reportTable } from "./report.js";

/** Enough of each adversary to count: the liar goes on until the oracle's penalties jail it. */
const FULL_ADVERSARIES: AdversaryOptions = {
  refusedPerTamper: 3,
  badExtensionHeights: 12,
  extremeHeights: 30,
  untilJailed: true,
  forgedRounds: 5,
};

async function main(): Promise<void> {
  const { values } = parse(process.argv.slice(2), {
    faults: { type: "string" },
    seed: { type: "string" },
    "port-base": { type: "string" },
    "da-outage-seconds": { type: "string" },
    "no-outages": { type: "boolean" },
    "no-adversaries": { type: "boolean" },
  });
  const seed = intOption(values.seed, "seed", Date.now() % 1_000_000);
  const report = await runCampaign({
    faults: intOption(values.faults, "faults", 100),
    seed,
    portBase: values["port-base"] ? intOption(values["port-base"], "port-base", 0) : randomPortBase(),
    log: createLogger("chaos", "error"),
    ...(values["no-outages"]
      ? {}
      : { outages: { daOutageSeconds: intOption(values["da-outage-seconds"], "da-outage-seconds", 600) } }),
    ...(values["no-adversaries"] ? {} : { adversaries: FULL_ADVERSARIES }),
    onPhase: (phase) => console.error(phase),
    onFault: (index, target) => console.error(`fault ${index}: kill -9 ${target}`),
  });
  console.log(reportTable(report));
  const failures = campaignFailures(report);
  for (const failure of failures) console.error(`FAIL: ${failure}`);
  process.exit(failures.length > 0 ? 1 : 0);
}

await main();
