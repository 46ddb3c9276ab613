/**
 * The dashboard's HTTP server: the built page (dist/dashboard-web), the snapshot the page polls
 * (GET /api/state) and Keplr's chain info (GET /chain-info.json), all same-origin, so the page
 * needs no CORS and no internet. Loopback by default.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_HOST, httpUrl } from "../core/listen.js";
import type { Snapshot } from "./snapshot.js";

/** What the server shows: the collector, or anything else that keeps a snapshot. */
export interface SnapshotSource {
  current(): Snapshot;
}

export const DEFAULT_DASHBOARD_PORT = 3000;

export class DashboardError extends Error {
  override name = "DashboardError";
}

/** Where `npm run build` puts the page's bundle (vite, next to tsc's output). */
export const WEB_DIR = fileURLToPath(new URL("../dashboard-web/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  response.end(JSON.stringify(body, null, status === 200 ? 2 : 0));
}

export class DashboardServer {
  private readonly server: Server;
  /** With its trailing separator, so a sibling folder sharing its prefix is not inside it. */
  private readonly webDir: string;

  constructor(
    private readonly collector: SnapshotSource,
    webDir = WEB_DIR,
  ) {
    this.webDir = resolve(webDir) + sep;
    this.server = createServer((request, response) => this.handle(request, response));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      sendJson(response, 405, { error: `${request.method} is not served` });
    } else if (path === "/api/state") {
      sendJson(response, 200, this.collector.current());
    } else if (path === "/chain-info.json") {
      this.serveChainInfo(response);
    } else {
      this.serveFile(path === "/" ? "/index.html" : path, response);
    }
  }

  private serveChainInfo(response: ServerResponse): void {
    const { chainInfo, endpoints } = this.collector.current();
    if (chainInfo) {
      sendJson(response, 200, chainInfo);
    } else {
      const error = endpoints.find((e) => !e.up)?.error ?? "the chain has not been read yet";
      sendJson(response, 503, { error: `chain info unavailable: ${error}` });
    }
  }

  private serveFile(path: string, response: ServerResponse): void {
    // normalize() resolves "..", and the result must still sit inside the bundle's folder.
    const file = join(this.webDir, normalize(path));
    if (file.startsWith(this.webDir) && existsSync(file) && statSync(file).isFile()) {
      response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      response.end(readFileSync(file));
    } else if (path === "/index.html") {
      response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      response.end(`the dashboard's page is not built (${this.webDir} is missing): run npm run build`);
    } else {
      sendJson(response, 404, { error: `${path} not found` });
    }
  }

  /** Listens on host:port (0 picks a free port) and returns the page's URL. */
  async listen(port: number, host = DEFAULT_HOST): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          error.code === "EADDRINUSE"
            ? new DashboardError(`port ${host}:${port} is in use: stop what holds it or pick another port`)
            : error,
        ),
      );
      this.server.listen(port, host, resolve);
    });
    const address = this.server.address() as { port: number };
    return httpUrl(host, address.port);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
