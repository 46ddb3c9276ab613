/**
 * Metro as the composer sees it: the terms a tx is signed by, and a broadcast that keeps the
 * order of a run of txs from one account. `metroSequencingRpc` is the real node; unit tests put
 * a fake in its place.
 */
import {
  type BroadcastOutcome,
  broadcastTxs,
  type ChainTerms,
  describeFetchError,
  fetchAccount,
  largestTxBytes,
  type OfflineSigner,
  readChainTerms,
} from "../../chain/index.js";

export interface SequencingTerms extends ChainTerms {
  accountNumber: bigint;
  /** The account's committed sequence (txs still in the mempool are not counted). */
  sequence: bigint;
  /** The largest tx Metro and its RPC take now, in bytes. */
  maxTxBytes: number;
}

/** CheckTx's word on one tx, or `unknown` when the node did not answer (it may hold the tx). */
export type Verdict =
  | { kind: "accepted" }
  | { kind: "refused"; reason: string }
  | { kind: "unknown"; reason: string };

export interface SequencingRpc {
  readTerms(signer: OfflineSigner): Promise<SequencingTerms>;
  /** One verdict per tx, in order; CheckTx sees the txs in this order. Never throws. */
  broadcast(txs: readonly Uint8Array[]): Promise<Verdict[]>;
}

/** CometBFT's default `rpc.max_body_bytes` and `rpc.max_request_batch_size`. */
export const COMETBFT_MAX_BODY_BYTES = 1_000_000;
const MAX_REQUEST_BATCH = 10;
/** A tx's share of a JSON-RPC request body besides its base64: the request's own fields. */
const REQUEST_OVERHEAD_BYTES = 128;

const requestBytes = (tx: Uint8Array): number => 4 * Math.ceil(tx.length / 3) + REQUEST_OVERHEAD_BYTES;

/** The largest tx whose broadcast request stays within `maxBodyBytes`. */
export function largestRequestTx(maxBodyBytes: number): number {
  return Math.floor((maxBodyBytes - REQUEST_OVERHEAD_BYTES) / 4) * 3;
}

/**
 * The node answers a tx it already holds with this (CometBFT's ErrTxInCache): a tx sent again
 * after its answer was lost. It is in the mempool, or committed already, so it counts as taken.
 */
const ALREADY_HELD = /tx already exists in cache/;

export function verdictOf(outcome: BroadcastOutcome | undefined): Verdict {
  if (!outcome) return { kind: "unknown", reason: "no reply from the node" };
  if (outcome.kind === "checked") {
    return outcome.code === 0 ? { kind: "accepted" } : { kind: "refused", reason: outcome.log };
  }
  return ALREADY_HELD.test(outcome.message)
    ? { kind: "accepted" }
    : { kind: "refused", reason: outcome.message };
}

/** Cuts `txs` into requests of at most ten within `maxBodyBytes`, in order. */
function requests(txs: readonly Uint8Array[], maxBodyBytes: number): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let bytes = 0;
  for (const tx of txs) {
    const size = requestBytes(tx);
    if (current.length > 0 && (current.length >= MAX_REQUEST_BATCH || bytes + size > maxBodyBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(tx);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * A Metro node's RPC. Txs go out as CometBFT's JSON-RPC batches of `broadcast_tx_sync`, which
 * the node runs one after another, and the batches one after another: CheckTx sees them in order.
 */
export function metroSequencingRpc(rpcUrl: string, maxBodyBytes = COMETBFT_MAX_BODY_BYTES): SequencingRpc {
  return {
    async readTerms(signer) {
      const [terms, account] = await Promise.all([readChainTerms(rpcUrl), fetchAccount(rpcUrl, signer)]);
      const chainLimit = await largestTxBytes(rpcUrl, terms.params);
      return {
        ...terms,
        accountNumber: account.accountNumber,
        sequence: account.sequence,
        maxTxBytes: Math.min(chainLimit, largestRequestTx(maxBodyBytes)),
      };
    },
    async broadcast(txs) {
      const verdicts: Verdict[] = [];
      for (const request of requests(txs, maxBodyBytes)) {
        try {
          const outcomes = await broadcastTxs(rpcUrl, request);
          verdicts.push(...request.map((_, i) => verdictOf(outcomes[i])));
        } catch (error) {
          // Unanswered: this request and the ones after it wait to be sent again as they are.
          const reason = `Metro's RPC did not answer: ${describeFetchError(error)}`;
          while (verdicts.length < txs.length) verdicts.push({ kind: "unknown", reason });
          break;
        }
      }
      return verdicts;
    },
  };
}
