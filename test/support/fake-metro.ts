/**
 * Metro's CheckTx as a composer meets it, in memory: real tx bytes decoded, the sequence the
 * mempool expects, the fee at the current gas price, the largest tx, a cache of txs already
 * held. Tests move its terms (a node restart, governance) and script refusals.
 */
import { type BroadcastOutcome, decodeTx, type OfflineSigner } from "../../chain/index.js";
import { DEFAULT_PARAMS, gasFor, requiredFee } from "../../chain/modules/params.js";
import type { DecodedTx } from "../../chain/tx/decode.js";
import {
  type SequencingRpc,
  type SequencingTerms,
  type Verdict,
  verdictOf,
} from "../../conductor/composer/metro.js";
import { toHex } from "../../core/bytes.js";
import { parseDecimal } from "../../core/decimal.js";
import type { Params } from "../../core/proto/sequencer.js";

const CHAIN_ID = "fake-metro";
const ACCOUNT_NUMBER = 7n;

export class FakeMetro implements SequencingRpc {
  params: Params = { ...DEFAULT_PARAMS };
  maxTxBytes = 1_000_000;
  /** The account's sequence as committed, and as CheckTx expects it (mempool counted). */
  committedSequence = 0n;
  expected = 0n;
  /** Every tx CheckTx accepted, in order. */
  readonly accepted: DecodedTx[] = [];
  /** Txs per broadcast call, in order. */
  readonly rounds: number[] = [];
  /** Hashes of every tx broadcast, repeats included. */
  readonly broadcastHashes: string[] = [];
  termsRead = 0;
  /** An RPC-level refusal (e.g. "mempool is full") for a tx, before CheckTx sees it. */
  refuse: (tx: DecodedTx) => string | undefined = () => undefined;
  /** Broadcast calls whose txs are checked but whose answers are lost on the way back. */
  loseAnswers = 0;
  private readonly held = new Set<string>();

  async readTerms(_signer: OfflineSigner): Promise<SequencingTerms> {
    this.termsRead++;
    return {
      params: { ...this.params },
      chainId: CHAIN_ID,
      accountNumber: ACCOUNT_NUMBER,
      sequence: this.committedSequence,
      maxTxBytes: this.maxTxBytes,
    };
  }

  async broadcast(txs: readonly Uint8Array[]): Promise<Verdict[]> {
    this.rounds.push(txs.length);
    await Promise.resolve();
    const verdicts = txs.map((tx) => verdictOf(this.check(tx)));
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      return txs.map(() => ({ kind: "unknown", reason: "connection reset" }));
    }
    return verdicts;
  }

  /** The rollup data Metro took, in order. */
  get sequenced(): Uint8Array[] {
    return this.accepted.flatMap((tx) =>
      tx.messages.map((message) => (message.value as { data: Uint8Array }).data),
    );
  }

  private check(bytes: Uint8Array): BroadcastOutcome {
    const tx = decodeTx(bytes);
    const hash = toHex(tx.hash);
    this.broadcastHashes.push(hash);
    const checked = (code: number, log: string): BroadcastOutcome => ({
      kind: "checked",
      code,
      codespace: "sdk",
      log,
      hash,
    });
    if (this.held.has(hash)) return { kind: "refused", message: "Internal error tx already exists in cache" };
    const refusal = this.refuse(tx);
    if (refusal !== undefined) return { kind: "refused", message: refusal };
    if (bytes.length > this.maxTxBytes) return checked(21, `tx too large: ${bytes.length}`);
    if (tx.signer.sequence !== this.expected) {
      return checked(32, `account sequence mismatch, expected ${this.expected}, got ${tx.signer.sequence}`);
    }
    const dataBytes = tx.messages.reduce((sum, m) => sum + (m.value as { data: Uint8Array }).data.length, 0);
    const gas = gasFor(this.params, tx.messages.length, BigInt(dataBytes));
    const fee = requiredFee(gas, parseDecimal(this.params.minGasPrice));
    const paid = BigInt(tx.fee.amount[0]?.amount ?? "0");
    if (tx.fee.gasLimit < gas || paid < fee)
      return checked(13, `insufficient fee: got ${paid}, required ${fee}`);
    this.expected++;
    this.held.add(hash);
    this.accepted.push(tx);
    return checked(0, "");
  }
}
