import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Response, type ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { encodeFinalizeBlockResponse } from "../../chain/abci/finalize-encoding.js";
import { event } from "../../chain/app/events.js";

function sample(txs: number): ResponseFinalizeBlock {
  return {
    events: [event("block", { proposer: "ü-ñ-∑ unicode", empty: "" }, ["proposer"])],
    txResults: Array.from({ length: txs }, (_, i) => ({
      code: i % 3 === 0 ? 0 : 300 + i,
      data: i % 2 === 0 ? new Uint8Array(0) : new Uint8Array(i * 7).fill(i),
      log: i % 3 === 0 ? "" : `failed ${"x".repeat(i * 40)}`,
      info: i === 4 ? "info" : "",
      gasWanted: i === 5 ? 0n : BigInt(i) * 1_000_003n,
      gasUsed: i === 6 ? -1n : BigInt(i * 1000),
      events: [
        event("tx", { acc_seq: `metro1abc/${i}`, fee: `${i}ibc/XYZ` }, ["acc_seq"]),
        event("", {}),
        event("sequence", { rollup_id: "ab".repeat(32), "": "empty key" }, ["rollup_id", ""]),
      ],
      codespace: i % 3 === 0 ? "" : "sdk",
    })),
    validatorUpdates: [{ pubKey: { ed25519: new Uint8Array(32).fill(1) }, power: 10n }],
    consensusParamUpdates: { block: { maxBytes: 22_020_096n, maxGas: -1n } },
    appHash: new Uint8Array(32).fill(0xab),
  };
}

describe("FinalizeBlock response encoding", () => {
  it("writes exactly the bytes cosmjs-types writes", () => {
    for (const txs of [0, 1, 7, 200]) {
      const response = sample(txs);
      assert.deepEqual(
        Buffer.from(encodeFinalizeBlockResponse(response)),
        Buffer.from(Response.encode({ finalizeBlock: response }).finish()),
        `${txs} txs`,
      );
    }
  });

  it("writes large int64 values that decode back (cosmjs-types' own writer gets 2^31 wrong)", () => {
    const values = [2n ** 31n, 2n ** 32n - 1n, 5_000_000_000n, 2n ** 62n, -1n, -(2n ** 40n)];
    const response = sample(1);
    response.txResults = values.map((gasWanted) => ({
      ...response.txResults[0]!,
      gasWanted,
      gasUsed: gasWanted,
    }));
    const decoded = Response.decode(encodeFinalizeBlockResponse(response)).finalizeBlock!;
    assert.deepEqual(
      decoded.txResults.map((r) => [r.gasWanted, r.gasUsed]),
      values.map((v) => [v, v]),
    );
  });

  it("writes an empty response as cosmjs-types does", () => {
    const empty: ResponseFinalizeBlock = {
      events: [],
      txResults: [],
      validatorUpdates: [],
      appHash: new Uint8Array(),
    };
    assert.deepEqual(
      Buffer.from(encodeFinalizeBlockResponse(empty)),
      Buffer.from(Response.encode({ finalizeBlock: empty }).finish()),
    );
  });
});
