import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { toBase64 } from "../../core/bytes.js";
import { CelestiaError } from "../../relayer/celestia/client.js";
import { metroNamespace } from "../../relayer/da-format.js";
import { CelestiaClient } from "../../relayer/index.js";

/** Hostile node replies the hostile-input campaign found the client trusting or tripping over. */
describe("the Celestia client against a hostile node", () => {
  let server: Server;
  let client: CelestiaClient;
  let result: unknown;

  before(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        const { id } = JSON.parse(body) as { id: number };
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    client = new CelestiaClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("refuses a header height that a JavaScript number cannot hold exactly", async () => {
    result = { header: { height: "9007199254740993", time: "2026-01-01T00:00:00Z" } };
    await assert.rejects(client.headerByHeight(7), (error: Error) => {
      assert.ok(error instanceof CelestiaError);
      assert.match(error.message, /header.GetByHeight: unexpected result: height is beyond 2\^53/);
      return true;
    });
    result = { header: { height: "42", time: "2026-01-01T00:00:00Z" } };
    assert.equal((await client.networkHead()).height, 42);
  });

  it("refuses a blob Celestia could not hold with CelestiaError, not a share-building error", async () => {
    const namespace = metroNamespace("metro-test");
    result = [
      {
        namespace: toBase64(namespace),
        data: "",
        share_version: 0,
        commitment: toBase64(new Uint8Array(32)),
        index: 0,
      },
    ];
    await assert.rejects(client.getAll(7, [namespace]), (error: Error) => {
      assert.ok(error instanceof CelestiaError, `${error.name}: ${error.message}`);
      assert.match(error.message, /that Celestia cannot hold: blob data must not be empty/);
      return true;
    });
  });
});
