/**
 * The app's side of the oracle sidecar: polls the sidecar over loopback and keeps its latest
 * prices, so ExtendVote (which must answer at once) reads a local value. Prices older than
 * `maxAgeMs` are not offered: a stale price is worse than none.
 */
import { z } from "zod";

/** What a sidecar serves at GET /prices: decimal strings by pair id. */
export const SidecarPricesSchema = z.object({
  prices: z.record(z.string(), z.string().regex(/^\d+(\.\d+)?$/)),
  time: z.string().optional(),
});

export type DecimalPrices = ReadonlyMap<string, string>;

export interface PriceFeedOptions {
  url: string;
  pollMs?: number;
  maxAgeMs?: number;
  onError?: (error: Error) => void;
}

export class SidecarPriceFeed {
  private prices: DecimalPrices | undefined;
  private fetchedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(private readonly options: PriceFeedOptions) {}

  start(): void {
    const poll = async () => {
      try {
        const response = await fetch(`${this.options.url}/prices`, { signal: AbortSignal.timeout(2_000) });
        const body = SidecarPricesSchema.parse(await response.json());
        this.prices = new Map(Object.entries(body.prices));
        this.fetchedAt = Date.now();
        this.failing = false;
      } catch (error) {
        // Report the first failure of a run, not every poll of an outage.
        if (!this.failing) this.options.onError?.(error as Error);
        this.failing = true;
      }
      this.timer = setTimeout(poll, this.options.pollMs ?? 500);
    };
    void poll();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  latest(): DecimalPrices | undefined {
    if (!this.prices || Date.now() - this.fetchedAt > (this.options.maxAgeMs ?? 5_000)) return undefined;
    return this.prices;
  }
}

/** A decimal string as a fixed-point integer with `decimals` places (extra places truncated). */
export function toFixedPoint(decimal: string, decimals: number): bigint {
  const [whole, fraction = ""] = decimal.split(".");
  return BigInt(`${whole}${fraction.slice(0, decimals).padEnd(decimals, "0")}`);
}

/** A fixed-point integer with `decimals` places as a decimal string. */
export function fromFixedPoint(value: bigint, decimals: number): string {
  const text = value.toString().padStart(decimals + 1, "0");
  return decimals === 0
    ? text
    : `${text.slice(0, text.length - decimals)}.${text.slice(text.length - decimals)}`;
}
