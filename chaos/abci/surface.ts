/**
 * ABCI frames: the real AbciServer on a unix socket in front of the real MetroApp, fed hostile
 * streams split at random points. A stream of whole frames must get one answer per frame, in
 * order, of the request's kind (or an exception for one that cannot be served); a stream that
 * ends inside a frame, or names a length no reader accepts, must leave the server serving other
 * connections. A request that fails with one of JavaScript's own errors (the server logs them)
 * is a crash, and after the campaign the chain makes its next block through the socket.
 */
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Request,
  Response,
  ResponseProcessProposal_ProposalStatus,
} from "cosmjs-types/tendermint/abci/types";
import pino from "pino";
import { encodeFrame, FrameDecoder } from "../../chain/abci/framing.js";
import { AbciServer } from "../../chain/abci/server.js";
import { commitmentTxFor } from "../../chain/app/block-layout.js";
import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import { OfflineSigner } from "../../chain/client/offline.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { DEVNET_CHAIN_ID } from "../../chain/node/home.js";
import { utf8 } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { ChaosChain } from "../chain.js";
import { requireClearMessage } from "../clear.js";
import { chunked } from "../mutate.js";
import { CrashError, type Depth, surface, type Verdict } from "../surface.js";
import {
  type BuildContext,
  buildStream,
  KINDS,
  type Kind,
  type StreamCase,
  shapeOf,
  streamArbitrary,
} from "./frames.js";

const RUNTIME_ERRORS = new Set([
  "TypeError",
  "ReferenceError",
  "SyntaxError",
  "RangeError",
  "EvalError",
  "URIError",
]);
const QUERY_PATHS = [
  "/cosmos.auth.v1beta1.Query/Account",
  "/cosmos.bank.v1beta1.Query/Balance",
  "/cosmos.bank.v1beta1.Query/AllBalances",
  "/cosmos.tx.v1beta1.Service/Simulate",
  "/cosmos.staking.v1beta1.Query/Validators",
  "/cosmos.staking.v1beta1.Query/Delegation",
  "/cosmos.gov.v1.Query/Proposal",
  "/cosmos.gov.v1beta1.Query/Proposals",
  "/cosmos.slashing.v1beta1.Query/SigningInfos",
  "/metro.sequencer.v1.Query/Params",
  "/metro.sequencer.v1.Query/RollupData",
  "/metro.sequencer.v1.Query/BlockRollups",
  "/metro.rollup.v1.Query/Rollup",
  "/store/metro/key",
  "/unknown",
  "",
];
const fee = { amount: [{ denom: DEFAULT_LST_DENOM, amount: "2001" }], gas: 1_000_000n };

interface LogEntry {
  msg?: string;
  request?: string;
  err?: { type?: string; message?: string };
}

/** One client connection to the server, with the answers it has read. */
class Connection {
  readonly answers: Response[] = [];
  closed = false;
  /** Why an answer could not be read, when one could not. */
  broken: string | undefined;
  private readonly decoder = new FrameDecoder();
  private waiters: (() => void)[] = [];

  constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk) => {
      for (const frame of this.decoder.push(chunk)) {
        try {
          this.answers.push(Response.decode(frame));
        } catch (error) {
          this.broken ??= `an answer that is no Response (${(error as Error).message}): ${Buffer.from(frame).toString("hex").slice(0, 400)}`;
        }
      }
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once `done()` holds (checked on every answer and at close). */
  async until(done: () => boolean): Promise<void> {
    while (!done()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/** The response field a request kind is answered in. */
function answerKind(answer: Response): string | undefined {
  return (Object.keys(answer) as (keyof Response)[]).find((key) => answer[key] !== undefined);
}

function requestKind(frame: Uint8Array): Kind | "undecodable" | "empty" {
  let request: Request;
  try {
    request = Request.decode(frame);
  } catch {
    return "undecodable";
  }
  return KINDS.find((kind) => request[kind] !== undefined) ?? "empty";
}

class AbciTarget {
  private readonly dir = mkdtempSync(join(tmpdir(), "metro-chaos-abci-"));
  private readonly socketPath = join(this.dir, "app.sock");
  chain!: ChaosChain;
  private server!: AbciServer;
  private connection: Connection | undefined;
  private readonly logs: LogEntry[] = [];
  private signer!: OfflineSigner;
  context!: BuildContext;
  private sentinel = 0;

  async open(): Promise<void> {
    this.chain = await ChaosChain.open();
    this.chain.makeBlock([]);
    this.signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 1);
    const logger = pino(
      { level: "warn" },
      { write: (line: string) => void this.logs.push(JSON.parse(line) as LogEntry) },
    );
    this.server = new AbciServer(this.chain.app, logger);
    await this.server.listen(`unix://${this.socketPath}`);
    const valid = [0n, 1n, 2n].map((sequence) => this.tx(sequence, "abci"));
    const flipped = valid.map((tx) => tx.map((byte, i) => (i === 40 ? byte ^ 1 : byte)));
    this.context = {
      height: this.chain.height,
      txs: [...valid, ...flipped, commitmentTxFor([]), Uint8Array.of(1, 2, 3), new Uint8Array()],
      paths: QUERY_PATHS,
    };
  }

  private tx(sequence: bigint, data: string): Uint8Array {
    const accountNumber = this.chain.account(this.signer.address)?.accountNumber ?? 1n;
    return this.signer.signTx({
      messages: [sequenceMsg(this.signer.address, "abci", utf8(data))],
      fee,
      chainId: DEVNET_CHAIN_ID,
      accountNumber,
      sequence,
    });
  }

  private async connect(): Promise<Connection> {
    if (this.connection && !this.connection.closed) return this.connection;
    const socket = net.connect(this.socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    this.connection = new Connection(socket);
    return this.connection;
  }

  async run(test: StreamCase): Promise<Verdict> {
    this.context = { ...this.context, height: this.chain.height };
    const stream = buildStream(test, this.context);
    const shape = shapeOf(stream);
    const connection = await this.connect();
    const before = connection.answers.length;
    for (const chunk of chunked(stream, test.cuts)) connection.socket.write(chunk);
    let verdict: Verdict;
    if (shape.kind === "complete") {
      verdict = await this.answered(connection, before, shape.frames);
    } else {
      // The server waits for the rest of a frame, or closes on a length it refuses: end the stream.
      connection.socket.end();
      await connection.until(() => connection.closed);
      verdict = { accepted: false, depth: 0 };
    }
    this.requireNoRuntimeFailure();
    if (connection.broken) throw new CrashError(connection.broken);
    return verdict;
  }

  /** Sends a sentinel Echo and a Flush, then checks one answer per frame, in order and of its kind. */
  private async answered(connection: Connection, before: number, frames: Uint8Array[]): Promise<Verdict> {
    const message = `sentinel-${++this.sentinel}`;
    connection.socket.write(encodeFrame(Request.encode({ echo: { message } }).finish()));
    connection.socket.write(encodeFrame(Request.encode({ flush: {} }).finish()));
    const expected = before + frames.length + 2;
    await connection.until(
      () => connection.answers.length >= expected || connection.closed || !!connection.broken,
    );
    if (connection.broken) throw new CrashError(connection.broken);
    if (connection.answers.length < expected)
      throw new CrashError("the server closed a connection whose frames were all whole");
    const answers = connection.answers.slice(before, before + frames.length);
    if (connection.answers[before + frames.length]?.echo?.message !== message) {
      throw new CrashError("answers out of order: the sentinel echo is not where it belongs");
    }
    let depth: Depth = 0;
    let accepted = true;
    frames.forEach((frame, i) => {
      const kind = requestKind(frame);
      const answer = answers[i]!;
      const got = answerKind(answer);
      if (kind === "undecodable" || kind === "empty") {
        if (got !== "exception") throw new CrashError(`a ${kind} frame got a ${got} answer`);
        requireClearMessage(answer.exception?.error, "exception for an unusable frame");
        accepted = false;
        return;
      }
      if (got === "exception") {
        requireClearMessage(answer.exception?.error, `${kind} exception`);
        depth = Math.max(depth, 1) as Depth;
        accepted = false;
        return;
      }
      if (got !== kind) throw new CrashError(`a ${kind} request got a ${got} answer`);
      const refusal = answer.checkTx ?? answer.query;
      if (refusal && refusal.code !== 0) {
        requireClearMessage(refusal.log, `${kind} code ${refusal.code}`);
        if (refusal.codespace === "metro" && refusal.code === 1)
          throw new CrashError(`${kind} failed inside: ${refusal.log}`);
        accepted = false;
      }
      depth = 2;
    });
    return { accepted, depth };
  }

  /** The server logs each request that failed with what threw: JavaScript's own errors are bugs. */
  private requireNoRuntimeFailure(): void {
    const entries = this.logs.splice(0);
    for (const entry of entries) {
      const type = entry.err?.type ?? "";
      if (entry.request !== undefined && RUNTIME_ERRORS.has(type)) {
        throw new CrashError(`${entry.request} failed with ${type}: ${entry.err?.message}`);
      }
      if (entry.msg === "prefetch failed") throw new CrashError(`prefetch failed: ${entry.err?.message}`);
    }
  }

  /** An honest proposer's round through the socket: the block is accepted, its tx succeeds, it commits. */
  async stillWorks(): Promise<void> {
    const connection = await this.connect();
    const height = this.chain.height + 1n;
    const sequence = this.chain.account(this.signer.address)?.sequence ?? 0n;
    const tx = this.tx(sequence, "after the campaign");
    const ask = async (request: Request): Promise<Response> => {
      const at = connection.answers.length;
      connection.socket.write(encodeFrame(Request.encode(request).finish()));
      connection.socket.write(encodeFrame(Request.encode({ flush: {} }).finish()));
      await connection.until(() => connection.answers.length >= at + 2 || connection.closed);
      const answer = connection.answers[at];
      if (!answer || answer.exception)
        throw new CrashError(`the honest round failed: ${answer?.exception?.error ?? "closed"}`);
      return answer;
    };
    const proposal = {
      height,
      time: { seconds: 1_800_000_000n, nanos: 0 },
      nextValidatorsHash: new Uint8Array(32),
      proposerAddress: new Uint8Array(20),
      misbehavior: [],
    };
    const block = { ...proposal, hash: new Uint8Array(32).fill(7) };
    const prepared = await ask(
      Request.fromPartial({
        prepareProposal: {
          ...proposal,
          txs: [tx],
          maxTxBytes: 1_000_000n,
          localLastCommit: { round: 0, votes: [] },
        },
      }),
    );
    const txs = prepared.prepareProposal!.txs;
    const processed = await ask(
      Request.fromPartial({
        processProposal: { ...block, txs, proposedLastCommit: { round: 0, votes: [] } },
      }),
    );
    if (processed.processProposal!.status !== ResponseProcessProposal_ProposalStatus.ACCEPT)
      throw new CrashError("the honest proposal was rejected");
    const finalized = await ask(
      Request.fromPartial({ finalizeBlock: { ...block, txs, decidedLastCommit: { round: 0, votes: [] } } }),
    );
    if (txs.length !== 2 || finalized.finalizeBlock!.txResults.some((result) => result.code !== 0)) {
      throw new CrashError("the honest block left its tx out or failed it");
    }
    await ask(Request.fromPartial({ commit: {} }));
    if (this.chain.height !== height)
      throw new CrashError(`the chain is at ${this.chain.height}, not ${height}`);
  }

  async close(): Promise<void> {
    this.connection?.socket.destroy();
    await this.server.close();
    await this.chain.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const abciSurface = surface({
  name: "abci-frames",
  description:
    "ABCI streams (every request kind with hostile values and field mutations, undecodable and empty frames, byte-mutated streams, refused lengths, random splits) to the real AbciServer on a unix socket over the MetroApp",
  deep: "a decoded request the app answered (a refusal included) rather than an exception",
  async setup() {
    const target = new AbciTarget();
    await target.open();
    return {
      arbitrary: streamArbitrary(target.context.txs.length, QUERY_PATHS.length),
      run: (test: StreamCase) => target.run(test),
      stillWorks: () => target.stillWorks(),
      close: () => target.close(),
    };
  },
});
