/**
 * A CometBFT RPC in process for the REST surface: abci_query and broadcast_tx_* answered by the
 * real MetroApp of an in-process chain, and block, tx, tx_search, header and status in
 * CometBFT's JSON for the chain's last block. In hostile mode it answers with its honest reply
 * mutated, garbage or an HTTP error: the REST server must still answer clearly.
 */
import { CheckTxType } from "cosmjs-types/tendermint/abci/types";
import { toHex } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import type { ChaosChain } from "../chain.js";
import { reply } from "../fetch.js";

export type NodeMood =
  | { kind: "honest" }
  | { kind: "hostile"; mutate: (honest: unknown) => unknown; status: number };

const hexUpper = (bytes: Uint8Array) => toHex(bytes).toUpperCase();

export class FakeNode {
  /** RPC calls the REST server made in the current case. */
  calls = 0;
  mood: NodeMood = { kind: "honest" };

  constructor(
    private readonly chain: ChaosChain,
    private readonly txs: Uint8Array[],
  ) {}

  async answer(url: URL, init: RequestInit | undefined): Promise<Response> {
    this.calls++;
    const honest = await this.honest(url, init);
    if (this.mood.kind === "honest") return reply(200, JSON.stringify(honest));
    const mutated = this.mood.mutate(honest);
    return reply(this.mood.status, typeof mutated === "string" ? mutated : JSON.stringify(mutated));
  }

  private async honest(url: URL, init: RequestInit | undefined): Promise<unknown> {
    const get = (name: string) => url.searchParams.get(name);
    switch (url.pathname) {
      case "/abci_query":
        return this.query(get("path") ?? "", get("data") ?? "", get("height"));
      case "/status":
        return {
          result: {
            node_info: { network: "metro-devnet", version: "0.38.25", moniker: "chaos", id: "c0ffee" },
          },
        };
      case "/block":
        return this.block(get("height"));
      case "/header":
        return { result: { header: { time: "2026-01-01T00:00:01.123456789Z" } } };
      case "/tx":
        return this.tx(get("hash") ?? "");
      case "/tx_search":
        return this.search(get("query") ?? "");
      default:
        return this.broadcast(String(init?.body ?? "{}"));
    }
  }

  private query(pathParam: string, data: string, height: string | null): unknown {
    let path: string;
    try {
      path = JSON.parse(pathParam) as string;
    } catch {
      return rpcError("invalid path");
    }
    const response = this.chain.app.query({
      path,
      data: Buffer.from(data.replace(/^0x/, ""), "hex"),
      height: BigInt(height ?? 0),
      prove: false,
    });
    return {
      jsonrpc: "2.0",
      id: -1,
      result: {
        response: {
          code: response.code,
          log: response.log,
          info: "",
          index: "0",
          key: null,
          value: response.value.length > 0 ? Buffer.from(response.value).toString("base64") : null,
          proofOps: null,
          height: String(response.height),
          codespace: response.codespace,
        },
      },
    };
  }

  private block(height: string | null): unknown {
    if (height !== null && BigInt(height) > this.chain.height) {
      return rpcError(
        `height ${height} must be less than or equal to the current blockchain height ${this.chain.height}`,
      );
    }
    const hash = hexUpper(sha256(new TextEncoder().encode(`block ${height}`)));
    return {
      result: {
        block_id: { hash, parts: { total: 1, hash } },
        block: {
          header: {
            version: { block: "11", app: "1" },
            chain_id: "metro-devnet",
            height: height ?? String(this.chain.height),
            time: "2026-01-01T00:00:01.123456789Z",
            last_block_id: { hash, parts: { total: 1, hash } },
            app_hash: hexUpper(this.chain.app.store.root),
            proposer_address: "0".repeat(40),
          },
          data: { txs: this.txs.map((tx) => Buffer.from(tx).toString("base64")) },
          last_commit: {
            height: "1",
            round: 0,
            signatures: [{ block_id_flag: 2, validator_address: "AB".repeat(20), signature: null }],
          },
        },
      },
    };
  }

  private cometTx(tx: Uint8Array) {
    return {
      hash: hexUpper(sha256(tx)),
      height: String(this.chain.height),
      index: 0,
      tx: Buffer.from(tx).toString("base64"),
      tx_result: {
        code: 0,
        data: null,
        log: "",
        gas_wanted: "200000",
        gas_used: "50000",
        events: [{ type: "tx", attributes: [{ key: "fee", value: "1", index: true }] }],
      },
    };
  }

  private tx(hash: string): unknown {
    const found = this.txs.find((tx) => `0x${toHex(sha256(tx))}` === hash.toLowerCase());
    return found ? { result: this.cometTx(found) } : rpcError(`tx (${hash.slice(2)}) not found`);
  }

  private search(query: string): unknown {
    // CometBFT's query language, roughly: a tag, an operator and a quoted value or number.
    if (!/^"?[\w.]+\s*(=|<=|>=|<|>|CONTAINS|EXISTS)/.test(query))
      return rpcError(`failed to parse query: ${query}`);
    return { result: { txs: this.txs.map((tx) => this.cometTx(tx)), total_count: String(this.txs.length) } };
  }

  private async broadcast(body: string): Promise<unknown> {
    const { id, params } = JSON.parse(body) as { id: number; params: { tx: string } };
    const tx = Buffer.from(params.tx, "base64");
    const checked = await this.chain.app.checkTx({ tx, type: CheckTxType.NEW });
    return {
      jsonrpc: "2.0",
      id,
      result: {
        code: checked.code,
        data: "",
        log: checked.log,
        codespace: checked.codespace,
        hash: hexUpper(sha256(tx)),
      },
    };
  }
}

function rpcError(data: string) {
  return { jsonrpc: "2.0", id: -1, error: { code: -32603, message: "Internal error", data } };
}
