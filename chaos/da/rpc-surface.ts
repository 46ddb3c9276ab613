/**
 * The Celestia JSON-RPC client's reply parsing: for each method the relayer and readers call,
 * the node answers with its valid reply mutated (fields dropped, retyped, hostile values), a
 * JSON-RPC error, garbage, an HTTP error status or a dropped connection. The client must return
 * data that holds up (blobs in the namespaces asked for, with their commitments, heights that
 * are safe integers) or throw CelestiaError with a clear message.
 */
import fc from "fast-check";
import { bytesEqual } from "../../core/bytes.js";
import { blobToJson, CelestiaError } from "../../relayer/celestia/client.js";
import { blobCommitment } from "../../relayer/celestia/shares.js";
import { metroNamespace, rollupNamespace } from "../../relayer/da-format.js";
import { CelestiaClient } from "../../relayer/index.js";
import { ALPHA, CHAIN } from "../blocks.js";
import { requireTypedError } from "../clear.js";
import { connectionRefused, installFetch, reply } from "../fetch.js";
import { hostileJsonValue, mutatedJson } from "../mutate.js";
import { CrashError, type Depth, surface, type Verdict } from "../surface.js";

const HOST = "celestia.chaos";
const METHODS = ["submit", "getAll", "get", "headerByHeight", "networkHead"] as const;
type Method = (typeof METHODS)[number];

type Answer =
  | { kind: "valid" }
  | { kind: "mutated"; body: unknown }
  | { kind: "rpc-error"; code: unknown; message: unknown }
  | { kind: "raw"; text: string }
  | { kind: "status"; status: number }
  | { kind: "refused" };

interface RpcCase {
  method: Method;
  answer: Answer;
  /** The reply's id (the client numbers its requests). */
  sameId: boolean;
}

const NAMESPACES = [metroNamespace(CHAIN), rollupNamespace(ALPHA)];
const DATA = new TextEncoder().encode("MTRO chaos blob");

function validBlob(namespace: Uint8Array) {
  return blobToJson({
    namespace,
    data: DATA,
    shareVersion: 0,
    commitment: blobCommitment(namespace, DATA),
    index: 3,
  });
}

/** The node's honest result for `method`. */
function validResult(method: Method): unknown {
  switch (method) {
    case "submit":
      return 42;
    case "getAll":
      return NAMESPACES.map(validBlob);
    case "get":
      return validBlob(NAMESPACES[0]!);
    default:
      return { header: { height: "42", time: "2026-01-01T00:00:00Z" } };
  }
}

const answerArbitrary: fc.Arbitrary<Answer> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: "valid" as const }) },
  // The body is drawn later, from the method's valid reply (rpcCaseArbitrary).
  { weight: 6, arbitrary: fc.constant({ kind: "mutated" as const, body: null }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("rpc-error" as const),
      code: fc.oneof(fc.integer(), hostileJsonValue),
      message: fc.oneof(fc.constantFrom("blob: not found", "header: not found", ""), hostileJsonValue),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("raw" as const),
      text: fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.constantFrom("", "null", "[]", "{}", '{"jsonrpc":"2.0"}', "<html>502</html>"),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("status" as const),
      status: fc.constantFrom(401, 403, 404, 500, 502, 204),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "refused" as const }) },
);

export function rpcCaseArbitrary(): fc.Arbitrary<RpcCase> {
  return fc
    .record({ method: fc.constantFrom(...METHODS), answer: answerArbitrary, sameId: fc.boolean() })
    .chain((test) =>
      test.answer.kind !== "mutated"
        ? fc.constant(test)
        : mutatedJson(fc.constant({ jsonrpc: "2.0", id: 0, result: validResult(test.method) })).map(
            (mutated) => ({
              ...test,
              answer: { kind: "mutated" as const, body: mutated },
            }),
          ),
    );
}

