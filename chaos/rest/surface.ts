/**
 * The REST (LCD) API: the real RestServer over HTTP, in front of a node whose ABCI queries and
 * CheckTx the in-process MetroApp answers. Requests hit every route with hostile path segments
 * (addresses, heights, hashes, proposal ids), query strings and POST bodies (signed txs, mutated
 * or not), other methods and unknown paths; in some cases the node itself answers with garbage.
 * Every answer must be the gateway's error JSON with a clear message or a result; a 500 (the
 * server's "request failed") is a crash.
 */
import fc from "fast-check";
import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import { OfflineSigner } from "../../chain/client/offline.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { DEVNET_CHAIN_ID } from "../../chain/node/home.js";
import { RestServer } from "../../chain/rest/index.js";
import { moduleAddress, operatorAddress } from "../../core/address.js";
import { toHex, utf8 } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { sha256 } from "../../core/hash.js";
import { createLogger } from "../../core/log.js";
import { ChaosChain } from "../chain.js";
import { requireClearMessage } from "../clear.js";
import { installFetch } from "../fetch.js";
import { applyByteMutations, byteMutations, hostileJsonValue, mutatedJson } from "../mutate.js";
import { CrashError, type Depth, surface, type Verdict } from "../surface.js";
import { FakeNode, type NodeMood } from "./node.js";

const NODE_HOST = "comet.chaos";

interface RestCase {
  method: string;
  path: string;
  body: string | undefined;
  hostileNode: { status: number; mutations: number; garbage: string | null } | null;
}

const fee = { amount: [{ denom: DEFAULT_LST_DENOM, amount: "2001" }], gas: 1_000_000n };

function segment(known: { addresses: string[]; hashes: string[] }): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known.addresses, ...known.hashes, "1", "2", "0") },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "-1",
        "abc",
        "18446744073709551616",
        "99999999999999999999999",
        "metro1",
        "%00",
        "%2F",
        "..",
        "%E2%80%A8",
        "%ZZ",
        "x".repeat(300),
        known.addresses[0]!.toUpperCase(),
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 16 }).map(encodeURIComponent) },
  );
}

const ROUTE_TEMPLATES = [
  "/cosmos/auth/v1beta1/accounts/{a}",
  "/cosmos/bank/v1beta1/balances/{a}",
  "/cosmos/bank/v1beta1/spendable_balances/{a}",
  "/cosmos/bank/v1beta1/balances/{a}/by_denom",
  "/cosmos/staking/v1beta1/validators",
  "/cosmos/staking/v1beta1/validators/{v}",
  "/cosmos/staking/v1beta1/validators/{v}/delegations/{a}",
  "/cosmos/staking/v1beta1/delegations/{a}",
  "/cosmos/staking/v1beta1/delegators/{a}/unbonding_delegations",
  "/cosmos/staking/v1beta1/pool",
  "/cosmos/staking/v1beta1/params",
  "/cosmos/distribution/v1beta1/delegators/{a}/rewards",
  "/cosmos/distribution/v1beta1/delegators/{a}/rewards/{v}",
  "/cosmos/distribution/v1beta1/validators/{v}/commission",
  "/cosmos/slashing/v1beta1/signing_infos",
  "/cosmos/slashing/v1beta1/params",
  "/cosmos/gov/v1/proposals",
  "/cosmos/gov/v1/proposals/{n}",
  "/cosmos/gov/v1/proposals/{n}/tally",
  "/cosmos/gov/v1beta1/proposals",
  "/cosmos/base/tendermint/v1beta1/node_info",
  "/cosmos/base/tendermint/v1beta1/blocks/latest",
  "/cosmos/base/tendermint/v1beta1/blocks/{n}",
  "/cosmos/tx/v1beta1/txs/{h}",
  "/cosmos/tx/v1beta1/txs",
  "/unknown/route",
  "/",
];

