/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core) against four
 * real validators: the height advancing on screen, a CLI tx with its rollups, the price chart
 * against `metro query prices`, a validator jailed for downtime, Keplr's chain info, and nodes
 * that are down or answer garbage shown as down with their error. Screenshots go to test-artifacts/.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { operatorAddresses } from "../../chain/client/keys.js";
import { DEVNET_CHAIN_ID } from "../../chain/node/home.js";
import { RestServer } from "../../chain/rest/index.js";
import { operatorAddress } from "../../core/address.js";
import { toHex } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { createLogger } from "../../core/log.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { type RunningDashboard, startDashboard } from "../../dashboard/index.js";
import { metroCli } from "../support/cli.js";
import { startNetwork, type TestNetwork, until } from "../support/network.js";
import { PriceServer } from "../support/price-server.js";

/** The REST URL wallets on other machines are given (never dialed here). */
const PUBLIC_REST = "https://rest.metro.example.org";

const ARTIFACTS = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "test-artifacts",
  "dashboard",
);
const log = createLogger("test-dashboard", "error");

/** Chromium as the CI installs it; no network is needed or reached. */
async function launchBrowser(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1400, height: 1600 },
  });
}

describe("the dashboard in chromium, four validators", () => {
  let net: TestNetwork;
  let rest: RestServer;
  let dashboard: RunningDashboard;
  let browser: BrowserContext;
  let page: Page;
  const profile = mkdtempSync(join(tmpdir(), "metro-chromium-"));
  const sidecars = Array.from({ length: 4 }, () => new PriceServer());
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    sidecars.forEach((sidecar, i) => {
      sidecar.prices = { "TIA/USD": (5.1 + i / 10).toFixed(8), "BTC/USD": (97000 + 100 * i).toFixed(5) };
    });
    const urls = await Promise.all(sidecars.map((s) => s.start()));
    net = await startNetwork(
      4,
      (devnet) => {
        devnet.specs.forEach((spec, i) => {
          writeFileSync(join(spec.home, "oracle-url"), urls[i]!);
        });
      },
      // A short liveness window, so a stopped validator is jailed within seconds.
      {
        slashing: {
          params: {
            signed_blocks_window: "10",
            min_signed_per_window: "0.5",
            downtime_jail_seconds: "600",
            slash_fraction_double_sign: "0.05",
            slash_fraction_downtime: "0.01",
          },
        },
      },
    );
    rest = new RestServer(net.rpc(0), log);
    const restPort = await rest.listen(0);
    const restUrl = `http://127.0.0.1:${restPort}`;
    dashboard = await startDashboard({
      rpc: net.rpc(0),
      rest: restUrl,
      publicRest: PUBLIC_REST,
      port: 0,
      log,
    });
    browser = await launchBrowser(profile);
    page = await browser.newPage();
    await page.goto(dashboard.url);
  });

  after(async () => {
    await browser?.close();
    await dashboard?.stop();
    await rest?.close();
    await net?.stop();
    for (const sidecar of sidecars) sidecar.stop();
    rmSync(profile, { recursive: true, force: true });
  });

  const shownHeight = async () => Number(await page.locator("#height").textContent());

  it("shows the height advancing without a reload", async () => {
    await until("a height is shown", async () => (await shownHeight()) > 0, 30_000);
    const first = await shownHeight();
    await until("the shown height advances", async () => (await shownHeight()) > first, 30_000);
    assert.equal(await page.locator("#endpoints li[data-up='true']").count(), 2, "node and REST are up");
    await shot("height");
  });

  it("lists a tx sent with the CLI in its block, with the rollups it touched", async () => {
    const sent = JSON.parse(
      await metroCli(
        "tx",
        "sequence",
        "--rollup",
        "dash-a=hello",
        "--rollup",
        "dash-b=0xdeadbeef",
        "--node",
        net.rpc(0),
        "--from",
        "1",
      ),
    ) as { code: number; height: number };
    assert.equal(sent.code, 0);
    const row = page.locator(`#blocks tr[data-height="${sent.height}"]`);
    for (const name of ["dash-a", "dash-b"]) {
      const id = toHex(rollupIdFromName(name));
      await row.locator(`.rollup[data-rollup-id="${id}"]`).waitFor();
      await page.locator(`#rollups tr[data-rollup-id="${id}"]`).waitFor();
    }
    assert.equal(await row.locator("td").nth(3).textContent(), "1", "one user tx");
    await shot("tx");
  });

  it("charts the prices `metro query prices` reports, and each validator's vote", async () => {
    const { prices } = JSON.parse(await metroCli("query", "prices", "--node", net.rpc(0))) as {
      prices: { pair: string; height?: string; decimal?: string }[];
    };
    const priced = prices.filter((p) => p.decimal !== undefined);
    assert.deepEqual(priced.map((p) => p.pair).sort(), ["BTC/USD", "TIA/USD"]);
    for (const price of priced) {
      const point = page.locator(
        `svg.chart[data-pair="${price.pair}"] circle.point[data-height="${price.height}"]`,
      );
      await point.waitFor({ state: "attached" });
      assert.equal(await point.getAttribute("data-price"), price.decimal, `${price.pair} at ${price.height}`);
    }
    // Equal power, votes 5.1 5.2 5.3 5.4: every validator's vote is listed beside the chart.
    const votes = page.locator(`.pair[data-pair="TIA/USD"] tbody tr`);
    assert.equal(await votes.count(), 4);
    await shot("prices");
  });

  it("shows a validator that stopped signing as jailed", async () => {
    const operator = operatorAddress((await operatorAddresses(4))[3]!);
    await net.devnet.validators[3]!.stop();
    const state = page.locator(`#validators tr[data-operator="${operator}"] .state`);
    try {
      const jailed = async () => (await state.textContent()) === "jailed";
      await until("the stopped validator is shown jailed", jailed, 60_000);
      // CometBFT applies the validator update two heights after the jailing block.
      const power = page.locator(`#validators tr[data-operator="${operator}"] td`).nth(3);
      await until(
        "the jailed validator shown with no power",
        async () => (await power.textContent()) === "0",
        30_000,
      );
    } finally {
      await shot("jailed");
    }
  });

  it("serves Keplr's chain info and shows it", async () => {
    const info = (await (await fetch(`${dashboard.url}/chain-info.json`)).json()) as Record<string, unknown>;
    assert.equal(info.chainId, DEVNET_CHAIN_ID);
    assert.equal(info.rpc, net.rpc(0), "the RPC it reads, as no public one was given");
    assert.equal(info.rest, PUBLIC_REST, "the public REST URL, not the one it reads on loopback");
    assert.deepEqual(info.stakeCurrency, {
      coinDenom: "stTIA",
      coinMinimalDenom: DEFAULT_LST_DENOM,
      coinDecimals: 6,
    });
    assert.deepEqual(JSON.parse((await page.locator("#chain-info").textContent()) ?? ""), info);
    await page.locator("#keplr-button").click();
    assert.equal(
      await page.locator("#keplr-result").textContent(),
      "Keplr is not installed in this browser.",
    );
  });

  it("shows a node that is down or answers garbage as down, with its error", async () => {
    const garbage: Server = createServer((_request, response) => response.end("<html>not a node</html>"));
    await new Promise<void>((resolve) => garbage.listen(0, "127.0.0.1", resolve));
    const garbageUrl = `http://127.0.0.1:${(garbage.address() as { port: number }).port}`;
    const closed = await new Promise<string>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(`http://127.0.0.1:${port}`));
      });
    });
    try {
      for (const [name, rpc, error] of [
        ["garbage", garbageUrl, "unexpected response"],
        ["closed", closed, "fetch failed"],
      ] as const) {
        const down = await startDashboard({ rpc, rest: rpc, port: 0, log });
        try {
          const other = await browser.newPage();
          await other.goto(down.url);
          const banner = other.locator("#banner");
          const says = async () => (await banner.textContent())?.includes(error) === true;
          await until(`the page says ${name} is down`, says, 15_000);
          assert.match((await banner.textContent()) ?? "", new RegExp(`${rpc} is down: .*${error}`));
          assert.match(
            (await other.locator("#endpoints li[data-up='false']").first().textContent()) ?? "",
            /down/,
          );
          assert.match((await other.locator("#blocks .error").textContent()) ?? "", /the node is down/);
          const info = await fetch(`${down.url}/chain-info.json`);
          assert.equal(info.status, 503);
          await other.screenshot({ path: join(ARTIFACTS, `down-${name}.png`), fullPage: true });
          await other.close();
        } finally {
          await down.stop();
        }
      }
    } finally {
      garbage.close();
    }
  });
});
