import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { UsageError } from "../../core/cli-args.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import {
  DashboardError,
  DashboardServer,
  dashboardOptions,
  emptySnapshot,
  keplrChainInfo,
  ProgressReader,
  parseExposition,
  type Snapshot,
} from "../../dashboard/index.js";

const EMPTY: Snapshot = {
  ...emptySnapshot([
    { name: "node", url: "http://127.0.0.1:1", up: false, error: "fetch failed", checkedAt: "" },
  ]),
  updatedAt: "2026-01-01T00:00:00.000Z",
};

describe("Keplr chain info", () => {
  it("names the chain, its endpoints, Metro's prefixes and stTIA as fee and stake currency", () => {
    const info = keplrChainInfo({
      chainId: "metro-x",
      rpc: "http://r",
      rest: "http://l",
      minGasPrice: "0.002",
    });
    assert.equal(info.chainId, "metro-x");
    assert.equal(info.rpc, "http://r");
    assert.equal(info.rest, "http://l");
    assert.equal(info.bech32Config.bech32PrefixAccAddr, "metro");
    assert.equal(info.bech32Config.bech32PrefixValAddr, "metrovaloper");
    assert.equal(info.bech32Config.bech32PrefixConsPub, "metrovalconspub");
    const stTia = { coinDenom: "stTIA", coinMinimalDenom: DEFAULT_LST_DENOM, coinDecimals: 6 };
    assert.deepEqual(info.stakeCurrency, stTia);
    assert.deepEqual(info.currencies, [stTia]);
    assert.deepEqual(info.feeCurrencies, [
      { ...stTia, gasPriceStep: { low: 0.002, average: 0.0025, high: 0.004 } },
    ]);
  });
});

describe("the dashboard server", () => {
  const web = mkdtempSync(join(tmpdir(), "metro-dashboard-web-"));
  const missing = join(web, "not-built");
  let snapshot = EMPTY;
  const server = new DashboardServer({ current: () => snapshot }, web);
  let url = "";

  before(async () => {
    mkdirSync(join(web, "assets"));
    writeFileSync(join(web, "index.html"), "<!doctype html><title>page</title>");
    writeFileSync(join(web, "assets", "app.js"), "console.log(1)");
    url = await server.listen(0);
  });

  after(async () => {
    await server.close();
    rmSync(web, { recursive: true, force: true });
  });

  it("serves the page, its assets and the snapshot", async () => {
    const page = await fetch(url);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(await page.text(), /<title>page<\/title>/);
    assert.equal(
      (await fetch(`${url}/assets/app.js`)).headers.get("content-type"),
      "text/javascript; charset=utf-8",
    );
    assert.deepEqual(await (await fetch(`${url}/api/state`)).json(), EMPTY);
  });

  it("answers chain info 503 with the node's error until the chain is read, then the JSON", async () => {
    const refused = await fetch(`${url}/chain-info.json`);
    assert.equal(refused.status, 503);
    assert.deepEqual(await refused.json(), { error: "chain info unavailable: fetch failed" });
    const chainInfo = keplrChainInfo({ chainId: "metro-x", rpc: "r", rest: "l", minGasPrice: "0.002" });
    snapshot = { ...EMPTY, chainInfo };
    assert.deepEqual(await (await fetch(`${url}/chain-info.json`)).json(), chainInfo);
    snapshot = EMPTY;
  });

  it("serves nothing outside its folder, no folders, and no other methods", async () => {
    for (const path of ["/%2e%2e/%2e%2e/etc/passwd", "/assets", "/assets/", "/nope.js"]) {
      assert.equal((await fetch(`${url}${path}`)).status, 404, path);
    }
    assert.equal((await fetch(url, { method: "POST" })).status, 405);
  });

  it("says how to build the page when it is not built", async () => {
    const bare = new DashboardServer({ current: () => EMPTY }, missing);
    const bareUrl = await bare.listen(0);
    try {
      const response = await fetch(bareUrl);
      assert.equal(response.status, 500);
      assert.match(await response.text(), /not built .* run npm run build/);
    } finally {
      await bare.close();
    }
  });

  it("refuses a port in use with a clear error", async () => {
    const port = Number(new URL(url).port);
    const second = new DashboardServer({ current: () => EMPTY }, web);
    await assert.rejects(second.listen(port), (error: Error) => {
      assert.ok(error instanceof DashboardError);
      assert.equal(
        error.message,
        `port 127.0.0.1:${port} is in use: stop what holds it or pick another port`,
      );
      return true;
    });
  });
});

describe("reading Prometheus text", () => {
  it("sums each metric over its labels, skipping comments and lines that are no sample", () => {
    const text = [
      "# HELP metro_checktx_total CheckTx results",
      "# TYPE metro_checktx_total counter",
      'metro_checktx_total{code="0",service="metro-app"} 7',
      'metro_checktx_total{code="5",note="a } in quotes"} 2 1700000000000',
      "metro_height 41",
      "metro_bucket_le +Inf",
      "<html>not metrics</html>",
      "hello world",
      "",
    ].join("\n");
    assert.deepEqual(parseExposition(text), {
      metro_checktx_total: 9,
      metro_height: 41,
      metro_bucket_le: Number.POSITIVE_INFINITY,
    });
  });
});

