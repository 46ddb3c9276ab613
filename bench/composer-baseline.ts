/**
 * The composer as it was before issue 14's bundles (conductor/evm/composer.ts at 6e48b65), kept
 * only as the bench's baseline: every 100 ms, if no tx is on its way, up to 200 queued rollup
 * txs go out in one Metro tx through MetroTxSender (which tries a refused tx once more).
 */
import { MetroTxSender, OfflineSigner, sequenceMsg, TEST_MNEMONIC } from "../chain/index.js";

const INTERVAL_MS = 100;
const MAX_BATCH = 200;

interface Queued {
  raw: Uint8Array;
  settle: (error?: Error) => void;
}

export class BaselineComposer {
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending = false;

  private constructor(
    private readonly rollupName: string,
    private readonly sender: MetroTxSender,
  ) {}

  static async start(metroRpc: string, rollupName: string, accountIndex: number): Promise<BaselineComposer> {
    const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, accountIndex);
    const composer = new BaselineComposer(rollupName, await MetroTxSender.start(metroRpc, signer));
    composer.timer = setInterval(() => void composer.flush(), INTERVAL_MS);
    return composer;
  }

  submit(raw: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ raw, settle: (error) => (error ? reject(error) : resolve()) });
    });
  }

  stop(): void {
    clearInterval(this.timer);
    for (const queued of this.queue.splice(0)) queued.settle(new Error("composer stopped"));
  }

  private async flush(): Promise<void> {
    if (this.sending || this.queue.length === 0) return;
    this.sending = true;
    const batch = this.queue.splice(0, MAX_BATCH);
    try {
      const { address } = this.sender;
      const messages = batch.map((queued) => sequenceMsg(address, this.rollupName, queued.raw));
      const bytes = batch.reduce((sum, queued) => sum + BigInt(queued.raw.length), 0n);
      await this.sender.send(messages, bytes);
      for (const queued of batch) queued.settle();
    } catch (error) {
      for (const queued of batch) queued.settle(error as Error);
    } finally {
      this.sending = false;
    }
  }
}
