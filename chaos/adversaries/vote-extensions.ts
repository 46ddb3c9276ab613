/**
 * A validator whose vote extensions are oversized, or signed after the others have committed.
 * Honest validators refuse the oversized ones in VerifyVoteExtension (so the precommit does not
 * count), a late one misses the commit, and neither may ever set a price; blocks keep coming on
 * the other three quarters of the power.
 */
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import {
  BAD_VOTE_EXTENSIONS,
  BAD_VOTE_EXTENSIONS_ENV,
  type BadVoteExtension,
} from "../../core/fault-injection.js";
import type { ChaosStack } from "../stack.js";
import { voteOf, votesAt } from "./blocks.js";
import type { AdversaryReport } from "./report.js";
import { consensusAddress, homeName, logSince, markLog, restartWithSwitch } from "./validators.js";

export interface BadExtensionOptions {
  validator: number;
  /** Heights to watch per kind of bad extension. */
  heights: number;
}

interface KindResult {
  /** Heights whose commit left the bad vote out or did not count its content. */
  refused: number;
  /** VerifyVoteExtension rejections of the bad validator's extensions, over the honest validators. */
  rejections: number;
  failures: string[];
}

async function watchKind(
  stack: ChaosStack,
  options: BadExtensionOptions,
  kind: BadVoteExtension,
): Promise<KindResult> {
  const { validator } = options;
  const address = consensusAddress(stack, validator);
  const honest = stack.devnet.specs.map((_, i) => i).filter((i) => i !== validator);
  const rpc = stack.devnet.rpcUrl(honest[0]!);
  const marks = honest.map((index) => markLog(stack, index));
  const failures: string[] = [];
  await restartWithSwitch(stack, validator, BAD_VOTE_EXTENSIONS_ENV, `${homeName(stack, validator)}:${kind}`);
  // From the second height on, every precommit of the bad validator carries the bad extension.
  const from = (await nodeStatus(rpc)).height + 2;
  try {
    await waitForHeight(rpc, from + options.heights, 30_000 + options.heights * 5_000);
  } catch (error) {
    failures.push(`${kind}: the chain stalled: ${(error as Error).message}`);
  }
  await restartWithSwitch(stack, validator, BAD_VOTE_EXTENSIONS_ENV, undefined);
  let refused = 0;
  for (let height = from; height < from + options.heights; height++) {
    const vote = voteOf(await votesAt(rpc, height), address);
    if (!vote?.prices) refused++;
    else if (kind === "oversized") failures.push(`height ${height}: an oversized vote was counted`);
  }
  const rejections = marks
    .flatMap((mark) => logSince(mark))
    .filter(
      (entry) =>
        entry.msg === "rejected a vote extension" && String(entry.validator).toUpperCase() === address,
    ).length;
  if (kind === "oversized" && rejections === 0)
    failures.push("oversized: no validator rejected an extension");
  return { refused, rejections, failures };
}

export async function runBadVoteExtensions(
  stack: ChaosStack,
  options: BadExtensionOptions,
): Promise<AdversaryReport> {
  const results = new Map<BadVoteExtension, KindResult>();
  for (const kind of BAD_VOTE_EXTENSIONS) results.set(kind, await watchKind(stack, options, kind));
  const oversized = results.get("oversized")!;
  const late = results.get("late")!;
  return {
    name: `validator ${options.validator} sends oversized, then late vote extensions`,
    attempts: options.heights * BAD_VOTE_EXTENSIONS.length,
    refused: oversized.refused + late.refused,
    punished: 0,
    outcome:
      `oversized: ${oversized.rejections} rejected in VerifyVoteExtension, counted at 0 of ${options.heights} heights; ` +
      `late: missing from ${late.refused} of ${options.heights} commits; blocks kept coming`,
    failures: [...oversized.failures, ...late.failures],
  };
}
