/**
 * The validators' price sidecars in the campaign: one HTTP price source per validator, silent
 * (503) until the adversary phases so that the crash phases run as before, with no oracle
 * penalties for validators the campaign kills. Honest sources quote a slow random walk, each a
 * little off the others; a source can be turned extreme, as a validator lying about prices.
 */
import { DEFAULT_PAIRS } from "../oracle/index.js";
import { PriceServer } from "../test/support/price-server.js";

const START: Record<string, number> = {
  "BTC/USD": 97_000,
  "ETH/USD": 3_400,
  // Validators' power is their stTIA times this rate: kept steady, so the set's powers do too.
  "STTIA/TIA": 1.05,
  "TIA/USD": 5.2,
};

/** How far each honest quote strays from the walk: ±0.1%. */
const HONEST_SPREAD = 0.001;
/** An extreme quote: this many times the honest price, or this many times below it. */
export const EXTREME_FACTOR = 1000;

export class ChaosPrices {
  private readonly servers: PriceServer[];
  private readonly walk = new Map(Object.entries(START));
  private readonly extreme = new Set<number>();
  private ticks = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(validators: number) {
    this.servers = Array.from({ length: validators }, () => {
      const server = new PriceServer();
      server.down = true;
      return server;
    });
  }

  /** Starts every source (still silent) and returns their URLs, one per validator. */
  async start(): Promise<string[]> {
    const urls = await Promise.all(this.servers.map((server) => server.start()));
    this.quote();
    this.timer = setInterval(() => this.quote(), 1000);
    return urls;
  }

  /** The sources begin to answer. */
  serve(): void {
    for (const server of this.servers) server.down = false;
  }

  /** Validator `index` quotes extreme prices (alternately far above and far below), or honest ones again. */
  setExtreme(index: number, extreme: boolean): void {
    if (extreme) this.extreme.add(index);
    else this.extreme.delete(index);
    this.quote();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const server of this.servers) server.stop();
  }

  private quote(): void {
    this.ticks++;
    for (const [pair, price] of this.walk) {
      if (pair !== "STTIA/TIA") this.walk.set(pair, price * (1 + (Math.random() - 0.5) * 0.002));
    }
    this.servers.forEach((server, i) => {
      const factor = this.extreme.has(i) ? (this.ticks % 2 === 0 ? EXTREME_FACTOR : 1 / EXTREME_FACTOR) : 1;
      server.prices = Object.fromEntries(
        DEFAULT_PAIRS.map(({ id, decimals }) => {
          const spread = 1 + (Math.random() - 0.5) * 2 * HONEST_SPREAD;
          return [id, (this.walk.get(id)! * spread * factor).toFixed(decimals)];
        }),
      );
    });
  }
}
