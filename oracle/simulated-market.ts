/**
 * A SIMULATED market for the local devnet and tests: one random walk per asset, served in the
 * real formats of Binance, Coinbase and Kraken (so the sidecar's real provider code reads it),
 * each exchange a little off the others. Every response carries `x-metro-simulated: true`; no
 * price here comes from a market.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { DEFAULT_HOST, httpUrl } from "../core/listen.js";

const START_USD: Record<string, number> = { BTC: 97_000, ETH: 3_400, TIA: 5.2 };
const KRAKEN_NAMES: Record<string, [string, string]> = {
  XBTUSD: ["BTC", "XXBTZUSD"],
  ETHUSD: ["ETH", "XETHZUSD"],
  TIAUSD: ["TIA", "TIAUSD"],
};

export class SimulatedMarket {
  private readonly usd = new Map(Object.entries(START_USD));
  private readonly server: Server;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stepMs = 1000) {
    this.server = createServer((request, response) => {
      const body = this.answer(request);
      response.writeHead(body === undefined ? 404 : 200, {
        "content-type": "application/json",
        "x-metro-simulated": "true",
      });
      response.end(JSON.stringify(body ?? { error: "unknown market" }));
    });
  }

  async start(port = 0, host = DEFAULT_HOST): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, host, resolve));
    this.timer = setInterval(() => this.step(), this.stepMs);
    return httpUrl(host, (this.server.address() as { port: number }).port);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Each asset moves by at most ±0.2% a step. */
  private step(): void {
    for (const [asset, price] of this.usd) this.usd.set(asset, price * (1 + (Math.random() - 0.5) * 0.004));
  }

  /** The asset's price on one exchange: within ±0.05% of the walk. */
  private quote(asset: string): string | undefined {
    const price = this.usd.get(asset);
    return price === undefined ? undefined : (price * (1 + (Math.random() - 0.5) * 0.001)).toFixed(8);
  }

  private answer(request: IncomingMessage): unknown {
    const url = new URL(request.url ?? "/", "http://market");
    const binance = /^\/api\/v3\/ticker\/price$/.exec(url.pathname) && url.searchParams.get("symbol");
    if (binance) {
      const price = this.quote(binance.replace(/USDT$/, ""));
      return price && { symbol: binance, price };
    }
    const coinbase = /^\/v2\/prices\/([A-Z]+)-USD\/spot$/.exec(url.pathname);
    if (coinbase) {
      const amount = this.quote(coinbase[1]!);
      return amount && { data: { amount, base: coinbase[1], currency: "USD" } };
    }
    if (url.pathname === "/0/public/Ticker") {
      const names = KRAKEN_NAMES[url.searchParams.get("pair") ?? ""];
      if (!names) return { error: ["EQuery:Unknown asset pair"] };
      const price = this.quote(names[0]);
      return { error: [], result: { [names[1]]: { c: [price, "0.01000000"] } } };
    }
    return undefined;
  }
}
