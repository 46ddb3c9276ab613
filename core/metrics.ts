/**
 * Prometheus metrics for Metro's long-running services: one prom-client Registry per service,
 * served as `GET /metrics` on its own port (127.0.0.1 unless told otherwise). Services keep
 * plain `stats` objects; the gauges here read them at scrape time, so the services' hot paths
 * never touch prom-client. Nothing secret is ever put in a metric: values are numbers, labels
 * are pair names, codes, provider names, peer ids and validator addresses.
 */
import { createServer, type Server } from "node:http";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { checkedOption, intOption, UsageError } from "./cli-args.js";
import { DEFAULT_HOST, httpUrl, ListenHostSchema } from "./listen.js";

export class MetricsPortInUseError extends Error {
  override name = "MetricsPortInUseError";
}

/** A registry whose metrics all carry `service="<name>"`; `processMetrics` adds Node's own (CPU, memory, event loop). */
export function serviceRegistry(service: string, options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

export interface MetricsServer {
  /** The scrape URL, `http://HOST:PORT/metrics`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface MetricsListen {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

/** Serves `registry` on GET /metrics; a port in use is a MetricsPortInUseError naming it. */
export async function serveMetrics(registry: Registry, listen: MetricsListen): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("metrics are at GET /metrics\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: Error) => response.writeHead(500, { "content-type": "text/plain" }).end(`${error.message}\n`),
    );
  });
  const port = await listenOn(server, listen);
  return {
    url: `${httpUrl(listen.host, port)}/metrics`,
    port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function listenOn(server: Server, { host, port }: MetricsListen): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new MetricsPortInUseError(`metrics port ${host}:${port} is in use: pick another --metrics-port`)
          : error,
      );
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/** The `--metrics-port` and `--metrics-host` flags every long-running command takes. */
export const METRICS_FLAGS = {
  "metrics-port": { type: "string" },
  "metrics-host": { type: "string" },
} as const;

/** Where to serve metrics from the flags; undefined (no metrics) without --metrics-port. */
export function metricsListenOption(values: {
  "metrics-port"?: string;
  "metrics-host"?: string;
}): MetricsListen | undefined {
  const port = values["metrics-port"];
  if (port === undefined) {
    if (values["metrics-host"] !== undefined) throw new UsageError("--metrics-host needs --metrics-port");
    return undefined;
  }
  const number = intOption(port, "metrics-port", 0);
  if (number > 65535) throw new UsageError(`--metrics-port must be at most 65535, got ${number}`);
  const host = values["metrics-host"];
  return {
    host: host === undefined ? DEFAULT_HOST : checkedOption(ListenHostSchema, host, "metrics-host"),
    port: number,
  };
}

type Labels = Record<string, string>;

/** A gauge whose value is read at scrape time. */
export function readGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

type Series = () => Iterable<readonly [Labels, number]>;

/** A gauge with labels, every series read at scrape time (series that vanished are dropped). */
export function readLabeledGauge(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: Series,
): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.set(labels, value);
    },
  });
}

/** A counter with labels mirroring running totals a service keeps, read at scrape time. */
export function readLabeledCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: Series,
): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

/** A counter mirroring a running total a service keeps (it only grows while the process lives). */
export function readCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/**
 * A service's metrics in one call: a registry named `service`, filled by `register`, served at
 * `listen`; nothing at all when `listen` is undefined (no --metrics-port).
 */
export async function serveServiceMetrics(
  service: string,
  listen: MetricsListen | undefined,
  register: (registry: Registry) => void,
  options: { processMetrics?: boolean } = { processMetrics: true },
): Promise<MetricsServer | undefined> {
  if (!listen) return undefined;
  const registry = serviceRegistry(service, options);
  register(registry);
  return serveMetrics(registry, listen);
}

/**
 * The samples of a Prometheus text page by metric name, labels aside (services label every
 * sample with their name); of a labeled family, the first sample.
 */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(2000) })).text();
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name && !values.has(name)) values.set(name, Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return values;
}

/** A gauge's value from a Prometheus text page; an error when the page has none. */
export async function scrapeGauge(url: string, name: string): Promise<number> {
  const value = (await scrapeMetrics(url)).get(name);
  if (value === undefined) throw new Error(`${url} has no ${name}`);
  return value;
}
