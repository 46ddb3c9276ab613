/**
 * The composer: turns raw EVM txs from eth_sendRawTransaction into MsgSequence txs on Metro,
 * paid from one configured Metro account, so rollup users never need a Cosmos wallet. Txs
 * that arrive together go out together, one message each, in one Metro tx per tick.
 */

import { MetroTxRefusedError, MetroTxSender, OfflineSigner, sequenceMsg } from "../../chain/index.js";
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

export class Composer {
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending = false;

  private constructor(
    private readonly options: ComposerOptions,
    private readonly sender: MetroTxSender,
  ) {}

  static async start(options: ComposerOptions): Promise<Composer> {
    const signer = await OfflineSigner.fromMnemonic(options.mnemonic, options.accountIndex);
    const composer = new Composer(options, await MetroTxSender.start(options.metroRpc, signer));
    composer.timer = setInterval(() => void composer.flush(), options.intervalMs ?? 100);
    return composer;
  }

  get address(): string {
    return this.sender.address;
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
      await this.send(batch);
    } catch (error) {
      for (const queued of batch) queued.settle(error as Error);
    } finally {
      this.sending = false;
    }
  }

  private async send(batch: Queued[]): Promise<void> {
    const messages = batch.map((queued) =>
      sequenceMsg(this.sender.address, this.options.rollupName, queued.raw),
    );
    const bytes = batch.reduce((sum, queued) => sum + BigInt(queued.raw.length), 0n);
    try {
      await this.sender.send(messages, bytes);
    } catch (error) {
      if (!(error instanceof MetroTxRefusedError)) throw error;
      this.options.log.warn({ reason: error.reason, txs: batch.length }, "Metro refused the composer's tx");
      throw new ComposerError(`Metro refused the sequencing tx: ${error.reason}`);
    }
    for (const queued of batch) queued.settle();
  }
}