/** A relayer's exposition as registerRelayerMetrics serves it (service label and all). */
const RELAYER_TEXT = [
  ["metro_relayer_metro_height", 20],
  ["metro_relayer_gossip_lag_blocks", 1],
  ["metro_relayer_posted_through", 17],
  ["metro_relayer_da_lag_blocks", 3],
  ["metro_relayer_posts_total", 9],
  ["metro_relayer_retries_total", 2],
  ["metro_relayer_posted_bytes_total", 1000],
  ["metro_relayer_raw_bytes_total", 4000],
  ["metro_gossip_peers", 1],
]
  .map(([name, value]) => `${name}{service="metro-relayer"} ${value}`)
  .join("\n");

describe("the relayer's and the DA's progress from their metrics", () => {
  let body = RELAYER_TEXT;
  const server: Server = createServer((request, response) =>
    request.url?.startsWith("/metrics") ? response.end(body) : response.writeHead(404).end("no"),
  );
  let base = "";

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  after(() => server.close());

  it("reads the relayer's progress, keeps it through a bad reply, and names what the reply lacks", async () => {
    const reader = new ProgressReader({ relayerMetrics: `${base}/metrics` });
    const good = await reader.read(undefined);
    assert.deepEqual(good.relayer.progress, {
      metroHeight: 20,
      gossipedThrough: 19,
      postedThrough: 17,
      daLag: 3,
      posts: 9,
      retries: 2,
      postedBytes: 1000,
      rawBytes: 4000,
      peers: 1,
    });
    assert.deepEqual(
      good.metrics.map((e) => [e.name, e.up]),
      [["relayer", true]],
    );
    body = "metro_relayer_metro_height 21\nmetro_relayer_posted_through -1";
    const bad = await reader.read(undefined);
    body = RELAYER_TEXT;
    assert.match(
      bad.errors.relayer ?? "",
      /does not serve a Metro relayer's metrics: no usable metro_relayer_gossip_lag_blocks, metro_relayer_posted_through, metro_relayer_da_lag_blocks and 5 more$/,
    );
    assert.equal(bad.metrics[0]?.up, false);
    assert.equal(bad.relayer.progress?.postedThrough, 17, "the last good reading stays");
  });

  it("lists every endpoint once, down with its error when it is missing or answers no samples", async () => {
    const reader = new ProgressReader({
      daMetrics: `${base}/nope`,
      metrics: [
        { name: "app", url: `${base}/metrics` },
        { name: "again", url: `${base}/metrics` },
      ],
    });
    reader.watch({ name: "html", url: `${base}/metrics?html` });
    body = "<html>a page</html>";
    const read = await reader.read(undefined);
    body = RELAYER_TEXT;
    assert.deepEqual(
      read.metrics.map((e) => [e.name, e.up, e.error]),
      [
        ["local DA", false, `GET ${base}/nope: HTTP 404`],
        ["app", false, `${base}/metrics answered no Prometheus samples`],
        ["html", false, `${base}/metrics?html answered no Prometheus samples`],
      ],
    );
    assert.equal(read.errors.da, `GET ${base}/nope: HTTP 404`);
    assert.equal(read.da.metrics, undefined);
  });
});

describe("metro dashboard's flags", () => {
  it("takes the relayer's, the DA's and any other metrics URLs", () => {
    const options = dashboardOptions([
      "--relayer-metrics",
      "http://127.0.0.1:26690/metrics",
      "--metrics",
      "validator 0 app=http://127.0.0.1:26660/metrics",
      "--metrics",
      "comet=http://127.0.0.1:26661/metrics?x=1",
    ]);
    assert.equal(options.relayerMetrics, "http://127.0.0.1:26690/metrics");
    assert.deepEqual(options.metrics, [
      { name: "validator 0 app", url: "http://127.0.0.1:26660/metrics" },
      { name: "comet", url: "http://127.0.0.1:26661/metrics?x=1" },
    ]);
    assert.equal(options.host, "127.0.0.1");
  });

  it("refuses a URL that is not http(s) and a --metrics without a name, naming the flag", () => {
    for (const [args, message] of [
      [
        ["--da-metrics", "127.0.0.1:26691"],
        /^--da-metrics "127.0.0.1:26691": an http:\/\/ or https:\/\/ URL$/,
      ],
      [["--node", "ftp://127.0.0.1"], /^--node /],
      [["--metrics", "http://127.0.0.1:1/metrics"], /^--metrics .*NAME=URL, a name before the =/],
      [["--metrics", "app=nope"], /^--metrics "app=nope": an http:\/\/ or https:\/\/ URL$/],
      [["--host", "dashboard.local"], /--host "dashboard\.local": an IPv4 or IPv6 address/],
      [["--public-rpc", "ftp://rpc.example.org"], /^--public-rpc "ftp:\/\/rpc\.example\.org"/],
      [["--public-rest", "rest.example.org"], /^--public-rest .*an http:\/\/ or https:\/\/ URL/],
    ] as const) {
      assert.throws(
        () => dashboardOptions([...args]),
        (error: Error) => error instanceof UsageError && message.test(error.message),
        args.join(" "),
      );
    }
  });
});
