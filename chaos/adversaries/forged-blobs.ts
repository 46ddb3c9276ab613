/**
 * A rogue relayer on the live local DA, while the real one keeps posting: each round it reads
 * the real relayer's latest submission and posts garbage, flipped bytes, metadata re-pointed
 * at a forged rollup blob, and a replay of an older submission (forged-round.ts). The design
 * holds when the DA reader returns only Metro's own blocks over every DA height the phase
 * covered and names what it skipped, the primary conductors count what they skipped, and their
 * firm heads keep moving.
 */

import { DEVNET_CHAIN_ID } from "../../chain/node/home.js";
import { signedBlockAt } from "../../chain/node/signed-block.js";
import { toHex } from "../../core/bytes.js";
import { scrapeGauge } from "../../core/metrics.js";
import { rollupIdFromName } from "../../core/rollup.js";
import type { SequencerBlock } from "../../core/sequencer-block.js";
import type { BlobToSubmit } from "../../relayer/da-batch.js";
import { metroNamespace, rollupNamespace } from "../../relayer/da-format.js";
import { buildSequencerBlock, CelestiaClient } from "../../relayer/index.js";
import { asMade } from "../da/forgery.js";
import { type ChaosStack, DATA_ROLLUP, EVM_ROLLUPS } from "../stack.js";
import {
  type DaHeightReads,
  type ForgedBlob,
  forgeRound,
  genuineSubmission,
  type RoundInput,
  readAt,
  wasRefused,
} from "./forged-round.js";
import type { AdversaryReport } from "./report.js";

const ROLLUPS = [...EVM_ROLLUPS.map((rollup) => rollup.name), DATA_ROLLUP];
const CHAIN_ID = DEVNET_CHAIN_ID;
/** How far back from the DA head a genuine submission is looked for. */
const LOOK_BACK = 40;
/** How long the conductors get to read the last forged height, and to move their firm heads after. */
const SETTLE_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Posted {
  daHeight: number;
  blobs: ForgedBlob[];
}

const namespaces = () => [
  metroNamespace(CHAIN_ID),
  ...ROLLUPS.map((name) => rollupNamespace(rollupIdFromName(name))),
];

/** The real relayer's newest submission that points at the most rollups, skipping the rogue's heights. */
async function latestGenuine(
  client: CelestiaClient,
  rogue: ReadonlySet<number>,
): Promise<{ daHeight: number; blobs: BlobToSubmit[] } | undefined> {
  const head = (await client.networkHead()).height;
  let best: { daHeight: number; blobs: BlobToSubmit[] } | undefined;
  for (let daHeight = head; daHeight > Math.max(0, head - LOOK_BACK); daHeight--) {
    if (rogue.has(daHeight)) continue;
    const blobs = genuineSubmission(await client.getAll(daHeight, namespaces()), CHAIN_ID);
    if (blobs.length > (best?.blobs.length ?? 1)) best = { daHeight, blobs };
    if (blobs.length === 1 + ROLLUPS.length) break;
  }
  return best;
}

async function scrapeConductors(stack: ChaosStack, metric: string): Promise<number[]> {
  return Promise.all(
    stack.rollups.map((rollup) => scrapeGauge(rollup.primary.metricsUrls!.conductor, metric)),
  );
}

/** Metro's own blocks, read once each from whichever validator answers. */
class MetroBlocks {
  private readonly blocks = new Map<bigint, SequencerBlock>();
  constructor(private readonly stack: ChaosStack) {}

  async at(height: bigint): Promise<SequencerBlock> {
    const known = this.blocks.get(height);
    if (known) return known;
    let lastError: unknown;
    for (let i = 0; i < this.stack.devnet.specs.length; i++) {
      try {
        const block = buildSequencerBlock(await signedBlockAt(this.stack.devnet.rpcUrl(i), Number(height)));
        this.blocks.set(height, block);
        return block;
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`no validator served Metro block ${height}: ${(lastError as Error).message}`);
  }
}

/** Reads every DA height in [from, to] for each rollup; any block not Metro's, or refusal of the relayer's own data, is a failure. */
async function readCovered(
  stack: ChaosStack,
  client: CelestiaClient,
  range: { from: number; to: number },
  rogue: ReadonlySet<number>,
  failures: string[],
): Promise<{ byHeight: Map<number, DaHeightReads>; blocks: number; repeats: number; rejected: number }> {
  const metro = new MetroBlocks(stack);
  const rollups = new Map(ROLLUPS.map((name) => [name, rollupIdFromName(name)]));
  const seen = new Set<string>();
  const byHeight = new Map<number, DaHeightReads>();
  const counts = { blocks: 0, repeats: 0, rejected: 0 };
  for (let daHeight = range.from; daHeight <= range.to; daHeight++) {
    const at = await readAt(client, daHeight, rollups, { chainId: CHAIN_ID }, seen);
    byHeight.set(daHeight, at);
    for (const [rollup, read] of at.reads) {
      counts.rejected += read.rejected.length;
      if (!rogue.has(daHeight) && read.rejected.length > 0)
        failures.push(
          `DA ${daHeight}: the relayer's own data for ${rollup} was refused: ${read.rejected[0]}`,
        );
      for (const found of read.blocks) {
        counts.blocks++;
        if (!at.firstSeen.has(`${rollup}/${found.height}`)) counts.repeats++;
        if (!asMade(found, await metro.at(found.height), rollups.get(rollup)!))
          failures.push(
            `DA ${daHeight}: the reader returned a forged ${rollup} block at Metro height ${found.height}`,
          );
      }
    }
  }
  return { byHeight, ...counts };
}

/** Waits until every conductor's value of `metric` is above `floor`; the values at the end. */
async function waitAbove(stack: ChaosStack, metric: string, floor: number[]): Promise<number[]> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const now = await scrapeConductors(stack, metric);
    if (now.every((value, i) => value > floor[i]!) || Date.now() > deadline) return now;
    await sleep(500);
  }
}

