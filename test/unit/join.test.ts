import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { joinCommand } from "../../chain/cli/join.js";
import { JoinError, peerAddress, planJoin, TRUST_MARGIN } from "../../chain/node/join.js";
import { rejectsUsage } from "../support/usage.js";

const ID = "a".repeat(40);
const HASH = "AB".repeat(32);

/** A fake CometBFT RPC: /genesis, /status and /commit, the block hash at every height `hash`. */
async function fakeRpc(options: { chainId?: string; hash?: string; height?: number } = {}): Promise<string> {
  const chainId = options.chainId ?? "metro-devnet-1";
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url!, "http://x");
    const bodies: Record<string, unknown> = {
      "/genesis": { genesis: { chain_id: chainId, initial_height: "1" } },
      "/status": {
        node_info: { id: ID, listen_addr: "tcp://0.0.0.0:26656", network: chainId },
        sync_info: { latest_block_height: String(options.height ?? 100) },
      },
      "/commit": {
        signed_header: {
          header: { height: url.searchParams.get("height"), chain_id: chainId },
          commit: { block_id: { hash: options.hash ?? HASH } },
        },
      },
    };
    response.end(JSON.stringify({ jsonrpc: "2.0", id: -1, result: bodies[url.pathname] }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const servers: Server[] = [];

describe("metro join's view of the network", () => {
  after(() => {
    for (const server of servers) server.close();
  });

  it("peers at the announced address, or the RPC host when the announced one is unspecified or loopback", () => {
    assert.equal(
      peerAddress(ID, "tcp://0.0.0.0:26656", "http://203.0.113.7:26657"),
      `${ID}@203.0.113.7:26656`,
    );
    assert.equal(
      peerAddress(ID, "198.51.100.2:26656", "https://rpc.example.org"),
      `${ID}@198.51.100.2:26656`,
    );
    assert.equal(
      peerAddress(ID, "tcp://[::]:26656", "http://[2001:db8::1]:26657"),
      `${ID}@[2001:db8::1]:26656`,
    );
    assert.throws(() => peerAddress(ID, "tcp://0.0.0.0", "http://h:1"), JoinError);
  });

  it("trusts a recent block, and asks CometBFT for two RPC servers even when given one", async () => {
    const url = await fakeRpc();
    const plan = await planJoin([url]);
    assert.equal(plan.chainId, "metro-devnet-1");
    assert.equal(plan.trustHeight, 100 - TRUST_MARGIN);
    assert.equal(plan.trustHash, HASH);
    assert.deepEqual(plan.rpcServers, [url, url]);
    assert.deepEqual(plan.peers, [`${ID}@127.0.0.1:26656`]);
  });

  it("refuses a trusted hash that does not match, RPC nodes that disagree, and a height not yet made", async () => {
    const url = await fakeRpc();
    await assert.rejects(planJoin([url], { height: 50, hash: "CD".repeat(32) }), /does not match block 50/);
    assert.equal((await planJoin([url], { height: 50, hash: HASH.toLowerCase() })).trustHash, HASH);
    const other = await fakeRpc({ hash: "EF".repeat(32) });
    await assert.rejects(planJoin([url, other]), /disagree on block 90/);
    const otherChain = await fakeRpc({ chainId: "metro-devnet-2" });
    await assert.rejects(planJoin([url, otherChain]), /is on chain metro-devnet-2/);
    await assert.rejects(planJoin([url], { height: 101 }), /no block to trust at height 101/);
    const young = await fakeRpc({ height: 5 });
    await assert.rejects(planJoin([young]), JoinError);
  });

  it("refuses bad flags before touching the network or the home", async () => {
    const refused = (args: string[], message: RegExp) => rejectsUsage(joinCommand(args), message);
    await refused(["--rpc", "http://127.0.0.1:1"], /needs --home/);
    await refused(["--home", "/tmp/x"], /needs --rpc/);
    await refused(["--home", "/tmp/x", "--rpc", "a,b,c"], /one or two URLs/);
    await refused(["--home", "/tmp/x", "--rpc", "ftp://x"], /not an http/);
    await refused(["--home", "/tmp/x", "--rpc", "http://h:1", "--trust-hash", HASH], /needs --trust-height/);
    await refused(
      ["--home", "/tmp/x", "--rpc", "http://h:1", "--trust-height", "5", "--trust-hash", "zz"],
      /64-hex/,
    );
    await refused(
      ["--home", "/tmp/x", "--rpc", "http://h:1", "--external-address", "nope"],
      /external-address/,
    );
  });
});
