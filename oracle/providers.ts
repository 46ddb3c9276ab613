/**
 * Exchange price providers, each reading one real public REST API in its real format, every
 * payload checked with zod. Base URLs default to the exchanges; tests and the devnet point them
 * at local servers that serve the same formats.
 */
import { z } from "zod";

export interface Quote {
  pair: string;
  /** Decimal string, as the exchange reported it. */
  price: string;
}

export interface PriceProvider {
  readonly name: string;
  readonly defaultUrl: string;
  fetchQuotes(baseUrl: string, pairs: readonly string[]): Promise<Quote[]>;
}

export class ProviderError extends Error {
  override name = "ProviderError";
}

const decimal = z.string().regex(/^\d+(\.\d+)?$/);
/** A quote of zero is no price: an exchange reporting one is broken, not free. */
const price = decimal.refine((value) => /[1-9]/.test(value), "the price is zero");

/** A provider that does not answer within this costs one poll, never the sidecar. */
const FETCH_TIMEOUT_MS = 3_000;

async function getJson(url: string): Promise<unknown> {
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new ProviderError(`GET ${url}: HTTP ${response.status}`);
    text = await response.text();
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ...) is its cause.
    const { name, message, cause } = error as Error & { cause?: Error };
    const reason =
      name === "TimeoutError" ? `no answer within ${FETCH_TIMEOUT_MS} ms` : (cause?.message ?? message);
    throw new ProviderError(`GET ${url}: ${reason}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError(`GET ${url}: malformed JSON: ${text.slice(0, 80)}`);
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown, url: string): T {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new ProviderError(`GET ${url}: unexpected payload: ${result.error.issues[0]?.message}`);
  return result.data;
}

/** Quotes each X/USD pair with `fetchOne(X)`; exchanges list USD markets only here. */
async function quoteUsdPairs(
  pairs: readonly string[],
  fetchOne: (base: string) => Promise<string>,
): Promise<Quote[]> {
  const quotes: Quote[] = [];
  for (const pair of pairs) {
    const [base, quote] = pair.split("/");
    if (!base || quote !== "USD") continue;
    quotes.push({ pair, price: await fetchOne(base) });
  }
  return quotes;
}

/** Binance: GET /api/v3/ticker/price?symbol=BTCUSDT → {"symbol":"BTCUSDT","price":"97000.1"} (USDT for USD). */
export const binance: PriceProvider = {
  name: "binance",
  defaultUrl: "https://api.binance.com",
  fetchQuotes: (baseUrl, pairs) =>
    quoteUsdPairs(pairs, async (base) => {
      const url = `${baseUrl}/api/v3/ticker/price?symbol=${base}USDT`;
      return parse(z.object({ symbol: z.string(), price }), await getJson(url), url).price;
    }),
};

/** Coinbase: GET /v2/prices/BTC-USD/spot → {"data":{"amount":"97000.1","base":"BTC","currency":"USD"}}. */
export const coinbase: PriceProvider = {
  name: "coinbase",
  defaultUrl: "https://api.coinbase.com",
  fetchQuotes: (baseUrl, pairs) =>
    quoteUsdPairs(pairs, async (base) => {
      const url = `${baseUrl}/v2/prices/${base}-USD/spot`;
      const schema = z.object({
        data: z.object({ amount: price, base: z.string(), currency: z.string() }),
      });
      const body = parse(schema, await getJson(url), url);
      if (body.data.base !== base || body.data.currency !== "USD") {
        throw new ProviderError(`GET ${url}: quoted ${body.data.base}-${body.data.currency}`);
      }
      return body.data.amount;
    }),
};

/** Kraken's names for the assets it lists under other tickers. */
const KRAKEN_ASSETS: Record<string, string> = { BTC: "XBT" };

/** Kraken: GET /0/public/Ticker?pair=XBTUSD → {"error":[],"result":{"XXBTZUSD":{"c":["97000.1","0.01"],…}}}. */
export const kraken: PriceProvider = {
  name: "kraken",
  defaultUrl: "https://api.kraken.com",
  fetchQuotes: (baseUrl, pairs) =>
    quoteUsdPairs(pairs, async (base) => {
      const url = `${baseUrl}/0/public/Ticker?pair=${KRAKEN_ASSETS[base] ?? base}USD`;
      const schema = z.object({
        error: z.array(z.string()),
        result: z.record(z.string(), z.object({ c: z.tuple([price, decimal]) })).optional(),
      });
      const body = parse(schema, await getJson(url), url);
      if (body.error.length > 0) throw new ProviderError(`GET ${url}: ${body.error.join("; ")}`);
      // Kraken keys the result by its own pair name (XXBTZUSD for XBTUSD): there is exactly one.
      const tickers = Object.values(body.result ?? {});
      if (tickers.length !== 1)
        throw new ProviderError(`GET ${url}: ${tickers.length} tickers in the result`);
      return tickers[0]!.c[0];
    }),
};

export const EXCHANGE_PROVIDERS: readonly PriceProvider[] = [binance, coinbase, kraken];
