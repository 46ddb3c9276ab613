/**
 * The rollup's Ethereum JSON-RPC: the EVM node's real server and handlers over a chain with a
 * few executed blocks (a transfer, a contract that logs), hit over HTTP with hostile requests:
 * every method with plausible and hostile parameters (quantities past 2^256, tags, unknown
 * hashes, calls and filters with odd fields, signed transactions mutated), bad envelopes,
 * batches and garbage bodies. Every answer must be JSON-RPC with a clear error or a result; a
 * handler that fails inside (the server's "internal error") is a crash.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { getContractAddress, type Hex, toHex as hexOf, keccak256, parseGwei } from "viem";
import { EvmChain } from "../../conductor/evm/chain.js";
import { ethHandlers } from "../../conductor/evm/eth-api.js";
import { serveJsonRpc } from "../../conductor/evm/json-rpc.js";
import { EvmStore } from "../../conductor/evm/store.js";
import { ethAccount, testRollupGenesis } from "../../test/support/evm.js";
import { requireClearMessage } from "../clear.js";
import { applyByteMutations, byteMutations, hostileJsonValue } from "../mutate.js";
import { CrashError, type Depth, surface, type Verdict } from "../surface.js";

/** Runtime: LOG1(topic 1) then return 42; the init code copies it out. */
const DEPLOY: Hex = "0x6011600c60003960116000f3600160006000a1602a60005260206000f3";
const GENESIS = testRollupGenesis();

interface Known {
  addresses: string[];
  hashes: string[];
  rawTxs: string[];
  head: bigint;
}

/** Runs one block holding `raw` (as the conductor would after Metro ordered it); firm trails soft by one. */
async function executeBlock(chain: EvmChain, height: bigint, raw: Uint8Array[]): Promise<void> {
  const state = await chain.getCommitmentState();
  const { block } = await chain.executeBlock({
    parentHash: state.soft.hash,
    transactions: raw,
    timestamp: 1_700_000_000n + height,
    prices: [],
    sequencerHeight: height,
    sequencerBlockHash: new Uint8Array(32).fill(Number(height % 256n)),
  });
  await chain.updateCommitmentState({ soft: block, firm: state.soft, firmDaHeight: 0n });
}

async function signed(nonce: number, to: Hex | null, data: Hex = "0x", value = 1n): Promise<Hex> {
  return ethAccount(0).signTransaction({
    chainId: GENESIS.chainId,
    type: "eip1559",
    nonce,
    ...(to ? { to } : {}),
    data,
    value,
    gas: 200_000n,
    maxFeePerGas: parseGwei("20"),
    maxPriorityFeePerGas: parseGwei("1"),
  });
}

const hexData = (bytes: number) => fc.uint8Array({ maxLength: bytes }).map((b) => hexOf(b));

