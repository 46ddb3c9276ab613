/**
 * The DA's and the relayer's progress, from the DA's public JSON-RPC alone: the network head,
 * and the highest Metro height in Metro's namespace. The scan resumes where the last one stopped.
 */
import { CelestiaClient, metroHeightsAtDaHeight } from "../relayer/index.js";

/** DA heights read per poll at most, so a long history never stalls the dashboard. */
const SCAN_PER_POLL = 20;

export interface DaProgress {
  daHead: number;
  relayerPostedThrough?: number;
  relayerDaHeight?: number;
}

export class DaWatcher {
  private readonly client: CelestiaClient;
  private scannedThrough = 0;
  private posted: { metro: number; da: number } | undefined;

  constructor(
    readonly url: string,
    token?: string,
  ) {
    this.client = new CelestiaClient({ url, token, timeoutMs: 5_000 });
  }

  async read(chainId: string): Promise<DaProgress> {
    const head = (await this.client.networkHead()).height;
    // Newest first, so a dashboard started late finds the latest posting at once.
    const from = Math.max(this.scannedThrough + 1, head - SCAN_PER_POLL + 1, 1);
    for (let daHeight = head; daHeight >= from; daHeight--) {
      const heights = await metroHeightsAtDaHeight(this.client, chainId, daHeight);
      const top = heights.reduce((max, h) => (Number(h) > max ? Number(h) : max), 0);
      if (top > (this.posted?.metro ?? 0)) this.posted = { metro: top, da: daHeight };
    }
    this.scannedThrough = head;
    return { daHead: head, relayerPostedThrough: this.posted?.metro, relayerDaHeight: this.posted?.da };
  }
}
