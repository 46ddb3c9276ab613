/**
 * A proposer that tampers with the price votes it injects: it forges a vote's extension, drops
 * a vote, or reorders them (chain/app/misbehaviour.ts). Every honest validator must refuse each
 * such proposal in ProcessProposal, and no block it proposed in that state may commit.
 */

import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { signedBlockAt } from "../../chain/node/signed-block.js";
import { toHex } from "../../core/bytes.js";
import { INJECTION_TAMPERS, type InjectionTamper, TAMPER_INJECTION_ENV } from "../../core/fault-injection.js";
import type { ChaosStack } from "../stack.js";
import type { AdversaryReport } from "./report.js";
import {
  consensusAddress,
  homeName,
  type LogMark,
  logSince,
  markLog,
  restartWithSwitch,
} from "./validators.js";

export interface TamperOptions {
  /** The validator that tampers when it proposes. */
  validator: number;
  /** Refused proposals to see per kind of tampering before moving on. */
  perTamper: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The heights at which each honest validator refused a proposal for its injected commit. */
function refusedHeights(marks: LogMark[]): Set<number>[] {
  return marks.map(
    (mark) =>
      new Set(
        logSince(mark)
          .filter(
            (entry) =>
              entry.msg === "rejecting proposal" && String(entry.reason).startsWith("injected commit"),
          )
          .map((entry) => Number(entry.height)),
      ),
  );
}

async function tamperPhase(
  stack: ChaosStack,
  options: TamperOptions,
  tamper: InjectionTamper,
  honest: number[],
): Promise<{ seen: Set<number>; byAll: number[] }> {
  const marks = honest.map((index) => markLog(stack, index));
  await restartWithSwitch(
    stack,
    options.validator,
    TAMPER_INJECTION_ENV,
    `${homeName(stack, options.validator)}:${tamper}`,
  );
  const deadline = Date.now() + 120_000;
  let byAll: number[] = [];
  let refused = refusedHeights(marks);
  while (Date.now() < deadline) {
    refused = refusedHeights(marks);
    byAll = [...refused[0]!].filter((height) => refused.every((set) => set.has(height)));
    if (byAll.length >= options.perTamper) break;
    await sleep(1000);
  }
  await restartWithSwitch(stack, options.validator, TAMPER_INJECTION_ENV, undefined);
  return { seen: new Set(refused.flatMap((set) => [...set])), byAll };
}

export async function runTamperingProposer(
  stack: ChaosStack,
  options: TamperOptions,
): Promise<AdversaryReport> {
  const honest = stack.devnet.specs.map((_, i) => i).filter((i) => i !== options.validator);
  const tamperer = consensusAddress(stack, options.validator);
  const failures: string[] = [];
  let attempts = 0;
  let refused = 0;
  const heights: number[] = [];
  for (const tamper of INJECTION_TAMPERS) {
    const { seen, byAll } = await tamperPhase(stack, options, tamper, honest);
    attempts += seen.size;
    refused += byAll.length;
    heights.push(...seen);
    if (byAll.length < options.perTamper)
      failures.push(
        `${tamper}: only ${byAll.length} proposals refused by all ${honest.length} honest validators`,
      );
  }
  // A refused proposal is re-proposed by another validator in a later round.
  const rpc = stack.devnet.rpcUrl(honest[0]!);
  await waitForHeight(rpc, Math.max(0, ...heights) + 1, 60_000);
  for (const height of heights) {
    const block = await signedBlockAt(rpc, height);
    if (toHex(block.header.proposerAddress).toUpperCase() === tamperer)
      failures.push(`height ${height}: the tampering proposer's block committed`);
  }
  const { height } = await nodeStatus(rpc);
  return {
    name: `validator ${options.validator} injects forged, dropped and reordered votes as proposer`,
    attempts,
    refused,
    punished: 0,
    outcome: `${refused} proposals refused by every honest validator; none committed; chain at ${height}`,
    failures,
  };
}