/** Each method's parameters as a client sends them, and a hostile value for any one of them. */
function paramsArbitrary(known: Known): (method: string) => fc.Arbitrary<unknown[]> {
  const hex = (n: bigint) => `0x${n.toString(16)}`;
  const quantity = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        "0x0",
        "0x1",
        hexOf(known.head),
        hexOf(known.head + 1n),
        "0x5208",
        "0xffffffffffffffff",
      ),
    },
    { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n }).map(hex) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }).map(hex) },
    { weight: 1, arbitrary: fc.constantFrom("0x", "0x-1", "1", `0x${"f".repeat(70)}`, hex(2n ** 256n)) },
  );
  const tag = fc.constantFrom("latest", "pending", "earliest", "finalized", "safe", "LATEST");
  const address = fc.oneof(
    fc.constantFrom(...known.addresses),
    hexData(20),
    fc.constantFrom("0x", `0x${"0".repeat(39)}`),
  );
  const hash = fc.oneof(
    fc.constantFrom(...known.hashes),
    hexData(32),
    fc.constantFrom(`0x${"0".repeat(64)}`, "0x12"),
  );
  const blockRef = fc.oneof(
    tag,
    quantity,
    fc.record({ blockHash: hash }),
    fc.record({ blockNumber: quantity }),
  );
  const call = fc.record(
    {
      from: address,
      to: fc.oneof(address, fc.constant(null)),
      data: fc.oneof(hexData(64), fc.constantFrom("0x", "0x0", DEPLOY)),
      input: hexData(8),
      gas: quantity,
      gasPrice: quantity,
      value: quantity,
      nonce: quantity,
      maxFeePerGas: quantity,
    },
    { requiredKeys: [] },
  );
  const filter = fc.record(
    {
      fromBlock: fc.oneof(tag, quantity),
      toBlock: fc.oneof(tag, quantity),
      blockHash: hash,
      address: fc.oneof(address, fc.array(address, { maxLength: 3 })),
      topics: fc.array(fc.oneof(hash, fc.constant(null), fc.array(hash, { maxLength: 2 })), { maxLength: 5 }),
    },
    { requiredKeys: [] },
  );
  const raw = fc.oneof(
    fc.constantFrom(...known.rawTxs),
    fc
      .tuple(fc.constantFrom(...known.rawTxs), byteMutations())
      .map(([tx, mutations]) => hexOf(applyByteMutations(Buffer.from(tx.slice(2), "hex"), mutations))),
    hexData(120),
  );
  const percentiles = fc.array(fc.oneof(fc.double({ min: -10, max: 200 }), fc.constantFrom(0, 50, 100)), {
    maxLength: 3,
  });
  const signatures: Record<string, fc.Arbitrary<unknown>[]> = {
    eth_getBlockByNumber: [fc.oneof(tag, quantity), fc.boolean()],
    metro_fraudProof: [blockRef],
    eth_getBlockByHash: [hash, fc.boolean()],
    eth_getBalance: [address, blockRef],
    eth_getTransactionCount: [address, blockRef],
    eth_getCode: [address, blockRef],
    eth_getStorageAt: [address, quantity, blockRef],
    eth_call: [call, blockRef],
    eth_estimateGas: [call, blockRef],
    eth_feeHistory: [
      fc.oneof(quantity, fc.integer({ min: -2, max: 2000 })),
      fc.oneof(tag, quantity),
      percentiles,
    ],
    eth_sendRawTransaction: [raw],
    eth_getTransactionByHash: [hash],
    eth_getTransactionReceipt: [hash],
    eth_getLogs: [filter],
  };
  return (method) => {
    const plausible = fc.tuple(...(Object.hasOwn(signatures, method) ? signatures[method]! : []));
    const spoiled = fc
      .tuple(plausible, fc.nat(3), hostileJsonValue)
      .map(([params, at, value]) =>
        params.map((param, i) => (i === at % Math.max(1, params.length) ? value : param)),
      );
    return fc.oneof(
      { weight: 7, arbitrary: plausible },
      { weight: 2, arbitrary: spoiled },
      { weight: 1, arbitrary: fc.array(hostileJsonValue, { maxLength: 3 }) },
    );
  };
}

type RpcRequest = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
type Body =
  | { kind: "single"; request: RpcRequest }
  | { kind: "batch"; requests: RpcRequest[] }
  | { kind: "raw"; text: string };

function bodyArbitrary(methods: readonly string[], known: Known): fc.Arbitrary<Body> {
  const paramsFor = paramsArbitrary(known);
  const method = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...methods) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("eth_foo", "", "constructor", "__proto__", "toString", "ETH_CHAINID"),
    },
    { weight: 1, arbitrary: hostileJsonValue },
  );
  const request: fc.Arbitrary<RpcRequest> = method.chain((name) =>
    fc.record(
      {
        jsonrpc: fc.oneof(
          { weight: 8, arbitrary: fc.constant("2.0") },
          { weight: 1, arbitrary: hostileJsonValue },
        ),
        id: fc.oneof(fc.nat(), fc.string({ maxLength: 8 }), fc.constant(null), hostileJsonValue),
        method: fc.constant(name),
        params: fc.oneof(
          { weight: 10, arbitrary: paramsFor(typeof name === "string" ? name : "") },
          { weight: 1, arbitrary: hostileJsonValue },
        ),
      },
      { requiredKeys: ["method"] },
    ),
  );
  return fc.oneof(
    { weight: 10, arbitrary: request.map((r) => ({ kind: "single" as const, request: r })) },
    {
      weight: 2,
      arbitrary: fc
        .array(request, { minLength: 0, maxLength: 5 })
        .map((requests) => ({ kind: "batch" as const, requests })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.string({ maxLength: 30 }), fc.constantFrom("", "{", "[]", "null", "1", '"x"', "[1,2]"))
        .map((text) => ({ kind: "raw" as const, text })),
    },
  );
}

const INVALID_PARAMS = -32602;
const REFUSED_AT_ENVELOPE = new Set([-32700, -32600, -32601]);

