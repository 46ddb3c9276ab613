import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import {
  DashboardError,
  DashboardServer,
  dashboardCommand,
  emptySnapshot,
  keplrChainInfo,
  type Snapshot,
} from "../../dashboard/index.js";
import { rejectsUsage } from "../support/usage.js";

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

describe("metro dashboard flags", () => {
  it("refuses a listen host that is not an IP and public URLs that are not http(s), before listening", async () => {
    const refused = (args: string[], message: RegExp) => rejectsUsage(dashboardCommand(args), message);
    await refused(["--host", "dashboard.local"], /--host "dashboard\.local": an IPv4 or IPv6 address/);
    await refused(["--public-rpc", "ftp://rpc.example.org"], /--public-rpc "ftp:\/\/rpc\.example\.org"/);
    await refused(["--public-rest", "rest.example.org"], /--public-rest .*an http\(s\) URL/);
  });
});
