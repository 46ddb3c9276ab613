import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { Counter } from "prom-client";
import type { Logger } from "../../core/log.js";
import { prettyLine } from "../../core/log-pretty.js";
import {
  MetricsPortInUseError,
  metricsListenOption,
  readCounter,
  readGauge,
  readLabeledGauge,
  serveMetrics,
  serviceRegistry,
} from "../../core/metrics.js";
import { formatDuration, Progress, Throttle } from "../../core/progress.js";
import { CatchUpLog } from "../../relayer/catch-up.js";

async function scrape(url: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

describe("core/metrics", () => {
  it("serves a registry on GET /metrics in Prometheus text format, values read at scrape time", async () => {
    const registry = serviceRegistry("test-service");
    let height = 5;
    readGauge(registry, "test_height", "a height", () => height);
    const server = await serveMetrics(registry, { host: "127.0.0.1", port: 0 });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const first = await scrape(server.url);
      assert.equal(first.status, 200);
      assert.match(first.type ?? "", /^text\/plain; version=0\.0\.4/);
      assert.match(first.text, /^test_height\{service="test-service"\} 5$/m);
      height = 9;
      assert.match((await scrape(server.url)).text, /^test_height\{service="test-service"\} 9$/m);
      assert.equal((await scrape(server.url.replace("/metrics", "/other"))).status, 404);
      const post = await fetch(server.url, { method: "POST" });
      assert.equal(post.status, 405);
    } finally {
      await server.close();
    }
  });

  it("refuses a port in use with an error naming it", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      await assert.rejects(
        serveMetrics(serviceRegistry("x"), { host: "127.0.0.1", port }),
        (error: Error) =>
          error instanceof MetricsPortInUseError &&
          error.message.includes(`127.0.0.1:${port} is in use`) &&
          error.message.includes("--metrics-port"),
      );
    } finally {
      holder.close();
    }
  });

  it("keeps each service's registry apart: same names, separate values and labels", async () => {
    const a = serviceRegistry("a");
    const b = serviceRegistry("b");
    readCounter(a, "test_total", "a total", () => 3);
    readCounter(b, "test_total", "a total", () => 7);
    readLabeledGauge(b, "test_peer_score", "scores", ["peer"], () => [[{ peer: "p1" }, -2] as const]);
    const [textA, textB] = [await a.metrics(), await b.metrics()];
    assert.match(textA, /^test_total\{service="a"\} 3$/m);
    assert.doesNotMatch(textA, /test_peer_score|service="b"/);
    assert.match(textB, /^test_total\{service="b"\} 7$/m);
    assert.match(textB, /^test_peer_score\{peer="p1",service="b"\} -2$/m);
    // The global registry is never used: a metric of the same name elsewhere does not clash.
    new Counter({ name: "test_total", help: "global" }).inc();
  });

  it("drops labeled series that vanished since the last scrape", async () => {
    const registry = serviceRegistry("s");
    let peers: [string, number][] = [
      ["p1", 1],
      ["p2", 2],
    ];
    readLabeledGauge(registry, "test_score", "scores", ["peer"], () =>
      peers.map(([peer, score]) => [{ peer }, score] as const),
    );
    assert.match(await registry.metrics(), /peer="p2"/);
    peers = [["p1", 1]];
    assert.doesNotMatch(await registry.metrics(), /peer="p2"/);
  });

  it("parses --metrics-port and --metrics-host, with clear errors", () => {
    assert.equal(metricsListenOption({}), undefined);
    assert.deepEqual(metricsListenOption({ "metrics-port": "9100" }), { host: "127.0.0.1", port: 9100 });
    assert.deepEqual(metricsListenOption({ "metrics-port": "0", "metrics-host": "::1" }), {
      host: "::1",
      port: 0,
    });
    assert.throws(
      () => metricsListenOption({ "metrics-port": "x" }),
      /--metrics-port must be a whole number/,
    );
    assert.throws(() => metricsListenOption({ "metrics-port": "70000" }), /at most 65535/);
    assert.throws(() => metricsListenOption({ "metrics-host": "::1" }), /needs --metrics-port/);
    assert.throws(
      () => metricsListenOption({ "metrics-port": "1", "metrics-host": "localhost" }),
      /--metrics-host "localhost"/,
    );
  });
});

describe("core/progress", () => {
  it("formats durations for people", () => {
    assert.equal(formatDuration(850), "850 ms");
    assert.equal(formatDuration(12_400), "12 s");
    assert.equal(formatDuration(185_000), "3 min 05 s");
    assert.equal(formatDuration(7_800_000), "2 h 10 min");
  });

  it("gives the rate and an ETA from the work done so far", () => {
    const progress = new Progress(1000, 0);
    assert.equal(progress.etaMs(0, 5000), undefined);
    assert.equal(progress.rate(250, 5000), 50);
    assert.equal(progress.etaMs(250, 5000), 15_000);
    assert.equal(progress.describe(250, "keys", 5000), "250/1000 keys (25%), 50/s, ETA 15 s");
    progress.setTotal(500);
    assert.equal(progress.etaMs(250, 5000), 5000);
  });

  it("throttles to once per interval", () => {
    const throttle = new Throttle(1000);
    assert.equal(throttle.ready(0), true);
    assert.equal(throttle.ready(999), false);
    assert.equal(throttle.ready(1000), true);
  });
});

describe("core/log-pretty", () => {
  it("turns a pino JSON line into a readable one, fields as key=value", () => {
    const time = new Date(2025, 0, 1, 12, 3, 4).getTime();
    const line = JSON.stringify({
      level: 40,
      time,
      pid: 1,
      name: "metro-relayer",
      msg: "reading Metro failed; retrying",
      height: 5,
      err: { type: "Error", message: "connect ECONNREFUSED", stack: "..." },
      peer: "has space",
    });
    assert.equal(
      prettyLine(line),
      '12:03:04 WARN  metro-relayer: reading Metro failed; retrying height=5 err="connect ECONNREFUSED" peer="has space"',
    );
    assert.equal(prettyLine("not json"), "not json");
  });
});

describe("relayer catch-up log", () => {
  it("logs heights behind, rate and ETA at a bounded rate, then once when caught up", () => {
    const lines: { fields: Record<string, unknown>; msg: string }[] = [];
    const log = { info: (fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg }) };
    const catchUp = new CatchUpLog(log as unknown as Logger);
    catchUp.update(100, 105, 0); // ordinary following: nothing
    assert.equal(lines.length, 0);
    catchUp.update(100, 200, 0);
    assert.deepEqual(lines[0], {
      fields: { behind: 100, head: 200 },
      msg: "catching up: 100 heights behind Metro",
    });
    for (let t = 1; t <= 40; t++) catchUp.update(100 + t, 200, t * 100); // 10 heights a second
    assert.equal(lines.length, 1, "at most one line every 5 s");
    catchUp.update(150, 200, 5000);
    assert.deepEqual(lines[1]?.fields, { behind: 50, head: 200, perSecond: 10, eta: "5 s" });
    catchUp.update(199, 200, 9900);
    assert.equal(lines[2]?.msg, "caught up with Metro");
    assert.deepEqual(lines[2]?.fields, { caughtUp: 99, head: 200, took: "10 s" });
  });
});
