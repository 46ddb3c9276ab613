/**
 * SIMULATED prices for the local devnet: a random walk per pair, served over loopback in the
 * sidecar format (GET /prices). It stands in for `metro oracle` and its exchange providers so
 * the devnet shows prices moving through vote extensions; it reads no market, and every
 * response says `"simulated": true`.
 */
import { createServer, type Server } from "node:http";

const START_PRICES: Record<string, number> = {
  "BTC/USD": 97_000,
  "ETH/USD": 3_400,
  "STTIA/TIA": 1.08,
  "TIA/USD": 5.2,
};

export class SimulatedPrices {
  private readonly prices = new Map(Object.entries(START_PRICES));
  private readonly server: Server;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stepMs = 1000) {
    this.server = createServer((_request, response) => {
      const prices = Object.fromEntries([...this.prices].map(([pair, price]) => [pair, price.toFixed(8)]));
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ simulated: true, prices, time: new Date().toISOString() }));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.timer = setInterval(() => this.step(), this.stepMs);
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Each pair moves by at most ±0.2% a step. */
  private step(): void {
    for (const [pair, price] of this.prices)
      this.prices.set(pair, price * (1 + (Math.random() - 0.5) * 0.004));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
