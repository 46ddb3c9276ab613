/**
 * Oracle provider payloads: every provider the sidecar polls (Binance, Coinbase, Kraken in their
 * REST formats; Chainlink over EVM JSON-RPC through viem; Stride's host zone over CometBFT RPC
 * through cosmjs) gets its exchange's valid payload mutated, garbage, an error status or a dropped
 * connection. A provider returns quotes that are real prices for the pairs asked, which the
 * sidecar's median takes, or throws ProviderError with a clear message.
 */
import fc from "fast-check";
import { encodeAbiParameters, type Hex } from "viem";
import { protoCodec } from "../../core/proto/codec.js";
import { chainlink } from "../../oracle/chainlink.js";
import { binance, coinbase, kraken, type PriceProvider, ProviderError } from "../../oracle/providers.js";
import { medianDecimal } from "../../oracle/sidecar.js";
import { stride } from "../../oracle/stride.js";
import { requireTypedError } from "../clear.js";
import { connectionRefused, installFetch, reply } from "../fetch.js";
import { mutatedJson } from "../mutate.js";
import { type FieldMutation, fieldMutations, mutateMessage } from "../protowire.js";
import { CrashError, type Depth, surface, type Verdict } from "../surface.js";

const HOST = "exchange.chaos";
const URL_BASE = `http://${HOST}`;
const FEED = "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c";

const PROVIDERS: Record<string, PriceProvider> = {
  binance,
  coinbase,
  kraken,
  chainlink: chainlink({ "BTC/USD": FEED }),
  stride: stride(),
};
type ProviderName = keyof typeof PROVIDERS;

const HostZoneCodec = protoCodec<{
  hostZone: { chainId: string; hostDenom: string; redemptionRate: string; halted: boolean } | null;
}>("metro.oracle.v1.StrideHostZoneResponse");

type Answer =
  | { kind: "valid" }
  | { kind: "mutated"; body: unknown }
  | { kind: "proto"; mutations: FieldMutation[] }
  | { kind: "raw"; text: string }
  | { kind: "status"; status: number }
  | { kind: "refused" };

interface ProviderCase {
  provider: ProviderName;
  pairs: string[];
  answer: Answer;
}

/** What the provider's source answers honestly to `url` (a JSON-RPC request's body in `request`). */
function validPayload(
  provider: ProviderName,
  url: URL,
  request: { id?: number; method?: string; params?: unknown[] },
): unknown {
  const now = BigInt(Math.floor(Date.now() / 1000));
  switch (provider) {
    case "binance":
      return { symbol: url.searchParams.get("symbol"), price: "97000.12" };
    case "coinbase": {
      const [base] = (url.pathname.split("/")[3] ?? "").split("-");
      return { data: { amount: "97000.12", base, currency: "USD" } };
    }
    case "kraken":
      return { error: [], result: { XXBTZUSD: { c: ["97000.1", "0.01"] } } };
    case "chainlink": {
      const call = (request.params?.[0] ?? {}) as { data?: string };
      // decimals() is 0x313ce567; anything else is latestRoundData().
      const result: Hex = call.data?.startsWith("0x313ce567")
        ? encodeAbiParameters([{ type: "uint8" }], [8])
        : encodeAbiParameters(
            [
              { type: "uint80" },
              { type: "int256" },
              { type: "uint256" },
              { type: "uint256" },
              { type: "uint80" },
            ],
            [7n, 9_700_012_000_000n, now, now, 7n],
          );
      return { jsonrpc: "2.0", id: request.id, result };
    }
    case "stride":
      return strideReply(request.id, HostZoneCodec.encode(strideZone()));
  }
  return null;
}

const strideZone = () => ({
  hostZone: { chainId: "celestia", hostDenom: "utia", redemptionRate: "1020000000000000000", halted: false },
});

function strideReply(id: number | undefined, value: Uint8Array) {
  return {
    jsonrpc: "2.0",
    id,
    result: {
      response: {
        code: 0,
        log: "",
        info: "",
        index: "0",
        key: null,
        value: Buffer.from(value).toString("base64"),
        proofOps: null,
        height: "5",
        codespace: "",
      },
    },
  };
}

