/** Rollup data by height and rollup id: derived from blocks, kept beside the state, not in it. */
import { concatBytes, u64be } from "../../core/bytes.js";
import { type RollupCount, type RollupTx, RollupTxCodec } from "../../core/proto/sequencer.js";
import { type CommittedState, PrunedHeightError } from "../store/committed.js";

const PREFIX = Uint8Array.of(0x72); // "r"

function u32be(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

export function rollupIndexEntry(
  height: bigint,
  rollupId: Uint8Array,
  position: number,
  tx: RollupTx,
): { key: Uint8Array; value: Uint8Array } {
  return {
    key: concatBytes(PREFIX, u64be(height), rollupId, u32be(position)),
    value: RollupTxCodec.encode(tx),
  };
}

/** Deletes the rollup data of heights below `keepFrom` (blocks CometBFT no longer keeps either). */
export function pruneRollupIndex(store: CommittedState, keepFrom: bigint): number {
  return store.pruneIndex(concatBytes(PREFIX, u64be(0n)), concatBytes(PREFIX, u64be(keepFrom)), keepFrom);
}

/** Throws PrunedHeightError unless the index still covers `height`. */
function assertIndexed(store: CommittedState, height: bigint): void {
  const keptFrom = store.indexKeptFrom();
  if (height < keptFrom) throw new PrunedHeightError("rollup data", height, keptFrom, store.height);
}

export function rollupTxsAt(store: CommittedState, height: bigint, rollupId: Uint8Array): RollupTx[] {
  assertIndexed(store, height);
  const txs: RollupTx[] = [];
  for (const { value } of store.scanIndex(concatBytes(PREFIX, u64be(height), rollupId))) {
    txs.push(RollupTxCodec.decode(value));
  }
  return txs;
}

/** Every rollup touched at `height`, in rollup id order, with its tx count and bytes. */
export function rollupsAt(store: CommittedState, height: bigint): RollupCount[] {
  assertIndexed(store, height);
  const counts = new Map<string, RollupCount>();
  for (const { key, value } of store.scanIndex(concatBytes(PREFIX, u64be(height)))) {
    const rollupId = key.slice(9, 41);
    const id = Buffer.from(rollupId).toString("hex");
    const count = counts.get(id) ?? { rollupId, txCount: 0, dataBytes: 0n };
    count.txCount += 1;
    count.dataBytes += BigInt(RollupTxCodec.decode(value).data.length);
    counts.set(id, count);
  }
  return [...counts.values()];
}
