import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { decodeFunctionData, encodeFunctionResult, parseAbi } from "viem";
import { createLogger } from "../../core/log.js";
import { protoCodec } from "../../core/proto/codec.js";
import { chainlink } from "../../oracle/chainlink.js";
import { binance, coinbase, EXCHANGE_PROVIDERS, kraken, ProviderError } from "../../oracle/providers.js";
import { medianDecimal, OracleSidecar } from "../../oracle/sidecar.js";
import { SimulatedMarket } from "../../oracle/simulated-market.js";
import { HOST_ZONE_QUERY, stride } from "../../oracle/stride.js";

const PAIRS = ["BTC/USD", "ETH/USD", "STTIA/TIA", "TIA/USD"];
const log = createLogger("test", "silent");

/** Full payloads as the exchanges send them (more fields than the providers read). */
const REAL_PAYLOADS: Record<string, unknown> = {
  "/api/v3/ticker/price?symbol=BTCUSDT": { symbol: "BTCUSDT", price: "97012.34000000" },
  "/v2/prices/BTC-USD/spot": { data: { amount: "97010.5", base: "BTC", currency: "USD" } },
  "/0/public/Ticker?pair=XBTUSD": {
    error: [],
    result: {
      XXBTZUSD: {
        a: ["97011.00000", "1", "1.000"],
        b: ["97010.90000", "2", "2.000"],
        c: ["97011.10000", "0.00120000"],
        v: ["1234.5", "2345.6"],
        p: ["96950.1", "96900.2"],
        t: [12345, 23456],
        l: ["96000.0", "95900.0"],
        h: ["97500.0", "97600.0"],
        o: "96800.0",
      },
    },
  },
};

