/**
 * Reads one rollup's Metro blocks back from a DA height and verifies them: every block's
 * commit and commitment from the metadata blob, the rollup's data against the commitment (or
 * its absence against the rollup ids). Whatever fails is reported and skipped, never returned.
 */
import { bytesEqual, toHex } from "../core/bytes.js";
import {
  type RollupSlice,
  type VerifiedBlock,
  type VerifyOptions,
  verifyRollupSlice,
} from "../core/sequencer-block.js";
import type { CelestiaClient } from "./celestia/client.js";
import {
  type BlockSummary,
  type DaMetadata,
  decodeMetadata,
  decodeRollupBlob,
  metroNamespace,
  type RollupBlockData,
  rollupNamespace,
} from "./da-format.js";

export interface RollupBlockFromDa {
  height: bigint;
  items: Uint8Array[];
  block: VerifiedBlock;
  daHeight: number;
  /** The verified slice itself: what a conductor keeps as evidence and reads prices from. */
  slice: RollupSlice;
}

export interface DaReadResult {
  blocks: RollupBlockFromDa[];
  /** Why each skipped blob or block was skipped, for the caller's log. */
  rejected: string[];
}

/** Joins a height's parts back into its items; undefined when parts are missing or overlap. */
function joinParts(parts: RollupBlockData[]): RollupBlockData | undefined {
  const sorted = [...parts].sort((a, b) => a.firstItem - b.firstItem);
  const items: Uint8Array[] = [];
  for (const part of sorted) {
    if (part.firstItem !== items.length || part.totalItems !== sorted[0]!.totalItems) return undefined;
    items.push(...part.data.items);
  }
  if (items.length !== sorted[0]!.totalItems) return undefined;
  return { ...sorted[0]!, data: { ...sorted[0]!.data, items }, firstItem: 0 };
}

async function rollupParts(
  client: CelestiaClient,
  daHeight: number,
  rollupId: Uint8Array,
  metadata: readonly DaMetadata[],
  rejected: string[],
): Promise<Map<bigint, RollupBlockData[]>> {
  const pointed = metadata.flatMap((m) => m.rollupBlobs).filter((p) => bytesEqual(p.rollupId, rollupId));
  const byHeight = new Map<bigint, RollupBlockData[]>();
  if (pointed.length === 0) return byHeight;
  for (const blob of await client.getAll(daHeight, [rollupNamespace(rollupId)])) {
    if (!pointed.some((p) => bytesEqual(p.commitment, blob.commitment))) {
      rejected.push(
        `DA ${daHeight}: blob ${toHex(blob.commitment).slice(0, 16)} in the rollup's namespace was not posted by Metro`,
      );
      continue;
    }
    try {
      const decoded = decodeRollupBlob(blob.data);
      if (!bytesEqual(decoded.rollupId, rollupId)) throw new Error("blob is for another rollup");
      for (const part of decoded.blocks)
        byHeight.set(part.height, [...(byHeight.get(part.height) ?? []), part]);
    } catch (error) {
      rejected.push(`DA ${daHeight}: rollup blob skipped: ${(error as Error).message}`);
    }
  }
  return byHeight;
}

function sliceOf(summary: BlockSummary, data: RollupBlockData | undefined): RollupSlice {
  return {
    header: summary.header,
    commit: summary.commit,
    validators: summary.validators,
    commitmentTx: summary.commitmentTx,
    commitmentProof: summary.commitmentProof,
    rollup: data?.data ?? null,
    rollupIds: summary.rollupIds,
    oracleCommitTx: summary.oracleCommitTx,
    oracleCommitProof: summary.oracleCommitProof,
    oracleState: summary.oracleState,
    secondTx: summary.secondTx,
    secondTxProof: summary.secondTxProof,
  };
}

export async function readRollupAtDaHeight(
  client: CelestiaClient,
  daHeight: number,
  rollupId: Uint8Array,
  options: VerifyOptions,
): Promise<DaReadResult> {
  const rejected: string[] = [];
  const metadata: DaMetadata[] = [];
  for (const blob of await client.getAll(daHeight, [metroNamespace(options.chainId)])) {
    try {
      const decoded = decodeMetadata(blob.data);
      if (decoded.chainId !== options.chainId) throw new Error(`metadata is for chain ${decoded.chainId}`);
      metadata.push(decoded);
    } catch (error) {
      rejected.push(`DA ${daHeight}: metadata blob skipped: ${(error as Error).message}`);
    }
  }
  const parts = await rollupParts(client, daHeight, rollupId, metadata, rejected);
  const blocks: RollupBlockFromDa[] = [];
  for (const summary of metadata.flatMap((m) => m.blocks)) {
    const height = summary.header?.height ?? 0n;
    const heightParts = parts.get(height);
    const data = heightParts ? joinParts(heightParts) : undefined;
    if (heightParts && !data) {
      rejected.push(`DA ${daHeight}: Metro height ${height}: rollup data parts are incomplete`);
      continue;
    }
    try {
      const slice = sliceOf(summary, data);
      const { block, items } = verifyRollupSlice(slice, rollupId, options);
      blocks.push({ height: block.height, items, block, daHeight, slice });
    } catch (error) {
      rejected.push(`DA ${daHeight}: Metro height ${height}: ${(error as Error).message}`);
    }
  }
  blocks.sort((a, b) => (a.height < b.height ? -1 : a.height > b.height ? 1 : 0));
  return { blocks, rejected };
}
