/**
 * The campaign's adversary phases (issue 17, item 4), run after the crashes and outages under the
 * same load: each misbehaves on purpose and counts what the honest nodes refused or punished.
 * The price sources start answering first, so that votes carry prices to lie about.
 */
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import type { ChaosStack } from "../stack.js";
import { runExtremePrices } from "./extreme-prices.js";
import { runTamperingProposer } from "./proposer.js";
import type { AdversaryReport } from "./report.js";
import { runBadVoteExtensions } from "./vote-extensions.js";

export type { AdversaryReport } from "./report.js";

export interface AdversaryOptions {
  /** Proposals to see refused per kind of tampering (forge, drop, reorder). */
  refusedPerTamper: number;
  /** Heights watched per kind of bad vote extension (oversized, late). */
  badExtensionHeights: number;
  /** Heights of extreme prices checked, and whether to go on until the liar is jailed. */
  extremeHeights: number;
  untilJailed: boolean;
}

/** Who misbehaves: one validator per role, so no phase's punishment weakens the next one's. */
const ROLES = { tamperer: 1, badVoter: 2, liar: 3 } as const;

export async function runAdversaries(
  stack: ChaosStack,
  options: AdversaryOptions,
  onPhase: (phase: string) => void = () => undefined,
): Promise<AdversaryReport[]> {
  stack.prices.serve();
  const rpc = stack.devnet.rpcUrl(0);
  await waitForHeight(rpc, (await nodeStatus(rpc)).height + 3, 60_000);
  const reports: AdversaryReport[] = [];
  onPhase("adversary: a proposer tampering with injected votes");
  reports.push(
    await runTamperingProposer(stack, { validator: ROLES.tamperer, perTamper: options.refusedPerTamper }),
  );
  onPhase("adversary: oversized and late vote extensions");
  reports.push(
    await runBadVoteExtensions(stack, { validator: ROLES.badVoter, heights: options.badExtensionHeights }),
  );
  onPhase("adversary: a quarter of the stake voting extreme prices");
  reports.push(
    await runExtremePrices(stack, {
      validator: ROLES.liar,
      heights: options.extremeHeights,
      untilJailed: options.untilJailed,
      maxHeights: 150,
    }),
  );
  return reports;
}

export function adversaryFailures(reports: readonly AdversaryReport[]): string[] {
  return reports.flatMap((report) => report.failures.map((failure) => `${report.name}: ${failure}`));
}