function queryString(): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.constantFrom(
      "",
      "1",
      "0",
      "-1",
      "2",
      "abc",
      "100000",
      "BOND_STATUS_BONDED",
      "ORDER_BY_DESC",
      "5",
      DEFAULT_LST_DENOM,
    ),
    fc.constantFrom(
      "tx.height=1",
      "message.sender='x'",
      "a=b=c",
      "tx.height>1",
      "=",
      "sequence.rollup_id='ab'",
    ),
    fc.string({ maxLength: 12 }),
  );
  const name = fc.constantFrom(
    "events",
    "query",
    "page",
    "limit",
    "pagination.limit",
    "pagination.offset",
    "order_by",
    "status",
    "denom",
    "x",
  );
  return fc
    .array(fc.tuple(name, value), { maxLength: 4 })
    .map((pairs) =>
      pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}`,
    );
}

function caseArbitrary(known: {
  addresses: string[];
  hashes: string[];
  txs: string[];
}): fc.Arbitrary<RestCase> {
  const part = segment(known);
  const path = fc
    .tuple(fc.constantFrom(...ROUTE_TEMPLATES), part, part, queryString())
    .map(([template, first, second, query]) =>
      template
        .replace(/\{[avnh]\}/, first)
        .replace(/\{[avnh]\}/, second)
        .concat(query),
    );
  const txBytes = fc.oneof(
    fc.constantFrom(...known.txs),
    fc
      .tuple(fc.constantFrom(...known.txs), byteMutations())
      .map(([tx, m]) => Buffer.from(applyByteMutations(Buffer.from(tx, "base64"), m)).toString("base64")),
    fc.constantFrom("", "!!!", "AA==", "A"),
  );
  const body = fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .record(
          {
            tx_bytes: txBytes,
            mode: fc.constantFrom("BROADCAST_MODE_SYNC", "BROADCAST_MODE_ASYNC", "BROADCAST_MODE_BLOCK", "x"),
          },
          { requiredKeys: ["tx_bytes"] },
        )
        .map((b) => JSON.stringify(b)),
    },
    {
      weight: 2,
      arbitrary: mutatedJson(fc.constant({ tx_bytes: known.txs[0]!, mode: "BROADCAST_MODE_SYNC" })).map((b) =>
        JSON.stringify(b),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constantFrom("", "{", "[]", "null", '{"tx_bytes":1}'),
        fc.string({ maxLength: 20 }),
      ),
    },
  );
  const post = fc.tuple(fc.constantFrom("/cosmos/tx/v1beta1/simulate", "/cosmos/tx/v1beta1/txs"), body);
  return fc
    .oneof(
      { weight: 6, arbitrary: path.map((p) => ({ method: "GET", path: p, body: undefined })) },
      { weight: 3, arbitrary: post.map(([p, b]) => ({ method: "POST", path: p, body: b })) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom("PUT", "DELETE", "OPTIONS", "PATCH"), path)
          .map(([m, p]) => ({ method: m, path: p, body: undefined })),
      },
    )
    .chain((request) =>
      fc.record({
        method: fc.constant(request.method),
        path: fc.constant(request.path),
        body: fc.constant(request.body),
        hostileNode: fc.oneof(
          { weight: 6, arbitrary: fc.constant(null) },
          {
            weight: 1,
            arbitrary: fc.record({
              status: fc.constantFrom(200, 200, 200, 500, 404),
              mutations: fc.nat(1 << 16),
              garbage: fc.option(fc.constantFrom("", "<html>", "{", "null"), { freq: 3 }),
            }),
          },
        ),
      }),
    );
}

/** A hostile node's answer: its honest one with a value replaced, or garbage. */
function hostileMood(spec: NonNullable<RestCase["hostileNode"]>): NodeMood {
  const samples = fc.sample(hostileJsonValue, { seed: spec.mutations, numRuns: 1 });
  const mutate = (honest: unknown): unknown => {
    if (spec.garbage !== null) return spec.garbage;
    const json = JSON.parse(JSON.stringify(honest)) as Record<string, unknown>;
    const keys: [Record<string, unknown>, string][] = [];
    const walk = (value: unknown) => {
      if (value && typeof value === "object") {
        for (const [key, inner] of Object.entries(value)) {
          keys.push([value as Record<string, unknown>, key]);
          walk(inner);
        }
      }
    };
    walk(json);
    const slot = keys[spec.mutations % Math.max(1, keys.length)];
    if (slot) slot[0][slot[1]] = samples[0];
    return json;
  };
  return { kind: "hostile", mutate, status: spec.status };
}

class RestTarget {
  chain!: ChaosChain;
  node!: FakeNode;
  private rest!: RestServer;
  private base = "";
  private uninstall: () => void = () => {};
  known!: { addresses: string[]; hashes: string[]; txs: string[] };
  private signer!: OfflineSigner;

  /** Account 0's tx sequencing `data` into the "rest" rollup at `sequence`. */
  private sequenceTx(data: string, sequence: bigint): Uint8Array {
    return this.signer.signTx({
      messages: [sequenceMsg(this.signer.address, "rest", utf8(data))],
      fee,
      chainId: DEVNET_CHAIN_ID,
      accountNumber: 0n,
      sequence,
    });
  }

  async open(): Promise<void> {
    this.chain = await ChaosChain.open();
    this.signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 0);
    const tx = this.sequenceTx("chaos", 0n);
    this.chain.makeBlock([]);
    this.chain.makeBlock([tx]);
    this.node = new FakeNode(this.chain, [tx]);
    this.uninstall = installFetch(NODE_HOST, (url, init) => this.node.answer(url, init));
    this.rest = new RestServer(`http://${NODE_HOST}`, createLogger("chaos-rest", "silent"));
    this.base = `http://127.0.0.1:${await this.rest.listen(0)}`;
    const unsigned = this.sequenceTx("next", 1n);
    this.known = {
      addresses: [this.signer.address, operatorAddress(this.signer.address), moduleAddress("gov")],
      hashes: [toHex(sha256(tx)), toHex(sha256(tx)).toUpperCase()],
      txs: [Buffer.from(tx).toString("base64"), Buffer.from(unsigned).toString("base64")],
    };
  }

  async run(test: RestCase): Promise<Verdict> {
    this.node.calls = 0;
    this.node.mood = test.hostileNode ? hostileMood(test.hostileNode) : { kind: "honest" };
    let response: Response;
    try {
      response = await fetch(`${this.base}${test.path}`, {
        method: test.method,
        ...(test.body === undefined ? {} : { body: test.body }),
      });
    } catch (error) {
      throw new CrashError(`the REST server did not answer: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    if (response.status === 204) return { accepted: true, depth: 0 };
    let body: { code?: unknown; message?: unknown } & Record<string, unknown>;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CrashError(`HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 100)}`);
    }
    const depth: Depth = this.node.calls > 0 ? 2 : response.status === 501 ? 0 : 1;
    if (response.status === 200) return { accepted: true, depth };
    if (response.status === 500)
      throw new CrashError(`HTTP 500 (request failed inside): ${String(body.message)}`);
    if (typeof body.code !== "number")
      throw new CrashError(`HTTP ${response.status} without a gRPC code: ${text.slice(0, 200)}`);
    requireClearMessage(
      typeof body.message === "string" ? body.message : undefined,
      `REST ${response.status}`,
    );
    return { accepted: false, depth };
  }

  /** The chain makes its next block, and REST reads the account it changed. */
  async stillWorks(): Promise<void> {
    this.node.mood = { kind: "honest" };
    const tx = this.signer.signTx({
      messages: [sequenceMsg(this.signer.address, "rest", utf8("after"))],
      fee,
      chainId: DEVNET_CHAIN_ID,
      accountNumber: 0n,
      sequence: this.chain.account(this.signer.address)!.sequence,
    });
    this.chain.makeBlock([tx]);
    const response = await fetch(`${this.base}/cosmos/auth/v1beta1/accounts/${this.signer.address}`);
    const body = (await response.json()) as { account?: { sequence?: string } };
    if (body.account?.sequence !== String(this.chain.account(this.signer.address)!.sequence)) {
      throw new CrashError(`REST shows sequence ${body.account?.sequence} after the next block`);
    }
  }

  async close(): Promise<void> {
    this.uninstall();
    await this.rest.close();
    await this.chain.close();
  }
}

export const restSurface = surface({
  name: "rest-api",
  description:
    "REST (LCD) requests (every route with hostile path segments, query strings and POST bodies, other methods, unknown paths; sometimes a node answering garbage) to the real RestServer over HTTP, its queries answered by the in-process MetroApp",
  deep: "a request the server took to the node (an ABCI query, CheckTx or a CometBFT read)",
  async setup() {
    const target = new RestTarget();
    await target.open();
    return {
      arbitrary: caseArbitrary(target.known),
      run: (test: RestCase) => target.run(test),
      stillWorks: () => target.stillWorks(),
      close: () => target.close(),
    };
  },
});
