import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { RestServer } from "../../chain/rest/index.js";
import { createLogger } from "../../core/log.js";

/** What the hostile-input campaign found the REST server answering with a 500 (request failed inside). */
describe("the REST server against bad requests and a broken node", () => {
  let node: Server;
  let rest: RestServer;
  let base: string;
  let answer: (path: string) => string = () => "{}";

  before(async () => {
    node = createServer((request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(answer(request.url ?? "/"));
    });
    await new Promise<void>((resolve) => node.listen(0, "127.0.0.1", resolve));
    rest = new RestServer(
      `http://127.0.0.1:${(node.address() as AddressInfo).port}`,
      createLogger("test", "silent"),
    );
    base = `http://127.0.0.1:${await rest.listen(0)}`;
  });

  after(async () => {
    node.closeAllConnections();
    await new Promise((resolve) => node.close(resolve));
    await rest.close();
  });

  const call = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${base}${path}`, init);
    return { status: response.status, body: (await response.json()) as { code: number; message: string } };
  };
  const query = (response: Record<string, unknown>) => () =>
    JSON.stringify({ result: { response: { code: 0, log: "", ...response } } });

  it("refuses a proposal id that is no uint64", async () => {
    const { status, body } = await call("/cosmos/gov/v1/proposals/abc");
    assert.equal(status, 400);
    assert.equal(body.message, 'proposal_id must be an unsigned 64-bit integer, got "abc"');
    assert.equal((await call("/cosmos/gov/v1/proposals/18446744073709551616/tally")).status, 400);
  });

  it("answers 503 when the node's answers do not decode or are not JSON", async () => {
    answer = query({ value: Buffer.from([0xff, 0xff]).toString("base64") });
    const account = await call("/cosmos/auth/v1beta1/accounts/metro1x");
    assert.equal(account.status, 503);
    assert.match(account.body.message, /Query\/Account: the node's answer does not decode/);
    answer = () => "<html>502</html>";
    const posted = await call("/cosmos/tx/v1beta1/txs", {
      method: "POST",
      body: JSON.stringify({ tx_bytes: "AA==" }),
    });
    assert.equal(posted.status, 503);
    assert.match(posted.body.message, /broadcast_tx_sync: unexpected response from the node/);
    answer = (path) =>
      JSON.stringify(
        path.startsWith("/header")
          ? { result: { header: { time: "2026-01-01T00:00:00Z" } } }
          : { result: { hash: "AB", height: "1", tx: "//8=", tx_result: {} } },
      );
    const tx = await call(`/cosmos/tx/v1beta1/txs/${"ab".repeat(32)}`);
    assert.equal(tx.status, 503);
    assert.match(tx.body.message, /the node served a tx that does not decode/);
  });

  it("gives a refusal without a log a message of its own", async () => {
    answer = query({ code: 5, log: "" });
    const { status, body } = await call("/cosmos/bank/v1beta1/balances/metro1x");
    assert.equal(status, 400);
    assert.equal(body.message, "/cosmos.bank.v1beta1.Query/AllBalances failed with code 5");
  });
});
