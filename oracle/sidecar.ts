/**
 * `metro oracle`: the price sidecar each validator runs next to its node. It polls its
 * providers, keeps each provider's latest quotes with their time, and serves GET /prices on
 * loopback: per pair, the median of the providers' fresh quotes, when at least `minProviders`
 * of them have one. The app turns that into its vote extension.
 */
import { createServer, type Server } from "node:http";
import { DEFAULT_HOST, httpUrl } from "../core/listen.js";
import type { Logger } from "../core/log.js";
import { fromFixedPoint, toFixedPoint } from "./feed.js";
import type { PriceProvider } from "./providers.js";

export interface SidecarSource {
  provider: PriceProvider;
  url: string;
}

export interface SidecarOptions {
  pairs: readonly string[];
  sources: readonly SidecarSource[];
  minProviders: number;
  /** Pairs that fewer providers quote (STTIA/TIA has one source: Stride) need fewer quotes. */
  minProvidersFor?: Readonly<Record<string, number>>;
  /** Quotes older than this are not used. */
  maxAgeMs: number;
  pollMs: number;
  log: Logger;
}

interface ProviderState {
  at: number;
  prices: Map<string, string>;
  error?: string;
  /** Failed polls since the sidecar started. */
  errors: number;
}

/** One provider as metrics see it. */
export interface ProviderStatus {
  name: string;
  /** When its last good quotes arrived (0: never). */
  at: number;
  errors: number;
  failing: boolean;
}

/** Quotes are compared as fixed point with 18 places (cosmos.Dec's precision). */
const SCALE = 18;

/** The median of decimal strings (the mean of the middle two for an even count). */
export function medianDecimal(values: readonly string[]): string {
  const sorted = values
    .map((value) => toFixedPoint(value, SCALE))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2n;
  // Trailing zeros of the 18 places say nothing: "2", not "2.000000000000000000".
  return fromFixedPoint(median, SCALE).replace(/\.?0+$/, "");
}

export class OracleSidecar {
  private readonly state = new Map<string, ProviderState>();
  private readonly server: Server;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: SidecarOptions) {
    this.server = createServer((request, response) => {
      if (request.url !== "/prices") {
        response.writeHead(404).end("GET /prices");
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(this.snapshot()));
    });
  }

  async start(port = 0, host = DEFAULT_HOST): Promise<string> {
    this.running = true;
    await this.poll();
    await new Promise<void>((resolve) => this.server.listen(port, host, resolve));
    return httpUrl(host, (this.server.address() as { port: number }).port);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Per pair, the median of fresh quotes from at least minProviders providers. */
  prices(now = Date.now()): Map<string, string> {
    const prices = new Map<string, string>();
    for (const pair of this.options.pairs) {
      const quotes: string[] = [];
      for (const state of this.state.values()) {
        const price = state.prices.get(pair);
        if (price !== undefined && now - state.at <= this.options.maxAgeMs) quotes.push(price);
      }
      const needed = this.options.minProvidersFor?.[pair] ?? this.options.minProviders;
      if (quotes.length >= needed) prices.set(pair, medianDecimal(quotes));
    }
    return prices;
  }

  /** Each provider's freshness and errors so far. */
  providers(): ProviderStatus[] {
    return [...this.state].map(([name, s]) => ({ name, at: s.at, errors: s.errors, failing: !!s.error }));
  }

  private snapshot() {
    const providers = Object.fromEntries(
      [...this.state].map(([name, s]) => [
        name,
        { at: new Date(s.at).toISOString(), error: s.error ?? null },
      ]),
    );
    return { prices: Object.fromEntries(this.prices()), time: new Date().toISOString(), providers };
  }

  private async poll(): Promise<void> {
    await Promise.all(
      this.options.sources.map(async ({ provider, url }) => {
        const previous = this.state.get(provider.name);
        try {
          const quotes = await provider.fetchQuotes(url, this.options.pairs);
          this.state.set(provider.name, {
            at: Date.now(),
            prices: new Map(quotes.map((q) => [q.pair, q.price])),
            errors: previous?.errors ?? 0,
          });
        } catch (error) {
          const message = (error as Error).message;
          if (previous?.error !== message)
            this.options.log.warn({ provider: provider.name, err: message }, "provider failed");
          this.state.set(provider.name, {
            at: previous?.at ?? 0,
            prices: previous?.prices ?? new Map(),
            error: message,
            errors: (previous?.errors ?? 0) + 1,
          });
        }
      }),
    );
    if (this.running) this.timer = setTimeout(() => void this.poll(), this.options.pollMs);
  }
}
