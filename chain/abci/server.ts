import "../../core/proto/cosmjs-writer.js";
import { existsSync, unlinkSync } from "node:fs";
import net from "node:net";
import { Request, Response, type ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import type { Logger } from "../../core/log.js";
import type { AbciApplication } from "./application.js";
import { encodeFinalizeBlockResponse } from "./finalize-encoding.js";
import { encodeFrame, FrameDecoder } from "./framing.js";

type RequestKind = Exclude<keyof Request, "echo" | "flush">;

/**
 * A connection works at most this long before yielding to the event loop. Without it, a burst of
 * thousands of CheckTx frames would hold back a PrepareProposal waiting on the consensus
 * connection, and with it the whole block.
 */
const SLICE_MS = 4;
let sliceStarted = performance.now();

async function yieldIfSliceUsed(): Promise<void> {
  if (performance.now() - sliceStarted < SLICE_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
  sliceStarted = performance.now();
}

/** How each request kind is answered, and the response field it fills. */
const routes: {
  [K in RequestKind]: { response: keyof Response; call: (app: AbciApplication, r: Request) => unknown };
} = {
  info: { response: "info", call: (app, r) => app.info(r.info!) },
  initChain: { response: "initChain", call: (app, r) => app.initChain(r.initChain!) },
  query: { response: "query", call: (app, r) => app.query(r.query!) },
  checkTx: { response: "checkTx", call: (app, r) => app.checkTx(r.checkTx!) },
  commit: { response: "commit", call: (app) => app.commit() },
  listSnapshots: { response: "listSnapshots", call: (app) => app.listSnapshots() },
  offerSnapshot: { response: "offerSnapshot", call: (app, r) => app.offerSnapshot(r.offerSnapshot!) },
  loadSnapshotChunk: {
    response: "loadSnapshotChunk",
    call: (app, r) => app.loadSnapshotChunk(r.loadSnapshotChunk!),
  },
  applySnapshotChunk: {
    response: "applySnapshotChunk",
    call: (app, r) => app.applySnapshotChunk(r.applySnapshotChunk!),
  },
  prepareProposal: { response: "prepareProposal", call: (app, r) => app.prepareProposal(r.prepareProposal!) },
  processProposal: { response: "processProposal", call: (app, r) => app.processProposal(r.processProposal!) },
  extendVote: { response: "extendVote", call: (app, r) => app.extendVote(r.extendVote!) },
  verifyVoteExtension: {
    response: "verifyVoteExtension",
    call: (app, r) => app.verifyVoteExtension(r.verifyVoteExtension!),
  },
  finalizeBlock: { response: "finalizeBlock", call: (app, r) => app.finalizeBlock(r.finalizeBlock!) },
};

function requestKind(request: Request): keyof Request | undefined {
  for (const key of Object.keys(request) as (keyof Request)[]) if (request[key] !== undefined) return key;
  return undefined;
}

/**
 * Errors in read-only requests become error responses, so one bad query or tx never stops the
 * node. Errors in consensus requests cannot be papered over (state would diverge), so they go
 * back as an exception, which makes CometBFT stop with the message.
 */
function errorResponse(kind: keyof Request | undefined, error: Error): Response {
  const log = `internal error: ${error.message}`;
  if (kind === "checkTx") return Response.fromPartial({ checkTx: { code: 1, codespace: "metro", log } });
  if (kind === "query") return Response.fromPartial({ query: { code: 1, codespace: "metro", log } });
  return Response.fromPartial({
    exception: { error: `${String(kind ?? "unknown request")}: ${error.message}` },
  });
}

/**
 * Consensus requests go first. A multi-megabyte ProcessProposal arrives in dozens of socket
 * reads, one per event-loop turn; if CheckTx work ran a slice between each, the proposal would
 * wait hundreds of milliseconds and the whole block with it. So while any other connection is
 * receiving or answering a request, mempool connections stop reading and CheckTx waits. Nothing
 * a consensus request needs waits on CheckTx, so this cannot deadlock.
 */
class ConsensusFirst {
  private readonly busy = new Set<AbciConnection>();
  private readonly mempool = new Set<AbciConnection>();
  private waiters: (() => void)[] = [];

  addMempool(connection: AbciConnection): void {
    this.mempool.add(connection);
    if (this.busy.size > 0) connection.pauseReading();
  }

  remove(connection: AbciConnection): void {
    this.mempool.delete(connection);
    this.setBusy(connection, false);
  }

  setBusy(connection: AbciConnection, busy: boolean): void {
    if (busy && !this.busy.has(connection)) {
      this.busy.add(connection);
      if (this.busy.size === 1) for (const m of this.mempool) m.pauseReading();
    } else if (!busy && this.busy.delete(connection) && this.busy.size === 0) {
      for (const m of this.mempool) m.resumeReading();
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  async idle(): Promise<void> {
    while (this.busy.size > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/**
 * One ABCI connection: requests are answered strictly in arrival order, and written out
 * in batches that go to the socket at the latest when CometBFT sends Flush.
 */
class AbciConnection {
  private readonly decoder = new FrameDecoder();
  private queue: Promise<void> = Promise.resolve();
  private outgoing: Uint8Array[] = [];
  private closed = false;
  /** Requests received and not yet answered. */
  private unanswered = 0;
  /** CometBFT's mempool connection: the only one that sends CheckTx. */
  private isMempool = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly app: AbciApplication,
    private readonly log: Logger,
    private readonly scheduler: ConsensusFirst,
  ) {
    socket.on("data", (chunk) => this.receive(chunk));
    socket.on("error", (error) => this.log.warn({ err: error }, "abci connection error"));
    socket.on("close", () => {
      this.closed = true;
      this.scheduler.remove(this);
    });
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.closed) this.socket.resume();
  }

  private receive(chunk: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.log.error({ err: error }, "corrupt abci stream; closing the connection");
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      let request: Request | Error;
      try {
        request = Request.decode(frame);
      } catch (error) {
        request = error as Error;
      }
      if (!(request instanceof Error)) {
        if (request.checkTx && !this.isMempool) {
          this.isMempool = true;
          this.scheduler.remove(this);
          this.scheduler.addMempool(this);
        }
        this.prefetch(request);
      }
      this.unanswered++;
      this.queue = this.queue.then(() => this.handle(request));
    }
    this.updateBusy();
  }

  private updateBusy(): void {
    if (this.isMempool) return;
    this.scheduler.setBusy(this, this.unanswered > 0 || this.decoder.pendingBytes > 0);
  }

  /** Prefetching is an optimization: its failure is logged and the request is answered as usual. */
  private prefetch(request: Request): void {
    try {
      this.app.prefetch?.(request);
    } catch (error) {
      this.log.warn({ err: error }, "prefetch failed");
    }
  }

  private async handle(request: Request | Error): Promise<void> {
    let kind: keyof Request | undefined;
    let encoded: Uint8Array;
    try {
      if (request instanceof Error) throw request;
      kind = requestKind(request);
      encoded = await this.answer(request, kind);
    } catch (error) {
      this.log.error({ err: error, request: kind }, "abci request failed");
      encoded = Response.encode(errorResponse(kind, error as Error)).finish();
    }
    this.outgoing.push(encodeFrame(encoded));
    if (kind === "flush" || this.outgoing.length >= 256) this.flush();
    this.unanswered--;
    this.updateBusy();
    await yieldIfSliceUsed();
  }

  /** The encoded response to `request`. */
  private async answer(request: Request, kind: keyof Request | undefined): Promise<Uint8Array> {
    if (kind === undefined) throw new Error("empty ABCI request");
    if (kind === "echo") return Response.encode({ echo: { message: request.echo!.message } }).finish();
    if (kind === "flush") return Response.encode({ flush: {} }).finish();
    if (kind === "checkTx") await this.scheduler.idle();
    const route = routes[kind as RequestKind];
    const result = await route.call(this.app, request);
    if (kind === "finalizeBlock") return encodeFinalizeBlockResponse(result as ResponseFinalizeBlock);
    // Handlers return complete response messages, so no fromPartial copy is needed.
    return Response.encode({ [route.response]: result } as Response).finish();
  }

  private flush(): void {
    if (this.closed || this.outgoing.length === 0) return;
    const batch = Buffer.concat(this.outgoing);
    this.outgoing = [];
    this.socket.write(batch);
  }
}

/** Serves an AbciApplication on a unix socket or TCP address, as CometBFT's `proxy_app` dials it. */
export class AbciServer {
  private readonly server: net.Server;
  private readonly scheduler = new ConsensusFirst();

  constructor(
    private readonly app: AbciApplication,
    private readonly log: Logger,
  ) {
    this.server = net.createServer((socket) => {
      socket.setNoDelay(true);
      new AbciConnection(socket, this.app, this.log, this.scheduler);
    });
  }

  /** `address` is `unix:///path` or `tcp://host:port`. */
  async listen(address: string): Promise<void> {
    const url = new URL(address);
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      if (url.protocol === "unix:") {
        if (existsSync(url.pathname)) unlinkSync(url.pathname);
        this.server.listen(url.pathname, resolve);
      } else {
        this.server.listen(Number(url.port), url.hostname, resolve);
      }
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
