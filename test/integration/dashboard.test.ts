/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core) against four
 * real validators, a local DA and a relayer: the height advancing on screen, every metrics
 * endpoint up, the relayer's and the DA's progress from their metrics, a CLI tx with its rollups,
 * a rollup's header pending then final, the price chart and each validator's vote against
 * `metro query prices`, a validator jailed for downtime with its missed price votes, Keplr's
 * chain info, and nodes that are down or answer garbage shown as down with their error.
 * Screenshots go to test-artifacts/.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { operatorAddresses, TEST_MNEMONIC } from "../../chain/client/keys.js";
import { connectSigner, type MetroSigner } from "../../chain/client/signing.js";
import { DEVNET_CHAIN_ID } from "../../chain/node/home.js";
import { nodeStatus } from "../../chain/node/rpc.js";
import { RestServer } from "../../chain/rest/index.js";
import { operatorAddress } from "../../core/address.js";
import { toHex } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { createLogger } from "../../core/log.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { type MetricsEndpoint, type RunningDashboard, startDashboard } from "../../dashboard/index.js";
import { metroCli } from "../support/cli.js";
import { startNetwork, type TestNetwork, until } from "../support/network.js";
import { PriceServer } from "../support/price-server.js";
import { startTestRelaying, type TestRelaying } from "../support/relaying.js";
import { firstHeader, registerRollup, signHeader, submitHeader } from "../support/rollup-headers.js";

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
  let relaying: TestRelaying;
  let user: MetroSigner;
  let dashboard: RunningDashboard;
  let browser: BrowserContext;
  let page: Page;
  const profile = mkdtempSync(join(tmpdir(), "metro-chromium-"));
  const home = mkdtempSync(join(tmpdir(), "metro-dashboard-"));
  const metrics: MetricsEndpoint[] = [];
  /** Every URL the page asked for: the dashboard's own, nothing from the internet. */
  const requested: string[] = [];
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
        devnet.metrics = true;
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
    relaying = await startTestRelaying({
      metroRpc: net.rpc(0),
      home,
      batchIntervalMs: 1000,
      metrics: true,
      log,
    });
    user = await connectSigner(net.rpc(0), TEST_MNEMONIC, 6);
    net.devnet.specs.forEach((_, i) => {
      const urls = net.devnet.metricsUrls(i);
      metrics.push(
        { name: `validator ${i} app`, url: urls.app },
        { name: `validator ${i} CometBFT`, url: urls.comet },
      );
    });
    dashboard = await startDashboard({
      rpc: net.rpc(0),
      rest: `http://127.0.0.1:${restPort}`,
      publicRest: PUBLIC_REST,
      daUrl: relaying.daUrl,
      relayerMetrics: relaying.metricsUrls.relayer,
      daMetrics: relaying.metricsUrls.da,
      metrics,
      port: 0,
      log,
    });
    browser = await launchBrowser(profile);
    page = await browser.newPage();
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(dashboard.url);
  });

  after(async () => {
    await browser?.close();
    await dashboard?.stop();
    user?.client.disconnect();
    await relaying?.stop();
    await rest?.close();
    await net?.stop();
    for (const sidecar of sidecars) sidecar.stop();
    rmSync(profile, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const shownHeight = async () => Number(await page.locator("#height").textContent());

  it("shows the height advancing without a reload", async () => {
    await until("a height is shown", async () => (await shownHeight()) > 0, 30_000);
    const first = await shownHeight();
    await until("the shown height advances", async () => (await shownHeight()) > first, 30_000);
    // The node, REST and the DA's JSON-RPC; then every metrics endpoint, the relayer's and the DA's first.
    const up = (list: string) => page.locator(`${list} li[data-up='true']`).count();
    await until("the node, REST and DA are up", async () => (await up("#endpoints")) === 3, 15_000);
    await until(
      "every metrics endpoint is up",
      async () => (await up("#metrics")) === metrics.length + 2,
      15_000,
    );
    assert.ok(requested.length > 3, "the page polls");
    assert.deepEqual(
      requested.filter((url) => !url.startsWith(`${dashboard.url}/`)),
      [],
      "the page reads only its own server",
    );
    await shot("height");
  });

  /** A number the page shows in a `data-fact` of a section. */
  const fact = async (section: string, name: string) =>
    Number.parseInt((await page.locator(`#${section} [data-fact="${name}"]`).textContent()) ?? "", 10);
  const scrape = async (url: string, metric: string) => {
    const line = (await (await fetch(url)).text()).split("\n").find((l) => l.startsWith(`${metric}{`));
    return Number(line?.split(" ").at(-1));
  };

  it("shows the relayer's and the DA's progress from their metrics", async () => {
    const relayerUrl = relaying.metricsUrls.relayer!;
    await until(
      "the relayer posts",
      async () => (await scrape(relayerUrl, "metro_relayer_posted_through")) > 0,
    );
    const posted = await scrape(relayerUrl, "metro_relayer_posted_through");
    const daHeight = await scrape(relaying.metricsUrls.da!, "metro_da_height");
    // The page catches up with what the metrics said a moment ago, and never runs ahead of them.
    await until(
      "the page shows the relayer's postings",
      async () => (await fact("relayer", "posted-through")) >= posted,
    );
    await until("the page shows the DA's height", async () => (await fact("da", "head")) >= daHeight);
    assert.ok(
      (await fact("relayer", "posted-through")) <= (await scrape(relayerUrl, "metro_relayer_posted_through")),
    );
    assert.ok((await fact("relayer", "peers")) >= 0);
    await until("Metro's blocks are found on the DA", async () => (await fact("da", "metro-found")) > 0);
    assert.match(
      (await page.locator('#da [data-fact="blobs"]').textContent()) ?? "",
      /^[1-9]\d* \(\d+ B\), \d+ waiting$/,
    );
    await shot("relayer-da");
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

  it("lists a governance proposal with its status", async () => {
    const title = "Dashboard check";
    const proposal = {
      messages: [],
      initialDeposit: [{ denom: DEFAULT_LST_DENOM, amount: "10000000" }],
      proposer: user.address,
      metadata: "",
      title,
      summary: "",
      expedited: false,
    };
    const proposed = await user.client.signAndBroadcast(
      user.address,
      [{ typeUrl: "/cosmos.gov.v1.MsgSubmitProposal", value: proposal }],
      "auto",
    );
    assert.equal(proposed.code, 0, proposed.rawLog);
    const row = page.locator("#governance tbody tr").filter({ hasText: title });
    await row.waitFor();
    assert.match((await row.locator("td").nth(2).textContent()) ?? "", /^(deposit|voting) period$/);
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
    // Equal power, votes 5.1 5.2 5.3 5.4: every validator's vote is charted at that height and
    // listed beside the chart.
    const tia = priced.find((p) => p.pair === "TIA/USD")!;
    const rings = page.locator(`svg.chart[data-pair="TIA/USD"] circle.vote[data-height="${tia.height}"]`);
    const ringPrices = await rings.evaluateAll((all) =>
      all.map((ring) => Number(ring.getAttribute("data-price"))),
    );
    assert.deepEqual(ringPrices.sort(), [5.1, 5.2, 5.3, 5.4]);
    const voters = await rings.evaluateAll((all) => all.map((ring) => ring.getAttribute("data-validator")));
    assert.equal(new Set(voters).size, 4, "one vote per validator");
    const votes = page.locator(`.pair[data-pair="TIA/USD"] tbody tr`);
    assert.equal(await votes.count(), 4);
    await shot("prices");
  });

  it("shows a registered rollup's header pending through its window, then final", async () => {
    // Validator 3 stops now: its jailing (the next test) comes while the header's window passes.
    await net.devnet.validators[3]!.stop();
    const rollup = { name: "dash-headers", quorum: "0.67", window: 4n };
    await registerRollup(net, user, rollup, [0]);
    const rollupId = rollupIdFromName(rollup.name);
    const { height } = await nodeStatus(net.rpc(0));
    const header = firstHeader(rollupId, BigInt(height - 1), 1);
    const accepted = await submitHeader(user, signHeader(net, header, [0], [0]));
    assert.equal(accepted.code, 0, accepted.rawLog);
    const cells = page.locator(`#rollups tr[data-rollup-id="${toHex(rollupId)}"] td`);
    const headersShown = (text: string) => async () => (await cells.nth(3).textContent()) === text;
    await until("the header is shown pending", headersShown("latest 1, final through 0, 1 pending"), 15_000);
    assert.equal(await cells.nth(0).textContent(), rollup.name);
    assert.equal(await cells.nth(4).textContent(), "none", "no challenges");
    await until("the header is shown final", headersShown("latest 1, final through 1, 0 pending"), 30_000);
    await shot("headers");
  });

  it("shows the validator that stopped signing as jailed", async () => {
    const operator = operatorAddress((await operatorAddresses(4))[3]!);
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
      // The price votes it missed count against it in the oracle's penalty window (of 50 allowed).
      const oracle = page.locator(`#validators tr[data-operator="${operator}"] td`).nth(6);
      assert.match((await oracle.textContent()) ?? "", /^[1-9]\d*(\.\d+)? \/ 50$/);
      for (const uptime of await page.locator("#validators tbody tr td:nth-child(6)").allTextContents()) {
        assert.match(uptime, /^\d+\.\d% \(\d+ of 10 missed\)$/, "uptime over the 10-block window");
      }
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
      for (const [name, rpc, error, metricsError] of [
        ["garbage", garbageUrl, "unexpected response", "does not serve a Metro relayer's metrics"],
        ["closed", closed, "fetch failed", "fetch failed"],
      ] as const) {
        const relayerMetrics = `${rpc}/metrics`;
        const down = await startDashboard({
          rpc,
          rest: rpc,
          relayerMetrics,
          metrics: [{ name: "validator 0 app", url: `${rpc}/app-metrics` }],
          port: 0,
          log,
        });
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
          // The relayer's panel and the metrics list say the same of their endpoints, each its own error.
          assert.match(
            (await other.locator("#relayer .error").textContent()) ?? "",
            new RegExp(metricsError),
          );
          const metricsDown = other.locator("#metrics li[data-up='false']");
          assert.equal(await metricsDown.count(), 2);
          assert.match(
            (await metricsDown.nth(1).textContent()) ?? "",
            /app-metrics: .*(no Prometheus samples|fetch failed)/,
          );
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
