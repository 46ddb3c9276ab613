import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { utf8 } from "../../core/bytes.js";
import { createLogger } from "../../core/log.js";
import { CelestiaClient, CelestiaError } from "../../relayer/celestia/client.js";
import { blobCommitment, NamespaceError, namespaceV0 } from "../../relayer/celestia/shares.js";
import { LocalDa } from "../../relayer/da/server.js";

const log = createLogger("test", "silent");
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "metro-da-"));
  dirs.push(dir);
  return dir;
}

async function startDa(dataDir: string, token?: string): Promise<{ da: LocalDa; client: CelestiaClient }> {
  const da = new LocalDa({ dataDir, blockTimeMs: 100, token, log });
  const port = await da.listen(0);
  return { da, client: new CelestiaClient({ url: `http://127.0.0.1:${port}`, token }) };
}

const ns = (name: string) => namespaceV0(utf8(name.padEnd(10, "-")));

describe("local DA and the Celestia client", () => {
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("includes submitted blobs in a block, with real commitments, and keeps them across a restart", async () => {
    const dataDir = tempDir();
    let { da, client } = await startDa(dataDir, "secret");
    const blobs = [
      { namespace: ns("alpha"), data: utf8("first blob") },
      { namespace: ns("beta"), data: new Uint8Array(5000).fill(7) },
      { namespace: ns("alpha"), data: utf8("second blob") },
    ];
    const height = await client.submit(blobs);
    const alpha = await client.getAll(height, [ns("alpha")]);
    assert.deepEqual(
      alpha.map((b) => Buffer.from(b.data).toString()),
      ["first blob", "second blob"],
    );
    const beta = await client.get(height, ns("beta"), blobCommitment(ns("beta"), blobs[1]!.data));
    assert.equal(beta.data.length, 5000);
    assert.deepEqual(await client.getAll(height, [ns("gamma")]), [], "no blobs is an empty list");
    assert.ok((await client.networkHead()).height >= height);
    await da.close();

    ({ da, client } = await startDa(dataDir, "secret"));
    try {
      assert.equal((await client.getAll(height, [ns("alpha")])).length, 2, "blocks survive a restart");
      assert.equal((await client.headerByHeight(height)).height, height);
    } finally {
      await da.close();
    }
  });

  it("refuses bad requests with clear errors and keeps serving", async () => {
    const { da, client } = await startDa(tempDir(), "secret");
    try {
      const url = (da as unknown as { server: { address(): { port: number } } }).server.address().port;
      const post = (body: string, token = "secret") =>
        fetch(`http://127.0.0.1:${url}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body,
        }).then(async (r) => ({ status: r.status, body: await r.text() }));
      assert.match((await post("{not json")).body, /parse error/);
      assert.equal((await post("{}", "wrong")).status, 401);
      assert.match(
        (await post(JSON.stringify({ id: 1, method: "blob.Nope", params: [] }))).body,
        /not found/,
      );
      await assert.rejects(
        client.submit([{ namespace: new Uint8Array(29), data: utf8("x") }]),
        NamespaceError,
      );
      const reserved = {
        namespace: Buffer.alloc(29).toString("base64"),
        data: Buffer.from("x").toString("base64"),
        share_version: 0,
        commitment: "",
        index: -1,
      };
      const refused = await post(JSON.stringify({ id: 2, method: "blob.Submit", params: [[reserved], {}] }));
      assert.match(refused.body, /reserved/, "the server checks namespaces too");
      await assert.rejects(client.submit([{ namespace: ns("alpha"), data: new Uint8Array() }]), /empty/);
      await assert.rejects(client.headerByHeight(10_000), /from the future/);
      await assert.rejects(
        new CelestiaClient({ url: `http://127.0.0.1:${url}`, token: "wrong" }).networkHead(),
        /unauthorized/,
      );
      assert.ok((await client.submit([{ namespace: ns("alpha"), data: utf8("still fine") }])) > 0);
    } finally {
      await da.close();
    }
  });

  it("does not trust a node that returns malformed JSON or blobs it could not have committed to", async () => {
    const replies = [
      "this is not json",
      JSON.stringify({ jsonrpc: "2.0", id: 1, result: [{ namespace: "AAAA", data: "AAAA" }] }),
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        result: [
          {
            namespace: Buffer.from(ns("alpha")).toString("base64"),
            data: Buffer.from("tampered").toString("base64"),
            share_version: 0,
            commitment: Buffer.from(blobCommitment(ns("alpha"), utf8("original"))).toString("base64"),
            index: 0,
          },
        ],
      }),
    ];
    const server = createServer((_request, response) => response.end(replies.shift() ?? "{}"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const client = new CelestiaClient({ url: `http://127.0.0.1:${port}` });
    try {
      await assert.rejects(client.getAll(1, [ns("alpha")]), /malformed JSON/);
      await assert.rejects(client.getAll(1, [ns("alpha")]), CelestiaError);
      await assert.rejects(client.getAll(1, [ns("alpha")]), /commitment does not match/);
    } finally {
      server.close();
    }
  });
});