async function serve(
  handler: (url: string) => { status: number; body: string },
): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const { status, body } = handler(request.url ?? "/");
    response.writeHead(status, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

/** A sidecar over Binance, Coinbase and Kraken at these URLs, needing two quotes a pair. */
function exchangeSidecar(urls: [string, string, string], maxAgeMs = 5_000): OracleSidecar {
  return new OracleSidecar({
    pairs: PAIRS,
    sources: [binance, coinbase, kraken].map((provider, i) => ({ provider, url: urls[i]! })),
    minProviders: 2,
    maxAgeMs,
    pollMs: 200,
    log,
  });
}

describe("oracle providers and sidecar", () => {
  const market = new SimulatedMarket(100);
  let marketUrl = "";
  const servers: Server[] = [];

  before(async () => {
    marketUrl = await market.start();
  });

  after(async () => {
    await market.stop();
    for (const server of servers) server.close();
  });

  it("read each exchange's real payload format", async () => {
    const { url, server } = await serve((path) => {
      const body = REAL_PAYLOADS[path];
      return body ? { status: 200, body: JSON.stringify(body) } : { status: 404, body: "{}" };
    });
    servers.push(server);
    assert.deepEqual(await binance.fetchQuotes(url, ["BTC/USD"]), [
      { pair: "BTC/USD", price: "97012.34000000" },
    ]);
    assert.deepEqual(await coinbase.fetchQuotes(url, ["BTC/USD"]), [{ pair: "BTC/USD", price: "97010.5" }]);
    assert.deepEqual(await kraken.fetchQuotes(url, ["BTC/USD"]), [{ pair: "BTC/USD", price: "97011.10000" }]);
  });

  it("refuse malformed JSON, wrong shapes and HTTP errors with a clear error", async () => {
    const replies = ["{not json", JSON.stringify({ symbol: "BTCUSDT", price: -1 }), ""];
    const { url, server } = await serve(() => {
      const body = replies.shift();
      return body === "" || body === undefined ? { status: 503, body: "down" } : { status: 200, body };
    });
    servers.push(server);
    await assert.rejects(binance.fetchQuotes(url, ["BTC/USD"]), /malformed JSON/);
    await assert.rejects(binance.fetchQuotes(url, ["BTC/USD"]), /unexpected payload/);
    await assert.rejects(binance.fetchQuotes(url, ["BTC/USD"]), ProviderError);
  });

  it("serves the median of fresh quotes when enough providers have one", async () => {
    const sidecar = new OracleSidecar({
      pairs: PAIRS,
      sources: EXCHANGE_PROVIDERS.map((provider) => ({ provider, url: marketUrl })),
      minProviders: 2,
      maxAgeMs: 5_000,
      pollMs: 200,
      log,
    });
    const url = await sidecar.start();
    try {
      const body = (await (await fetch(`${url}/prices`)).json()) as { prices: Record<string, string> };
      assert.deepEqual(
        Object.keys(body.prices).sort(),
        ["BTC/USD", "ETH/USD", "TIA/USD"],
        "no provider quotes STTIA/TIA",
      );
      assert.ok(Math.abs(Number(body.prices["BTC/USD"]) / 97_000 - 1) < 0.05);
      assert.equal(sidecar.prices(Date.now() + 60_000).size, 0, "stale quotes are not served");
    } finally {
      await sidecar.stop();
    }
  });

  it("serves nothing for a pair with fewer than minProviders working providers", async () => {
    const { url: broken, server } = await serve(() => ({ status: 200, body: "{not json" }));
    servers.push(server);
    const sidecar = exchangeSidecar([marketUrl, broken, broken]);
    await sidecar.start();
    try {
      assert.equal(sidecar.prices().size, 0);
    } finally {
      await sidecar.stop();
    }
  });

  it("refuses a zero price, and a provider that never answers costs one poll, not the sidecar", async () => {
    const { url: zero, server } = await serve(() => ({
      status: 200,
      body: JSON.stringify({ data: { amount: "0.00", base: "BTC", currency: "USD" } }),
    }));
    servers.push(server);
    await assert.rejects(coinbase.fetchQuotes(zero, ["BTC/USD"]), /the price is zero/);

    const silent = createServer(() => {}); // accepts, reads, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const sidecar = exchangeSidecar([marketUrl, marketUrl, silentUrl], 10_000);
    const started = Date.now();
    const url = await sidecar.start();
    try {
      assert.ok(Date.now() - started < 6_000, "the first poll ends at the provider timeout");
      const body = (await (await fetch(`${url}/prices`)).json()) as {
        prices: Record<string, string>;
        providers: Record<string, { error: string | null }>;
      };
      assert.ok(body.prices["BTC/USD"], "the two answering providers still price BTC/USD");
      assert.match(body.providers.kraken?.error ?? "", /no answer within 3000 ms/);
      assert.equal(body.providers.binance?.error, null);
    } finally {
      await sidecar.stop();
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("takes the middle quote, or the mean of the middle two", () => {
    assert.equal(medianDecimal(["3", "1.5", "2"]), "2");
    assert.equal(medianDecimal(["1", "2"]), "1.5");
    assert.equal(medianDecimal(["0.000000000000000001", "0.000000000000000003"]), "0.000000000000000002");
  });
});

describe("chainlink provider", () => {
  /** An EVM JSON-RPC endpoint answering eth_call for one AggregatorV3 feed, ABI-encoded as a node would. */
  async function feedNode(answer: bigint, updatedAt: bigint): Promise<{ url: string; server: Server }> {
    const abi = parseAbi([
      "function decimals() view returns (uint8)",
      "function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)",
    ]);
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        const call = JSON.parse(body) as { id: number; method: string; params: [{ data: `0x${string}` }] };
        const { functionName } = decodeFunctionData({ abi, data: call.params[0].data });
        const result =
          functionName === "decimals"
            ? encodeFunctionResult({ abi, functionName, result: 8 })
            : encodeFunctionResult({ abi, functionName, result: [7n, answer, updatedAt, updatedAt, 7n] });
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ jsonrpc: "2.0", id: call.id, result }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
  }

  it("reads latestRoundData and decimals, and refuses stale or non-positive rounds", async () => {
    const now = BigInt(Math.floor(Date.now() / 1000));
    const feeds = { "BTC/USD": "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c" } as const;
    const fresh = await feedNode(9_701_234_000_000n, now - 60n);
    const stale = await feedNode(9_701_234_000_000n, now - 7200n);
    const negative = await feedNode(-1n, now);
    try {
      assert.deepEqual(await chainlink(feeds).fetchQuotes(fresh.url, ["BTC/USD", "TIA/USD"]), [
        { pair: "BTC/USD", price: "97012.34000000" },
      ]);
      await assert.rejects(chainlink(feeds).fetchQuotes(stale.url, ["BTC/USD"]), /stale/);
      await assert.rejects(chainlink(feeds).fetchQuotes(negative.url, ["BTC/USD"]), /not a price/);
    } finally {
      for (const node of [fresh, stale, negative]) node.server.close();
    }
  });
});

describe("stride provider", () => {
  const HostZoneResponse = protoCodec<{
    hostZone: { chainId: string; hostDenom: string; redemptionRate: string; halted: boolean };
  }>("metro.oracle.v1.StrideHostZoneResponse");

  /** A Stride node's CometBFT RPC answering abci_query for the host zone, in CometBFT's JSON. */
  async function strideNode(
    zone: { chainId: string; redemptionRate: string; halted: boolean },
    reshape: (response: Record<string, unknown>) => unknown = (response) => response,
  ) {
    const paths: string[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        const call = JSON.parse(body) as { id: number; method: string; params: { path: string } };
        paths.push(call.params.path);
        const value = HostZoneResponse.encode({ hostZone: { ...zone, hostDenom: "utia" } });
        const result = {
          response: reshape({
            code: 0,
            log: "",
            info: "",
            index: "0",
            key: null,
            value: Buffer.from(value).toString("base64"),
            proofOps: null,
            height: "42",
            codespace: "",
          }),
        };
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ jsonrpc: "2.0", id: call.id, result }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, paths };
  }

  it("reads the host zone's redemption rate as STTIA/TIA, and refuses halted or foreign zones", async () => {
    const good = await strideNode({
      chainId: "celestia",
      redemptionRate: "1083456789012345678",
      halted: false,
    });
    const halted = await strideNode({
      chainId: "celestia",
      redemptionRate: "1083456789012345678",
      halted: true,
    });
    const other = await strideNode({
      chainId: "cosmoshub-4",
      redemptionRate: "1200000000000000000",
      halted: false,
    });
    try {
      assert.deepEqual(await stride().fetchQuotes(good.url, ["STTIA/TIA", "BTC/USD"]), [
        { pair: "STTIA/TIA", price: "1.083456789012345678" },
      ]);
      assert.deepEqual(good.paths, [HOST_ZONE_QUERY]);
      await assert.rejects(stride().fetchQuotes(halted.url, ["STTIA/TIA"]), /halted/);
      await assert.rejects(stride().fetchQuotes(other.url, ["STTIA/TIA"]), /no host zone celestia/);
      assert.deepEqual(await stride().fetchQuotes(good.url, ["BTC/USD"]), [], "only STTIA/TIA");
    } finally {
      for (const node of [good, halted, other]) node.server.close();
    }
  });

  it("says a malformed reply is one, not what broke inside cosmjs (hostile-input campaign)", async () => {
    const zone = { chainId: "celestia", redemptionRate: "1083456789012345678", halted: false };
    const node = await strideNode(zone, (response) => ({ ...response, proofOps: 0 }));
    try {
      await assert.rejects(stride().fetchQuotes(node.url, ["STTIA/TIA"]), (error: Error) => {
        assert.ok(error instanceof ProviderError);
        assert.match(
          error.message,
          /^stride at http:\/\/127.0.0.1:\d+: malformed ABCI query reply from the node$/,
        );
        return true;
      });
    } finally {
      node.server.close();
    }
  });
});