function answerArbitrary(provider: ProviderName): fc.Arbitrary<Answer> {
  const template = validPayload(provider, new URL(`${URL_BASE}/v2/prices/BTC-USD/spot?symbol=BTCUSDT`), {
    id: 0,
    params: [{}],
  });
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: "valid" as const }) },
    {
      weight: 6,
      arbitrary: mutatedJson(fc.constant(template)).map((body) => ({ kind: "mutated" as const, body })),
    },
    ...(provider === "stride"
      ? [
          {
            weight: 4,
            arbitrary: fieldMutations(
              fc.oneof(fc.constantFrom("celestia", "", "0", "-1", "1e18", "9".repeat(80)), fc.string()),
            ).map((mutations) => ({ kind: "proto" as const, mutations })),
          },
        ]
      : []),
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("raw" as const),
        text: fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.constantFrom("", "null", "[]", "<html>", '{"price":1e400}'),
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("status" as const),
        status: fc.constantFrom(400, 404, 429, 500, 503),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "refused" as const }) },
  );
}

const pairArbitrary = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("BTC/USD", "ETH/USD", "TIA/USD", "STTIA/TIA") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "X/USD",
      "/USD",
      "BTC/",
      "BTC/USD/EUR",
      "",
      "btc/usd",
      "BTC USD",
      "../../x/USD",
    ),
  },
);

const caseArbitrary: fc.Arbitrary<ProviderCase> = fc
  .constantFrom(...(Object.keys(PROVIDERS) as ProviderName[]))
  .chain((provider) =>
    fc.record({
      provider: fc.constant(provider),
      pairs: fc.array(pairArbitrary, { minLength: 1, maxLength: 4 }),
      answer: answerArbitrary(provider),
    }),
  );

function answer(test: ProviderCase, url: URL, body: string | undefined): Response {
  const request = body ? (JSON.parse(body) as { id?: number }) : {};
  const { answer } = test;
  switch (answer.kind) {
    case "valid":
      return reply(200, JSON.stringify(validPayload(test.provider, url, request)));
    case "mutated": {
      const mutated = answer.body as Record<string, unknown> | null;
      // A JSON-RPC reply keeps the request's id where the mutation left it.
      const echoed =
        mutated && typeof mutated === "object" && !Array.isArray(mutated) && mutated.id === 0
          ? { ...mutated, id: request.id }
          : mutated;
      return reply(200, JSON.stringify(echoed));
    }
    case "proto":
      return reply(
        200,
        JSON.stringify(
          strideReply(request.id, mutateMessage(HostZoneCodec.encode(strideZone()), answer.mutations)),
        ),
      );
    case "raw":
      return reply(200, answer.text);
    case "status":
      return reply(answer.status, JSON.stringify(validPayload(test.provider, url, request)));
    case "refused":
      return connectionRefused();
  }
}

const PRICE = /^\d+(\.\d+)?$/;

export const oracleSurface = surface({
  name: "oracle-providers",
  description:
    "price provider payloads (Binance, Coinbase, Kraken REST; Chainlink over viem; Stride over cosmjs): valid ones mutated, garbage, error statuses, dropped connections",
  deep: "a payload the provider parsed: quotes returned, or refused for what they said",
  async setup() {
    let current: ProviderCase | undefined;
    const uninstall = installFetch(HOST, (url, init) =>
      answer(current!, url, init?.body === undefined ? undefined : String(init.body)),
    );
    return {
      arbitrary: caseArbitrary,
      async run(test: ProviderCase): Promise<Verdict> {
        current = test;
        let quotes: Awaited<ReturnType<PriceProvider["fetchQuotes"]>>;
        try {
          quotes = await PROVIDERS[test.provider]!.fetchQuotes(URL_BASE, test.pairs);
        } catch (error) {
          const { message } = requireTypedError(error, [ProviderError], `${test.provider} provider`);
          const transport = /HTTP \d|malformed JSON|ECONNREFUSED|fetch failed|Bad status/.test(message);
          const depth: Depth = transport ? 0 : /unexpected payload/.test(message) ? 1 : 2;
          return { accepted: false, depth };
        }
        for (const quote of quotes) {
          if (!test.pairs.includes(quote.pair) || !PRICE.test(quote.price) || !/[1-9]/.test(quote.price)) {
            throw new CrashError(`${test.provider} returned the quote ${JSON.stringify(quote)}`);
          }
        }
        if (quotes.length === 0) return { accepted: true, depth: 1 };
        medianDecimal(quotes.map((quote) => quote.price));
        return { accepted: true, depth: 2 };
      },
      async stillWorks() {
        for (const name of Object.keys(PROVIDERS) as ProviderName[]) {
          current = { provider: name, pairs: ["BTC/USD", "STTIA/TIA"], answer: { kind: "valid" } };
          const quotes = await PROVIDERS[name]!.fetchQuotes(URL_BASE, current.pairs);
          if (quotes.length === 0) throw new CrashError(`${name} quoted nothing from a valid payload`);
        }
      },
      close: async () => uninstall(),
    };
  },
});
