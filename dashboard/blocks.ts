/**
 * One committed block as the dashboard shows it: its row (proposer, user txs, bytes, rollups
 * touched), the prices the chain wrote at its height, and each validator's price vote it carries.
 */
import { z } from "zod";
import { injectedTxCount, queryBlockRollups, queryOracleInputs, queryPrice, rpcGet } from "../chain/index.js";
import { fromBase64, toHex } from "../core/bytes.js";
import {
  aggregateVotes,
  type CurrencyPair,
  decodeInjectedCommit,
  fromFixedPoint,
  isInjectedCommitTx,
} from "../oracle/index.js";
import type { BlockRow, PricePoint, VoteRow } from "./snapshot.js";

const BlockSchema = z.object({
  result: z.object({
    block: z.object({
      header: z.object({ height: z.string(), time: z.string(), proposer_address: z.string() }),
      data: z.object({ txs: z.array(z.string()).nullable() }),
    }),
  }),
});

export interface BlockRead {
  row: BlockRow;
  /** The price each pair got at this height (pairs not repriced here are left out). */
  prices: Map<string, PricePoint>;
  /** Each committed vote by pair; empty when the block carries no injected votes. */
  votes: Map<string, VoteRow[]>;
  /** The height those votes were cast at (the previous one: block H injects the votes of H - 1). */
  voteHeight: number;
}

/** Names the dashboard already knows: validators by consensus address, rollups by id. */
export interface Names {
  monikers: ReadonlyMap<string, string>;
  rollups: ReadonlyMap<string, string>;
}

export async function readBlock(
  rpc: string,
  height: number,
  pairs: readonly CurrencyPair[],
  names: Names,
): Promise<BlockRead> {
  const { header, data } = (await rpcGet(`${rpc}/block?height=${height}`, BlockSchema)).result.block;
  const txs = (data.txs ?? []).map(fromBase64);
  const [touched, prices, votes] = await Promise.all([
    queryBlockRollups(rpc, BigInt(height)),
    pricesAt(rpc, height, pairs),
    votesIn(rpc, height, txs, pairs, names),
  ]);
  const row: BlockRow = {
    height,
    time: header.time,
    proposer: names.monikers.get(header.proposer_address.toUpperCase()) ?? header.proposer_address,
    txs: txs.length - injectedTxCount(txs),
    bytes: txs.reduce((sum, tx) => sum + tx.length, 0),
    rollups: touched.map((r) => {
      const id = toHex(r.rollupId);
      return { id, name: names.rollups.get(id), txs: r.txCount, bytes: Number(r.dataBytes) };
    }),
  };
  return { row, prices, votes, voteHeight: height - 1 };
}

/**
 * The prices block `height` wrote, read from the state committed there. Each carries the height
 * its votes were cast at, `height - 1`, which is also what `metro query prices` reports.
 */
async function pricesAt(
  rpc: string,
  height: number,
  pairs: readonly CurrencyPair[],
): Promise<Map<string, PricePoint>> {
  const points = new Map<string, PricePoint>();
  for (const pair of pairs) {
    const price = await queryPrice(rpc, pair.id, height);
    if (price && price.height === BigInt(height - 1)) {
      points.set(pair.id, { height: height - 1, price: fromFixedPoint(price.price, price.decimals) });
    }
  }
  return points;
}

/** The block's injected votes, decoded against the oracle state of the height before. */
async function votesIn(
  rpc: string,
  height: number,
  txs: readonly Uint8Array[],
  pairs: readonly CurrencyPair[],
  names: Names,
): Promise<Map<string, VoteRow[]>> {
  const injected = txs.find(isInjectedCommitTx);
  const byPair = new Map<string, VoteRow[]>();
  if (!injected || height < 2) return byPair;
  const { votes } = aggregateVotes(decodeInjectedCommit(injected), await queryOracleInputs(rpc, height - 1));
  for (const pair of pairs) {
    byPair.set(
      pair.id,
      votes.map((vote) => {
        const price = vote.prices?.get(pair.id);
        const hex = toHex(vote.address).toUpperCase();
        return {
          validator: names.monikers.get(hex) ?? hex,
          price: price === undefined ? null : fromFixedPoint(price, pair.decimals),
        };
      }),
    );
  }
  return byPair;
}
