import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CheckTxType, Response, ResponseQuery } from "cosmjs-types/tendermint/abci/types";
import { type InProcessApp, inProcessApp } from "../../chain/app/in-process.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { utf8 } from "../../core/bytes.js";
import "../../core/proto/cosmjs-writer.js";
import { CHAIN_ID, testSigner } from "../support/accounts.js";

/**
 * cosmjs-types wrote every int64/uint64 in [2^31, 2^32) as one zero byte in a slot sized for
 * one: the hostile-input campaign found a CheckTx answer CometBFT could not read.
 */
describe("64-bit integers in cosmjs-types' encoding", () => {
  let opened: InProcessApp;

  before(async () => {
    opened = await inProcessApp();
  });

  after(async () => {
    await opened.close();
  });

  it("round-trips every edge of the halves", () => {
    for (const value of [
      2n ** 31n - 1n,
      2n ** 31n,
      3_000_000_000n,
      2n ** 32n - 1n,
      2n ** 32n,
      -1n,
      -(2n ** 31n) - 1n,
      2n ** 63n - 1n,
    ]) {
      const bytes = ResponseQuery.encode(ResponseQuery.fromPartial({ height: value, index: value })).finish();
      const decoded = ResponseQuery.decode(bytes);
      assert.equal(decoded.height, value);
      assert.equal(decoded.index, value);
    }
  });

  it("answers CheckTx of a tx with a gas limit of 3e9 in bytes that decode", async () => {
    const signer = await testSigner(0);
    const tx = signer.signTx({
      messages: [sequenceMsg(signer.address, "gas", utf8("x"))],
      fee: { amount: [{ denom: "utia", amount: "1" }], gas: 3_000_000_000n },
      chainId: CHAIN_ID,
      accountNumber: 0n,
      sequence: 0n,
    });
    const checked = await opened.app.checkTx({ tx, type: CheckTxType.NEW });
    assert.equal(checked.gasWanted, 3_000_000_000n);
    const decoded = Response.decode(Response.encode({ checkTx: checked }).finish());
    assert.equal(decoded.checkTx?.gasWanted, 3_000_000_000n);
    assert.equal(decoded.checkTx?.log, checked.log);
  });
});