/** Checks one JSON-RPC answer; returns how far its request got. */
function judgeAnswer(answer: unknown): { accepted: boolean; depth: Depth } {
  if (typeof answer !== "object" || answer === null || (answer as { jsonrpc?: unknown }).jsonrpc !== "2.0") {
    throw new CrashError(`not a JSON-RPC answer: ${JSON.stringify(answer)?.slice(0, 200)}`);
  }
  const { error } = answer as { error?: { code?: unknown; message?: unknown } };
  if (!error) {
    if (!("result" in answer)) throw new CrashError("an answer with neither result nor error");
    return { accepted: true, depth: 2 };
  }
  if (typeof error.code !== "number")
    throw new CrashError(`an error without a numeric code: ${JSON.stringify(error)}`);
  if (error.code === -32603) throw new CrashError(`internal error: ${String(error.message)}`);
  requireClearMessage(
    typeof error.message === "string" ? error.message : undefined,
    `JSON-RPC error ${error.code}`,
  );
  const depth: Depth = REFUSED_AT_ENVELOPE.has(error.code) ? 0 : error.code === INVALID_PARAMS ? 1 : 2;
  return { accepted: false, depth };
}

class EvmTarget {
  private readonly dir = mkdtempSync(join(tmpdir(), "metro-chaos-evm-"));
  private store!: EvmStore;
  chain!: EvmChain;
  private server!: Server;
  url = "";
  readonly failures: Error[] = [];
  readonly submitted: Uint8Array[] = [];
  known!: Known;
  methods: string[] = [];
  private height = 1n;

  async open(): Promise<void> {
    this.store = new EvmStore(this.dir);
    this.chain = await EvmChain.open(this.store, GENESIS);
    const deploy = await signed(0, null, DEPLOY, 0n);
    const contract = getContractAddress({ from: ethAccount(0).address, nonce: 0n });
    await executeBlock(this.chain, this.height++, [Buffer.from(deploy.slice(2), "hex")]);
    const transfer = await signed(1, ethAccount(3).address);
    await executeBlock(this.chain, this.height++, [Buffer.from(transfer.slice(2), "hex")]);
    const submitter = { submit: async (raw: Uint8Array) => void this.submitted.push(raw) };
    const handlers = ethHandlers(this.chain, submitter, "chaos");
    this.methods = [...handlers.keys()];
    const served = await serveJsonRpc(handlers, 0, (error) => this.failures.push(error));
    this.server = served.server;
    this.url = `http://127.0.0.1:${served.port}`;
    const state = await this.chain.getCommitmentState();
    const later = await Promise.all([2, 3, 4].map((nonce) => signed(nonce, ethAccount(4).address)));
    this.known = {
      addresses: [ethAccount(0).address, ethAccount(3).address, contract, GENESIS.feeRecipient],
      hashes: [hexOf(state.soft.hash), hexOf(state.firm.hash), keccak256(deploy), keccak256(transfer)],
      rawTxs: [...later, transfer, deploy],
      head: state.soft.number,
    };
  }

  async run(body: Body): Promise<Verdict> {
    const text =
      body.kind === "raw" ? body.text : JSON.stringify(body.kind === "single" ? body.request : body.requests);
    const response = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: text,
    });
    if (response.status !== 200) throw new CrashError(`HTTP ${response.status}`);
    const answer: unknown = await response.json().catch(() => {
      throw new CrashError("the answer is not JSON");
    });
    const failure = this.failures.shift();
    if (failure) throw new CrashError(`a handler failed inside: ${failure.message}`, { cause: failure });
    if (Array.isArray(answer)) {
      if (body.kind === "batch" && answer.length !== body.requests.length) {
        throw new CrashError(`${answer.length} answers to ${body.requests.length} requests`);
      }
      const verdicts = answer.map(judgeAnswer);
      return {
        accepted: verdicts.every((v) => v.accepted),
        depth: Math.max(...verdicts.map((v) => v.depth)) as Depth,
      };
    }
    return judgeAnswer(answer);
  }

  /** The next block executes and its transfer is served. */
  async stillWorks(): Promise<void> {
    const raw = await signed(2, ethAccount(5).address);
    await executeBlock(this.chain, this.height++, [Buffer.from(raw.slice(2), "hex")]);
    const response = await fetch(this.url, {
      method: "POST",
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_getBalance",
        params: [ethAccount(5).address, "latest"],
      }),
    });
    const { result } = (await response.json()) as { result?: string };
    if (result !== "0x1") throw new CrashError(`the next block's transfer is not served: balance ${result}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const evmSurface = surface({
  name: "eth-json-rpc",
  description:
    "Ethereum JSON-RPC requests (every method with plausible and hostile params, mutated signed txs, bad envelopes, batches, garbage) to the EVM node's real server over HTTP",
  deep: "a request whose handler ran: a result, or a refusal of what the params asked",
  async setup() {
    const target = new EvmTarget();
    await target.open();
    return {
      arbitrary: bodyArbitrary(target.methods, target.known),
      run: (body: Body) => target.run(body),
      stillWorks: () => target.stillWorks(),
      close: () => target.close(),
    };
  },
});
