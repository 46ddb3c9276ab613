/**
 * The campaign's adversary phases (issue 17, item 4), run after the crashes and outages under the
 * same load: each misbehaves on purpose and counts what the honest nodes refused or punished.
 * The price sources start answering first, so that votes carry prices to lie about.
 */
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import type { RogueBlobs } from "../checks.js";
import type { ChaosStack } from "../stack.js";
import { joinCommittee, runEquivocation } from "./equivocation.js";
import { runExtremePrices } from "./extreme-prices.js";
import { runForgedBlobs } from "./forged-blobs.js";
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
  /** Rounds of forged blobs (four submissions each). */
  forgedRounds: number;
}

/**
 * Who misbehaves: the tamperer and the bad voter are only refused, so they stay in the set; the
 * liar is jailed for its prices and then tombstoned for equivocating, last, so that three of four
 * validators carry every phase before it.
 */
const ROLES = { tamperer: 1, badVoter: 2, liar: 3 } as const;

/**
 * Runs every adversary phase in turn. `rogue` collects the forged blobs, which the final DA check
 * must not count as the relayer's.
 */
export async function runAdversaries(
  stack: ChaosStack,
  options: AdversaryOptions,
  rogue: RogueBlobs,
  onPhase: (phase: string) => void = () => undefined,
): Promise<AdversaryReport[]> {
  stack.prices.serve();
  const rpc = stack.devnet.rpcUrl(0);
  await waitForHeight(rpc, (await nodeStatus(rpc)).height + 3, 60_000);
  // Joining a committee needs an unjailed validator: before the liar's prices get it jailed.
  const equivocator = await joinCommittee(stack, ROLES.liar);
  const reports: AdversaryReport[] = [];
  onPhase("adversary: a proposer tampering with injected votes");
  reports.push(
    await runTamperingProposer(stack, { validator: ROLES.tamperer, perTamper: options.refusedPerTamper }),
  );
  onPhase("adversary: oversized and late vote extensions");
  reports.push(
    await runBadVoteExtensions(stack, { validator: ROLES.badVoter, heights: options.badExtensionHeights }),
  );
  onPhase("adversary: a rogue relayer posting forged blobs");
  reports.push(
    await runForgedBlobs(stack, {
      rounds: options.forgedRounds,
      onPosted: (daHeight, blobs) => {
        for (const blob of blobs) rogue.add(daHeight, blob.data);
      },
    }),
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
  onPhase("adversary: a committee member signing two headers for one height");
  reports.push(await runEquivocation(stack, equivocator));
  return reports;
}

export function adversaryFailures(reports: readonly AdversaryReport[]): string[] {
  return reports.flatMap((report) => report.failures.map((failure) => `${report.name}: ${failure}`));
}