function answer(test: RpcCase, request: { id: number }): Response {
  const id = test.sameId ? request.id : request.id + 1;
  const { answer } = test;
  switch (answer.kind) {
    case "valid":
      return reply(200, JSON.stringify({ jsonrpc: "2.0", id, result: validResult(test.method) }));
    case "mutated": {
      // The mutated reply keeps the request's id where the mutation left the id alone.
      const body = answer.body as Record<string, unknown> | null;
      const echoed =
        body && typeof body === "object" && !Array.isArray(body) && body.id === 0 ? { ...body, id } : body;
      return reply(200, JSON.stringify(echoed));
    }
    case "rpc-error":
      return reply(
        200,
        JSON.stringify({ jsonrpc: "2.0", id, error: { code: answer.code, message: answer.message } }),
      );
    case "raw":
      return reply(200, answer.text);
    case "status":
      return reply(answer.status, JSON.stringify({ jsonrpc: "2.0", id, result: validResult(test.method) }));
    case "refused":
      return connectionRefused();
  }
}

/** Throws CrashError unless what the client returned holds up. */
function requireSound(method: Method, value: unknown): void {
  const fail = (why: string) => new CrashError(`${method} returned ${why}`);
  if (method === "submit") {
    if (!Number.isSafeInteger(value) || (value as number) <= 0) throw fail(`DA height ${String(value)}`);
  } else if (method === "headerByHeight" || method === "networkHead") {
    const header = value as { height: number; time: string };
    if (!Number.isSafeInteger(header.height) || header.height < 0)
      throw fail(`a header at height ${header.height}`);
  } else {
    const blobs = (method === "get" ? [value] : value) as {
      namespace: Uint8Array;
      data: Uint8Array;
      commitment: Uint8Array;
      shareVersion: number;
    }[];
    for (const blob of blobs) {
      if (!NAMESPACES.some((ns) => bytesEqual(ns, blob.namespace)))
        throw fail("a blob in a namespace not asked for");
      if (
        blob.shareVersion === 0 &&
        !bytesEqual(blob.commitment, blobCommitment(blob.namespace, blob.data))
      ) {
        throw fail("a blob whose commitment does not match its data");
      }
    }
  }
}

function depthOf(message: string): Depth {
  if (/malformed JSON|not a JSON-RPC|unreachable|unauthorized/.test(message)) return 0;
  return /unexpected result/.test(message) ? 1 : 2;
}

export const daRpcSurface = surface({
  name: "celestia-rpc-replies",
  description:
    "Celestia node JSON-RPC replies (valid ones mutated, JSON-RPC errors, garbage, HTTP errors, dropped connections) to every method of the real CelestiaClient",
  deep: "a reply the client parsed and then checked (namespace, share commitment, height) or returned",
  async setup() {
    let current: RpcCase | undefined;
    const uninstall = installFetch(HOST, async (_url, init) => {
      const request = JSON.parse(String(init?.body)) as { id: number };
      return answer(current!, request);
    });
    const client = new CelestiaClient({ url: `http://${HOST}`, timeoutMs: 5_000 });
    const call = (method: Method): Promise<unknown> => {
      switch (method) {
        case "submit":
          return client.submit([{ namespace: NAMESPACES[0]!, data: DATA }]);
        case "getAll":
          return client.getAll(7, NAMESPACES);
        case "get":
          return client.get(7, NAMESPACES[0]!, blobCommitment(NAMESPACES[0]!, DATA));
        case "headerByHeight":
          return client.headerByHeight(7);
        case "networkHead":
          return client.networkHead();
      }
    };
    return {
      arbitrary: rpcCaseArbitrary(),
      async run(test: RpcCase): Promise<Verdict> {
        current = test;
        let value: unknown;
        try {
          value = await call(test.method);
        } catch (error) {
          const { message } = requireTypedError(error, [CelestiaError], `CelestiaClient.${test.method}`);
          return { accepted: false, depth: depthOf(message) };
        }
        requireSound(test.method, value);
        return { accepted: true, depth: 2 };
      },
      async stillWorks() {
        current = { method: "getAll", answer: { kind: "valid" }, sameId: true };
        const blobs = await client.getAll(7, NAMESPACES);
        if (blobs.length !== 2 || !bytesEqual(blobs[0]!.data, DATA))
          throw new CrashError("a valid GetAll reply was not read back");
      },
      close: async () => uninstall(),
    };
  },
});
