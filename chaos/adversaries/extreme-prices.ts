/**
 * Under a third of the stake votes extreme prices: validator `validator` (a quarter of the
 * power) quotes a thousand times above or below the market. At every height the stake-weighted
 * median must stay inside the range of the honest validators' own votes in that block, and the
 * oracle's penalties must jail the liar once it strays for most of a window.
 */
import { operatorAddresses } from "../../chain/client/keys.js";
import { queryValidatorRecord } from "../../chain/client/queries.js";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { operatorAddress } from "../../core/address.js";
import { toHex } from "../../core/bytes.js";
import { EXTREME_FACTOR } from "../prices.js";
import type { ChaosStack } from "../stack.js";
import { votesAt } from "./blocks.js";
import type { AdversaryReport } from "./report.js";
import { consensusAddress } from "./validators.js";

export interface ExtremePriceOptions {
  validator: number;
  /** Heights to check at least. */
  heights: number;
  /** Also go on (up to `maxHeights`) until the oracle's penalties jail the liar. */
  untilJailed: boolean;
  maxHeights: number;
}

interface HeightAudit {
  /** Priced pairs whose median fell outside the honest votes' range. */
  outside: string[];
  /** Pairs the liar's counted vote quoted outside the honest range. */
  extremeVotes: number;
  priced: number;
}

async function auditHeight(rpc: string, height: number, liar: string): Promise<HeightAudit> {
  const { prices, votes } = await votesAt(rpc, height);
  const honest = votes.filter((vote) => toHex(vote.address).toUpperCase() !== liar && vote.prices);
  const lying = votes.find((vote) => toHex(vote.address).toUpperCase() === liar)?.prices;
  const audit: HeightAudit = { outside: [], extremeVotes: 0, priced: prices.size };
  for (const [pair, { price }] of prices) {
    const quotes = honest.flatMap((vote) => (vote.prices?.has(pair) ? [vote.prices.get(pair)!] : []));
    const low = quotes.reduce((a, b) => (b < a ? b : a), quotes[0] ?? 0n);
    const high = quotes.reduce((a, b) => (b > a ? b : a), quotes[0] ?? 0n);
    if (quotes.length === 0 || price < low || price > high)
      audit.outside.push(`${pair} ${price} not in [${low}, ${high}]`);
    const lie = lying?.get(pair);
    if (lie !== undefined && (lie < low || lie > high)) audit.extremeVotes++;
  }
  return audit;
}

export async function runExtremePrices(
  stack: ChaosStack,
  options: ExtremePriceOptions,
): Promise<AdversaryReport> {
  const rpc = stack.devnet.rpcUrl((options.validator + 1) % stack.devnet.specs.length);
  const liar = consensusAddress(stack, options.validator);
  const operator = operatorAddress((await operatorAddresses(stack.devnet.specs.length))[options.validator]!);
  const jailed = async () => {
    const record = await queryValidatorRecord(rpc, operator);
    if (!record) throw new Error(`no validator record for ${operator}`);
    return record.jailed;
  };
  const failures: string[] = [];
  stack.prices.setExtreme(options.validator, true);
  const from = (await nodeStatus(rpc)).height + 3;
  let through = from + options.heights - 1;
  try {
    await waitForHeight(rpc, through, 60_000 + options.heights * 3_000);
    while (options.untilJailed && !(await jailed()) && through < from + options.maxHeights) {
      through = (await waitForHeight(rpc, through + 1, 30_000)).height;
    }
  } catch (error) {
    failures.push(`the chain stalled: ${(error as Error).message}`);
  } finally {
    stack.prices.setExtreme(options.validator, false);
  }
  const punished = (await jailed()) ? 1 : 0;
  if (options.untilJailed && punished === 0) failures.push(`not jailed within ${options.maxHeights} heights`);
  let extremeVotes = 0;
  let priced = 0;
  let inside = 0;
  for (let height = from; height <= through; height++) {
    const audit = await auditHeight(rpc, height, liar);
    extremeVotes += audit.extremeVotes;
    if (audit.priced > 0) priced++;
    if (audit.outside.length === 0) inside++;
    failures.push(...audit.outside.map((problem) => `height ${height}: ${problem}`));
  }
  if (extremeVotes === 0) failures.push("no extreme vote was ever counted: the phase tested nothing");
  const heights = through - from + 1;
  return {
    name: `validator ${options.validator} (1/4 of the stake) votes prices ${EXTREME_FACTOR}x off`,
    attempts: extremeVotes,
    refused: extremeVotes,
    punished,
    outcome:
      `median inside the honest votes' range at ${inside} of ${heights} heights (${priced} priced)` +
      (punished ? "; the liar jailed by the oracle's penalties" : ""),
    failures,
  };
}
