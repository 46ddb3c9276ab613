/**
 * The oracle's numbers: vote extension bytes per pair for 10, 100 and 1000 pairs (prices
 * moving up to ±0.5% from the last on-chain price), and FinalizeBlock's aggregation of 150
 * validators × 1000 pairs through the chain's own code path.
 */
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import type { ExtendedCommitInfo } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { applyPrices } from "../chain/app/oracle.js";
import { writePairs, writePrice, writeVoteBase } from "../chain/modules/oracle.js";
import { startTemporaryDevnet } from "../chain/node/devnet.js";
import { blockAt, nodeStatus, waitForHeight } from "../chain/node/rpc.js";
import { StateOverlay } from "../chain/store/overlay.js";
import { createLogger } from "../core/log.js";
import { encodeInjectedCommit } from "../oracle/injection.js";
import { type CurrencyPair, encodeOracleVote } from "../oracle/vote.js";

export interface OracleBench {
  sizes: { pairs: number; bytes: number; bytesPerPair: number }[];
  aggregation: { validators: number; pairs: number; ms: number };
}

export interface OracleIntervalBench {
  validators: number;
  pairs: number;
  blocks: number;
  onMs: number;
  offMs: number;
}

/** A sidecar stand-in: `count` pairs, each moving a little on every request. */
async function priceServer(pairs: readonly CurrencyPair[]): Promise<{ url: string; close: () => void }> {
  const prices = new Map(pairs.map((p) => [p.id, 10 + Math.random() * 1000]));
  const server = createServer((_request, response) => {
    for (const [id, price] of prices) prices.set(id, price * (1 + (Math.random() - 0.5) * 0.002));
    const body = Object.fromEntries([...prices].map(([id, price]) => [id, price.toFixed(8)]));
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ prices: body }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => server.close(),
  };
}

/** Mean block interval (header times) over `blocks` blocks of a fresh 4-validator devnet. */
async function meanInterval(pairs: CurrencyPair[], oracle: boolean, blocks: number): Promise<number> {
  const sidecar = oracle ? await priceServer(pairs) : undefined;
  const { devnet, stop } = await startTemporaryDevnet(
    4,
    44_000,
    createLogger("bench", "error"),
    (net) => {
      for (const spec of net.specs) if (sidecar) writeFileSync(join(spec.home, "oracle-url"), sidecar.url);
    },
    { pairs, voteExtensions: oracle },
  );
  try {
    const rpc = devnet.rpcUrl(0);
    const start = (await nodeStatus(rpc)).height + 2;
    await waitForHeight(rpc, start + blocks, 120_000);
    const first = Date.parse((await blockAt(rpc, start)).time);
    const last = Date.parse((await blockAt(rpc, start + blocks)).time);
    return (last - first) / blocks;
  } finally {
    await stop();
    sidecar?.close();
  }
}

/** The block interval with the oracle on (100 pairs, every validator voting) against off. */
export async function benchOracleInterval(blocks = 20, count = 100): Promise<OracleIntervalBench> {
  const pairs = Array.from({ length: count }, (_, i) => ({
    id: `P${String(i).padStart(4, "0")}/USD`,
    decimals: 8,
  }));
  const onMs = await meanInterval(pairs, true, blocks);
  const offMs = await meanInterval(pairs, false, blocks);
  return { validators: 4, pairs: count, blocks, onMs, offMs };
}

function market(count: number): { pairs: CurrencyPair[]; last: Map<string, bigint> } {
  const pairs = Array.from({ length: count }, (_, i) => ({
    id: `P${String(i).padStart(4, "0")}/USD`,
    decimals: 8,
  }));
  const last = new Map(pairs.map((p) => [p.id, BigInt(Math.floor(10 ** (8 + Math.random() * 4)))]));
  return { pairs, last };
}

function moved(last: ReadonlyMap<string, bigint>): Map<string, bigint> {
  return new Map(
    [...last].map(([pair, price]) => [
      pair,
      price + (price * BigInt(Math.floor((Math.random() - 0.5) * 1000))) / 100_000n,
    ]),
  );
}

function benchSizes(): OracleBench["sizes"] {
  return [10, 100, 1000].map((count) => {
    const { pairs, last } = market(count);
    const bytes = encodeOracleVote(pairs, moved(last), last).length;
    return { pairs: count, bytes, bytesPerPair: bytes / count };
  });
}

function benchAggregation(validators = 150, count = 1000): OracleBench["aggregation"] {
  const { pairs, last } = market(count);
  const state = new StateOverlay({ get: () => undefined });
  writePairs(state, pairs);
  writeVoteBase(state, last);
  for (const pair of pairs) {
    writePrice(state, pair.id, { price: last.get(pair.id)!, decimals: 8, height: 1n, timeMs: 0n, nonce: 1n });
  }
  const commit: ExtendedCommitInfo = {
    round: 0,
    votes: Array.from({ length: validators }, (_, i) => ({
      validator: { address: new Uint8Array(20).fill(i), power: 10n },
      voteExtension: encodeOracleVote(pairs, moved(last), last),
      extensionSignature: new Uint8Array(64),
      blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
    })),
  };
  const tx = encodeInjectedCommit(commit);
  const started = performance.now();
  const { updated } = applyPrices(state.branch(), 3n, 0n, tx);
  const ms = performance.now() - started;
  if (updated.length !== count) throw new Error(`aggregation updated ${updated.length} of ${count} pairs`);
  return { validators, pairs: count, ms };
}

export function benchOracle(): OracleBench {
  return { sizes: benchSizes(), aggregation: benchAggregation() };
}
