import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import type { AbciApplication } from "../../chain/abci/application.js";
import { encodeFrame, FrameDecoder } from "../../chain/abci/framing.js";
import { AbciServer } from "../../chain/abci/server.js";
import { createLogger } from "../../core/log.js";

/** An app whose answers are slow for "slow" queries and which fails on purpose. */
const app = {
  async query(request: { path: string }) {
    if (request.path === "/boom") throw new Error("query handler bug");
    if (request.path === "/slow") await new Promise((resolve) => setTimeout(resolve, 50));
    return {
      code: 0,
      log: request.path,
      info: "",
      index: 0n,
      key: new Uint8Array(),
      value: new Uint8Array(),
      height: 1n,
      codespace: "",
    };
  },
  checkTx() {
    throw new Error("checkTx handler bug");
  },
  finalizeBlock() {
    throw new Error("finalize handler bug");
  },
} as unknown as AbciApplication;

describe("ABCI server", () => {
  const dir = mkdtempSync(join(tmpdir(), "metro-abci-"));
  const socketPath = join(dir, "app.sock");
  const server = new AbciServer(app, createLogger("test", "silent"));

  before(async () => {
    await server.listen(`unix://${socketPath}`);
  });

  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends requests in one write, split into 3-byte chunks, and reads `count` responses. */
  async function exchange(requests: Request[]): Promise<Response[]> {
    const socket = net.connect(socketPath);
    const decoder = new FrameDecoder();
    const responses: Response[] = [];
    const done = new Promise<void>((resolve, reject) => {
      socket.on("data", (chunk) => {
        for (const frame of decoder.push(chunk)) responses.push(Response.decode(frame));
        if (responses.length === requests.length) resolve();
      });
      socket.on("error", reject);
    });
    const bytes = Buffer.concat(requests.map((r) => encodeFrame(Request.encode(r).finish())));
    for (let i = 0; i < bytes.length; i += 3) socket.write(bytes.subarray(i, i + 3));
    await done;
    socket.destroy();
    return responses;
  }

  it("answers in order, even when an earlier answer is slower", async () => {
    const responses = await exchange([
      Request.fromPartial({ query: { path: "/slow" } }),
      Request.fromPartial({ query: { path: "/fast" } }),
      Request.fromPartial({ echo: { message: "hi" } }),
      Request.fromPartial({ flush: {} }),
    ]);
    assert.deepEqual(
      responses.map((r) => r.query?.log ?? r.echo?.message ?? (r.flush ? "flush" : "?")),
      ["/slow", "/fast", "hi", "flush"],
    );
  });

  it("turns a bug in a read-only request into an error response and keeps serving", async () => {
    const responses = await exchange([
      Request.fromPartial({ query: { path: "/boom" } }),
      Request.fromPartial({ checkTx: { tx: new Uint8Array([1]) } }),
      Request.fromPartial({ query: { path: "/after" } }),
      Request.fromPartial({ flush: {} }),
    ]);
    assert.equal(responses[0]!.query?.code, 1);
    assert.match(responses[0]!.query!.log, /query handler bug/);
    assert.equal(responses[1]!.checkTx?.code, 1);
    assert.match(responses[1]!.checkTx!.log, /checkTx handler bug/);
    assert.equal(responses[2]!.query?.log, "/after");
  });

  it("reports a bug in a consensus request as an exception naming it", async () => {
    const [response] = await exchange([
      Request.fromPartial({ finalizeBlock: { height: 1n } }),
      Request.fromPartial({ flush: {} }),
    ]);
    assert.match(response!.exception?.error ?? "", /finalizeBlock: finalize handler bug/);
  });
});

describe("ABCI server scheduling", () => {
  const dir = mkdtempSync(join(tmpdir(), "metro-abci-order-"));
  const socketPath = join(dir, "app.sock");
  const handled: string[] = [];
  const orderedApp = {
    checkTx() {
      handled.push("checkTx");
      return {
        code: 0,
        data: new Uint8Array(),
        log: "",
        info: "",
        gasWanted: 0n,
        gasUsed: 0n,
        events: [],
        codespace: "",
      };
    },
    processProposal() {
      handled.push("processProposal");
      return { status: 1 };
    },
  } as unknown as AbciApplication;
  const server = new AbciServer(orderedApp, createLogger("test", "silent"));

  before(async () => {
    await server.listen(`unix://${socketPath}`);
  });

  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function connect(): { socket: net.Socket; responses: Response[]; next: (n: number) => Promise<void> } {
    const socket = net.connect(socketPath);
    const decoder = new FrameDecoder();
    const responses: Response[] = [];
    socket.on("data", (chunk) => {
      for (const frame of decoder.push(chunk)) responses.push(Response.decode(frame));
    });
    const next = async (n: number) => {
      while (responses.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    return { socket, responses, next };
  }

  const frame = (request: Request) => encodeFrame(Request.encode(request).finish());

  it("holds CheckTx while a proposal is still arriving on the consensus connection", async () => {
    const mempool = connect();
    const consensus = connect();
    try {
      const checkTx = Buffer.concat([
        frame(Request.fromPartial({ checkTx: { tx: new Uint8Array([1]) } })),
        frame(Request.fromPartial({ flush: {} })),
      ]);
      mempool.socket.write(checkTx);
      await mempool.next(2);

      const proposal = frame(
        Request.fromPartial({ processProposal: { txs: [new Uint8Array(100_000).fill(9)], height: 1n } }),
      );
      consensus.socket.write(proposal.subarray(0, 50_000));
      await new Promise((resolve) => setTimeout(resolve, 30));
      mempool.socket.write(checkTx);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(handled, ["checkTx"], "CheckTx ran while the proposal was half received");

      consensus.socket.write(proposal.subarray(50_000));
      consensus.socket.write(frame(Request.fromPartial({ flush: {} })));
      await consensus.next(2);
      await mempool.next(4);
      assert.deepEqual(handled, ["checkTx", "processProposal", "checkTx"]);
      assert.equal(mempool.responses[2]!.checkTx?.code, 0);
    } finally {
      mempool.socket.destroy();
      consensus.socket.destroy();
    }
  });
});