export interface ForgedBlobsOptions {
  rounds: number;
  /**
   * Told each DA height the rogue posted at. Its replays and re-pointed metadata are copies of
   * Metro's metadata, so a count of Metro heights per DA height (checkDa) must leave these out.
   */
  onPosted?: (daHeight: number, blobs: readonly { namespace: Uint8Array; data: Uint8Array }[]) => void;
}

/** Posts `rounds` rounds of forgeries, each from the relayer's newest submission; from: the oldest genuine DA height used. */
async function postRounds(
  client: CelestiaClient,
  options: ForgedBlobsOptions,
  failures: string[],
): Promise<{ posted: Posted[]; rogue: Set<number>; from: number }> {
  const rollupOfNamespace = new Map(
    ROLLUPS.map((name) => [toHex(rollupNamespace(rollupIdFromName(name))), name]),
  );
  const posted: Posted[] = [];
  const rogue = new Set<number>();
  const first = await latestGenuine(client, rogue);
  if (!first) throw new Error("the relayer has posted nothing to the DA yet: no blobs to forge from");
  let from = first.daHeight;
  for (let round = 0; round < options.rounds; round++) {
    const genuine = round === 0 ? first : await latestGenuine(client, rogue);
    if (!genuine) {
      failures.push(`round ${round}: no genuine submission in the last ${LOOK_BACK} DA heights`);
      continue;
    }
    from = Math.min(from, genuine.daHeight);
    const input: RoundInput = {
      chainId: CHAIN_ID,
      rollupOfNamespace,
      genuine: genuine.blobs,
      old: first.blobs,
      round,
    };
    for (const submission of forgeRound(input)) {
      const blobs = submission.map((forged) => forged.blob);
      const daHeight = await client.submit(blobs);
      rogue.add(daHeight);
      options.onPosted?.(daHeight, blobs);
      posted.push({ daHeight, blobs: submission });
    }
  }
  return { posted, rogue, from };
}

/** How many posted blobs the reader refused or ignored; each other one is a failure. */
function countRefused(posted: Posted[], byHeight: Map<number, DaHeightReads>, failures: string[]): number {
  let refused = 0;
  for (const { daHeight, blobs } of posted) {
    for (const forged of blobs) {
      if (wasRefused(forged, byHeight.get(daHeight)!, CHAIN_ID)) refused++;
      else {
        const where = forged.rollup ? ` in ${forged.rollup}'s namespace` : "";
        failures.push(`DA ${daHeight}: a ${forged.kind} blob${where} was neither refused nor ignored`);
      }
    }
  }
  return refused;
}

interface ConductorReadings {
  skippedBefore: number[];
  skippedAfter: number[];
  firmBefore: number[];
  firmDuring: number[];
  firmAfter: number[];
}

function conductorFailures(stack: ChaosStack, r: ConductorReadings): string[] {
  return stack.rollups.flatMap((rollup, i) => {
    const failures: string[] = [];
    if (r.skippedAfter[i]! <= r.skippedBefore[i]!)
      failures.push(
        `${rollup.name}'s conductor skipped nothing (metro_conductor_da_skipped_total stayed ${r.skippedBefore[i]})`,
      );
    if (r.firmDuring[i]! <= r.firmBefore[i]!)
      failures.push(`${rollup.name}'s firm head stood still during the phase (at ${r.firmBefore[i]})`);
    if (r.firmAfter[i]! <= r.firmDuring[i]!)
      failures.push(`${rollup.name}'s firm head stood still after the phase (at ${r.firmDuring[i]})`);
    return failures;
  });
}

export async function runForgedBlobs(
  stack: ChaosStack,
  options: ForgedBlobsOptions,
): Promise<AdversaryReport> {
  const client = new CelestiaClient({ url: stack.daUrl, timeoutMs: 30_000 });
  const failures: string[] = [];
  const skippedBefore = await scrapeConductors(stack, "metro_conductor_da_skipped_total");
  const firmBefore = await scrapeConductors(stack, "metro_conductor_firm_number");
  const { posted, rogue, from } = await postRounds(client, options, failures);
  const firmDuring = await scrapeConductors(stack, "metro_conductor_firm_number");
  const skippedAfter = await waitAbove(stack, "metro_conductor_da_skipped_total", skippedBefore);
  const firmAfter = await waitAbove(stack, "metro_conductor_firm_number", firmDuring);
  const to = (await client.networkHead()).height;

  const covered = await readCovered(stack, client, { from, to }, rogue, failures);
  const forgedBlocks = failures.filter((failure) => failure.includes("returned a forged")).length;
  const attempts = posted.reduce((sum, submission) => sum + submission.blobs.length, 0);
  const refused = countRefused(posted, covered.byHeight, failures);
  failures.push(
    ...conductorFailures(stack, { skippedBefore, skippedAfter, firmBefore, firmDuring, firmAfter }),
  );
  const skipped = skippedAfter.map((value, i) => value - skippedBefore[i]!);
  return {
    name: `a rogue relayer posts ${attempts} forged blobs in ${posted.length} DA submissions`,
    attempts,
    refused,
    punished: 0,
    outcome:
      `DA ${from}–${to}: ${covered.blocks} blocks read back for ${ROLLUPS.length} rollups, ${forgedBlocks} not Metro's ` +
      `(${covered.repeats} replayed copies identical), ${covered.rejected} skips named; ` +
      `conductors skipped ${skipped.join("/")}, firm heads ${firmBefore.join("/")} → ${firmAfter.join("/")}`,
    failures,
  };
}
