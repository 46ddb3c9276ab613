/**
 * The composer: turns raw EVM txs from eth_sendRawTransaction into MsgSequence txs on Metro,
 * paid from one configured Metro account, so rollup users never need a Cosmos wallet. Txs
 * that arrive together go out together, one message each, in one Metro tx per tick.
 */

import {
  broadcastTxs,
  fetchAccount,
  gasFor,
  type LoadAccount,
  nodeStatus,
  OfflineSigner,
  queryParams,
  requiredFee,
  sequenceMsg,
} from "../../chain/index.js";
import { parseDecimal } from "../../core/decimal.js";
import type { Logger } from "../../core/log.js";

export class ComposerError extends Error {
  override name = "ComposerError";
}

export interface ComposerOptions {
  metroRpc: string;
  rollupName: string;
  mnemonic: string;
  accountIndex: number;
  /** How often queued txs are sent to Metro. */
  intervalMs?: number;
  /** At most this many rollup txs in one Metro tx. */
  maxBatch?: number;
  log: Logger;
}

interface Queued {
  raw: Uint8Array;
  settle: (error?: Error) => void;
}

/** Metro's CheckTx code for a wrong account sequence (the sequencer module's codespace). */
const WRONG_SEQUENCE = /sequence/i;

export class Composer {
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending = false;

  private constructor(
    private readonly options: ComposerOptions,
    private readonly signer: OfflineSigner,
    private account: LoadAccount,
    private readonly chainId: string,
  ) {}

  static async start(options: ComposerOptions): Promise<Composer> {
    const signer = await OfflineSigner.fromMnemonic(options.mnemonic, options.accountIndex);
    const [account, status] = await Promise.all([
      fetchAccount(options.metroRpc, signer),
      nodeStatus(options.metroRpc),
    ]);
    const composer = new Composer(options, signer, account, status.chainId);
    composer.timer = setInterval(() => void composer.flush(), options.intervalMs ?? 100);
    return composer;
  }

  get address(): string {
    return this.signer.address;
  }

  /** Resolves once Metro's CheckTx accepted the tx carrying `raw`; rejects with Metro's reason. */
  submit(raw: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ raw, settle: (error) => (error ? reject(error) : resolve()) });
    });
  }

  stop(): void {
    clearInterval(this.timer);
    for (const queued of this.queue.splice(0)) queued.settle(new ComposerError("composer stopped"));
  }

  private async flush(): Promise<void> {
    if (this.sending || this.queue.length === 0) return;
    this.sending = true;
    const batch = this.queue.splice(0, this.options.maxBatch ?? 200);
    try {
      await this.send(batch, true);
    } catch (error) {
      for (const queued of batch) queued.settle(error as Error);
    } finally {
      this.sending = false;
    }
  }

  private async send(batch: Queued[], retryOnSequence: boolean): Promise<void> {
    const params = await queryParams(this.options.metroRpc);
    const bytes = batch.reduce((sum, queued) => sum + BigInt(queued.raw.length), 0n);
    const gas = gasFor(params, batch.length, bytes);
    const tx = this.signer.signTx({
      messages: batch.map((queued) => sequenceMsg(this.signer.address, this.options.rollupName, queued.raw)),
      fee: {
        amount: [
          { denom: params.feeDenom, amount: requiredFee(gas, parseDecimal(params.minGasPrice)).toString() },
        ],
        gas,
      },
      chainId: this.chainId,
      accountNumber: this.account.accountNumber,
      sequence: this.account.sequence,
    });
    const [outcome] = await broadcastTxs(this.options.metroRpc, [tx]);
    if (outcome?.kind === "checked" && outcome.code === 0) {
      this.account = { ...this.account, sequence: this.account.sequence + 1n };
      for (const queued of batch) queued.settle();
      return;
    }
    const reason = outcome?.kind === "checked" ? outcome.log : (outcome?.message ?? "no reply");
    if (retryOnSequence && WRONG_SEQUENCE.test(reason)) {
      this.account = await fetchAccount(this.options.metroRpc, this.signer);
      return this.send(batch, false);
    }
    this.options.log.warn({ reason, txs: batch.length }, "Metro refused the composer's tx");
    throw new ComposerError(`Metro refused the sequencing tx: ${reason}`);
  }
}
