/** What the campaign checks once the faults stop: nothing lost, no split, no gap, same state. */
import { queryRollupData } from "../chain/client/queries.js";
import { blockAt } from "../chain/node/rpc.js";
import { bytesEqual, fromHex, toHex } from "../core/bytes.js";
import { sha256 } from "../core/hash.js";
import { CelestiaClient, metroHeightsAtDaHeight } from "../relayer/index.js";
import { rollupClients } from "../test/support/rollups.js";
import type { CommittedTx } from "./load.js";
import type { ChaosRollup } from "./stack.js";

export interface ConsensusCheck {
  heights: number;
  /** Heights where the validators' headers disagree on the app hash or the block's txs. */
  splits: number[];
}

/** Every validator's block at every height 1..upTo: the same app hash and the same txs. */
export async function checkConsensus(rpcUrls: readonly string[], upTo: number): Promise<ConsensusCheck> {
  const splits: number[] = [];
  for (let height = 1; height <= upTo; height++) {
    const blocks = await Promise.all(rpcUrls.map((url) => blockAt(url, height)));
    const views = new Set(
      blocks.map((b) => `${b.appHash}/${b.txs.map((tx) => toHex(sha256(tx))).join(",")}`),
    );
    if (views.size > 1) splits.push(height);
  }
  return { heights: upTo, splits };
}

export interface CommittedCheck {
  committed: number;
  /** Txs seen committed that their block or their rollup's data no longer holds. */
  lost: string[];
}

/** Each tx seen committed is still in its block, and each of its rollup items in that rollup's data. */
export async function checkCommitted(rpcUrl: string, txs: Iterable<CommittedTx>): Promise<CommittedCheck> {
  const lost: string[] = [];
  let committed = 0;
  for (const tx of txs) {
    committed++;
    const block = await blockAt(rpcUrl, tx.height);
    const inBlock = block.txs.some((bytes) => toHex(sha256(bytes)).toUpperCase() === tx.hash);
    let inRollups = true;
    for (const item of tx.items) {
      const { txs: rollupTxs } = await queryRollupData(rpcUrl, BigInt(tx.height), fromHex(item.rollupId));
      if (!rollupTxs.some((rollupTx) => bytesEqual(rollupTx.data, item.data))) inRollups = false;
    }
    if (!inBlock || !inRollups) lost.push(`${tx.hash} at ${tx.height}${inBlock ? " (rollup data)" : ""}`);
  }
  return { committed, lost };
}

export interface DaCheck {
  daHeights: number;
  postedThrough: number;
  gaps: number[];
  duplicates: number[];
}

/** Blobs someone other than the relayer posted (the forged-blob adversary), by DA height and data. */
export class RogueBlobs {
  private readonly posted = new Set<string>();

  add(daHeight: number, data: Uint8Array): void {
    this.posted.add(`${daHeight}:${toHex(sha256(data))}`);
  }

  has(daHeight: number, data: Uint8Array): boolean {
    return this.posted.has(`${daHeight}:${toHex(sha256(data))}`);
  }
}

/**
 * Every Metro height up to the highest posted appears on the DA exactly once, counting what the
 * relayer posted: a rogue's copies of Metro's metadata are the forged-blob adversary's, counted there.
 */
export async function checkDa(daUrl: string, chainId: string, rogue = new RogueBlobs()): Promise<DaCheck> {
  const client = new CelestiaClient({ url: daUrl });
  const head = (await client.networkHead()).height;
  const seen = new Map<number, number>();
  for (let daHeight = 1; daHeight <= head; daHeight++) {
    const isRogue = (blob: { data: Uint8Array }) => rogue.has(daHeight, blob.data);
    for (const height of await metroHeightsAtDaHeight(client, chainId, daHeight, isRogue)) {
      seen.set(Number(height), (seen.get(Number(height)) ?? 0) + 1);
    }
  }
  const postedThrough = Math.max(0, ...seen.keys());
  const gaps: number[] = [];
  const duplicates: number[] = [];
  for (let height = 1; height <= postedThrough; height++) {
    const count = seen.get(height) ?? 0;
    if (count === 0) gaps.push(height);
    if (count > 1) duplicates.push(height);
  }
  return { daHeights: head, postedThrough, gaps, duplicates };
}

export interface RollupCheck {
  rollup: string;
  finalized: bigint;
  stateRootsMatch: boolean;
  /** EVM transfers that got a receipt but that the never-stopped node does not hold. */
  lostReceipts: string[];
}

/** The killed node and the untouched follower agree on the finalized state; every receipt is in it. */
export async function checkRollup(
  rollup: ChaosRollup,
  receipts: readonly `0x${string}`[],
): Promise<RollupCheck> {
  const primary = rollupClients(rollup.primary).publicClient;
  const follower = rollupClients(rollup.follower).publicClient;
  const [a, b] = await Promise.all([
    primary.getBlock({ blockTag: "finalized" }),
    follower.getBlock({ blockTag: "finalized" }),
  ]);
  const number = a.number < b.number ? a.number : b.number;
  const [atPrimary, atFollower] = await Promise.all([
    primary.getBlock({ blockNumber: number }),
    follower.getBlock({ blockNumber: number }),
  ]);
  const lostReceipts: string[] = [];
  for (const hash of receipts) {
    const receipt = await follower.getTransactionReceipt({ hash }).catch(() => undefined);
    if (receipt?.status !== "success") lostReceipts.push(hash);
  }
  return {
    rollup: rollup.name,
    finalized: number,
    stateRootsMatch: atPrimary.stateRoot === atFollower.stateRoot && atPrimary.hash === atFollower.hash,
    lostReceipts,
  };
}
