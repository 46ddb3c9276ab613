/**
 * Re-execution of a challenged EVM rollup block. ethereumjs is async and Metro's message
 * handlers are synchronous, so the block runs on a worker thread (reexecute-worker.ts) that the
 * handler waits for. The outcome depends only on the job, so every validator reaches the same
 * one; a worker that dies or hangs is this node's problem, never a verdict, and stops the node.
 */
import { fromHex, toHex, utf8 } from "../../core/bytes.js";
import type { Price } from "../../core/evm/index.js";
import { SyncWorker } from "../../core/sync-worker.js";

export interface ReexecutionJob {
  evmChainId: bigint;
  /** RLP of the parent EVM block's header (already checked against the signed chain). */
  parentHeader: Uint8Array;
  /** An encoded core/evm StateWitness, as the challenger sent it. */
  witness: Uint8Array;
  transactions: readonly Uint8Array[];
  timestamp: bigint;
  prices: readonly Price[];
  sequencerHeight: bigint;
  sequencerBlockHash: Uint8Array;
}

export type Reexecution =
  | { ok: true; blockHash: Uint8Array; stateRoot: Uint8Array }
  /** The witness could not carry the run: malformed, or missing a node, code or header. */
  | { ok: false; reason: string };

export type Reexecutor = (job: ReexecutionJob) => Reexecution;

/** The job on the wire to the worker: JSON, bytes as hex, integers as decimal text. */
export interface WireJob {
  evmChainId: string;
  parentHeader: string;
  witness: string;
  transactions: string[];
  timestamp: string;
  prices: { pair: string; decimals: number; price: string }[];
  sequencerHeight: string;
  sequencerBlockHash: string;
}

export type WireReexecution =
  | { ok: true; blockHash: string; stateRoot: string }
  | { ok: false; reason: string };

/** A block's gas limit bounds the work; this only catches a worker that is stuck. */
const ANSWER_TIMEOUT_MS = 300_000;
const READY_TIMEOUT_MS = 60_000;
const ANSWER_BYTES = 64 * 1024;

let worker: SyncWorker | undefined;

export const reexecuteOnWorker: Reexecutor = (job) => {
  if (!worker?.usable)
    worker = new SyncWorker(new URL("./reexecute-worker.js", import.meta.url), ANSWER_BYTES);
  if (!worker.waitUntilReady(READY_TIMEOUT_MS)) throw new Error("the re-execution worker did not start");
  worker.start(utf8(JSON.stringify(toWire(job))));
  const answer = worker.finish(ANSWER_TIMEOUT_MS);
  if (!answer) throw new Error("the re-execution worker failed without a verdict");
  const result = JSON.parse(new TextDecoder().decode(answer)) as WireReexecution;
  return result.ok
    ? { ok: true, blockHash: fromHex(result.blockHash), stateRoot: fromHex(result.stateRoot) }
    : result;
};

function toWire(job: ReexecutionJob): WireJob {
  return {
    evmChainId: job.evmChainId.toString(),
    parentHeader: toHex(job.parentHeader),
    witness: toHex(job.witness),
    transactions: job.transactions.map(toHex),
    timestamp: job.timestamp.toString(),
    prices: job.prices.map((p) => ({ pair: p.pair, decimals: p.decimals, price: p.price.toString() })),
    sequencerHeight: job.sequencerHeight.toString(),
    sequencerBlockHash: toHex(job.sequencerBlockHash),
  };
}
