/** A validator's price sidecar stand-in for tests: serves whatever prices the test sets, or fails when down. */
import { createServer, type Server } from "node:http";

export class PriceServer {
  prices: Record<string, string> = {};
  down = false;
  private readonly server: Server = createServer((_request, response) => {
    if (this.down) {
      response.writeHead(503).end("sidecar down");
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ prices: this.prices, time: new Date().toISOString() }));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  stop(): void {
    this.server.close();
  }
}
