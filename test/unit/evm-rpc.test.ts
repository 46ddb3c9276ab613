import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  hexToBytes,
  http,
  keccak256,
  parseEther,
} from "viem";
import { Composer } from "../../conductor/composer/composer.js";
import { EvmChain } from "../../conductor/evm/chain.js";
import { ethHandlers } from "../../conductor/evm/eth-api.js";
import { serveJsonRpc } from "../../conductor/evm/json-rpc.js";
import { EvmStore } from "../../conductor/evm/store.js";
import { createLogger } from "../../core/log.js";
import { testSigner } from "../support/accounts.js";
import { ETHER, ethAccount, testRollupGenesis } from "../support/evm.js";
import { FakeMetro } from "../support/fake-metro.js";

/** Runtime: LOG1(topic 1) then return 42. The init code copies it out. */
const RUNTIME = "600160006000a1602a60005260206000f3";
const DEPLOY: Hex = `0x6011600c60003960116000f3${RUNTIME}`;

/**
 * Stands in for Metro in this unit test: each submitted tx is executed in its own block at
 * once, as the conductor would after Metro ordered it; firm trails soft by one block.
 */
class InstantSequencer {
  height = 1n;
  constructor(private readonly chain: EvmChain) {}
  async submit(raw: Uint8Array): Promise<void> {
    const state = await this.chain.getCommitmentState();
    const { block } = await this.chain.executeBlock({
      parentHash: state.soft.hash,
      transactions: [raw],
      timestamp: 1_700_000_000n + this.height,
      prices: [],
      sequencerHeight: this.height,
      sequencerBlockHash: new Uint8Array(32).fill(Number(this.height)),
    });
    this.height++;
    await this.chain.updateCommitmentState({ soft: block, firm: state.soft, firmDaHeight: 0n });
  }
}

describe("the EVM node's Ethereum JSON-RPC, through viem", () => {
  const dir = mkdtempSync(join(tmpdir(), "metro-evm-rpc-"));
  const genesis = testRollupGenesis();
  let store: EvmStore;
  let server: Server;
  let url: string;
  const unexpected: Error[] = [];

  before(async () => {
    store = new EvmStore(dir);
    const chain = await EvmChain.open(store, genesis);
    const served = await serveJsonRpc(ethHandlers(chain, new InstantSequencer(chain), "test"), 0, (error) => {
      unexpected.push(error);
    });
    server = served.server;
    url = `http://127.0.0.1:${served.port}`;
  });

  after(async () => {
    assert.deepEqual(unexpected, [], "no request failed inside the server");
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const chainDef = () =>
    defineChain({
      id: genesis.chainId,
      name: "test",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [url] } },
    });

  it("sends a transfer and deploys a contract; receipts, logs, calls and tags answer", async () => {
    const publicClient = createPublicClient({ chain: chainDef(), transport: http(url) });
    const wallet = createWalletClient({ account: ethAccount(0), chain: chainDef(), transport: http(url) });
    assert.equal(await publicClient.getChainId(), 1337);
    const to = ethAccount(3).address;
    const sent = await wallet.sendTransaction({ to, value: parseEther("1.5") });
    const receipt = await publicClient.waitForTransactionReceipt({ hash: sent, pollingInterval: 50 });
    assert.equal(receipt.status, "success");
    assert.equal(await publicClient.getBalance({ address: to }), (3n * ETHER) / 2n);
    const tx = await publicClient.getTransaction({ hash: sent });
    assert.equal(tx.from.toLowerCase(), ethAccount(0).address.toLowerCase());

    const deployHash = await wallet.deployContract({ abi: [], bytecode: DEPLOY });
    const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash, pollingInterval: 50 });
    assert.ok(deployed.contractAddress);
    assert.equal(await publicClient.getCode({ address: deployed.contractAddress }), `0x${RUNTIME}`);
    const answer = await publicClient.call({ to: deployed.contractAddress, data: "0x" });
    assert.equal(BigInt(answer.data!), 42n);
    const gas = await publicClient.estimateGas({
      account: ethAccount(0).address,
      to: deployed.contractAddress,
    });
    assert.ok(gas > 21_000n && gas < 30_000n, `estimate ${gas}`);
    const called = await wallet.sendTransaction({ to: deployed.contractAddress, gas });
    const callReceipt = await publicClient.waitForTransactionReceipt({ hash: called, pollingInterval: 50 });
    assert.equal(callReceipt.status, "success", "the estimate was enough");
    assert.equal(callReceipt.logs.length, 1);
    const logs = await publicClient.getLogs({ address: deployed.contractAddress, fromBlock: 0n });
    assert.equal(logs.length, 1);
    assert.equal(logs[0]!.transactionHash, called);

    const latest = await publicClient.getBlock({ blockTag: "latest" });
    const finalized = await publicClient.getBlock({ blockTag: "finalized" });
    assert.equal(finalized.number, latest.number - 1n, "finalized is the firm head");
    const history = await publicClient.getFeeHistory({ blockCount: 3, rewardPercentiles: [50] });
    assert.equal(history.baseFeePerGas.length, 4);
  });

  /**
   * MetaMask and cast are not on this machine, so their traffic is replayed by hand: the
   * requests each sends to add a network and send a transfer, with the shapes they use
   * (an ethers-style batch; alloy's `input` instead of `data` and `pending` tags).
   */
  it("answers the request shapes MetaMask and cast send, single and batched", async () => {
    type Reply = { id: number; result?: unknown; error?: { message: string } };
    let nextId = 100;
    const batch = async (calls: [string, unknown[]][]): Promise<unknown[]> => {
      const body = calls.map(([method, params]) => ({ jsonrpc: "2.0", id: nextId++, method, params }));
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "chrome-extension://metamask" },
        body: JSON.stringify(body),
      });
      assert.equal(response.headers.get("access-control-allow-origin"), "*", "a browser wallet may read it");
      const replies = (await response.json()) as Reply[];
      assert.deepEqual(
        replies.map((reply) => reply.id),
        body.map((request) => request.id),
        "answers in request order",
      );
      return replies.map((reply, i) => {
        assert.equal(reply.error, undefined, `${calls[i]![0]}: ${reply.error?.message}`);
        return reply.result;
      });
    };
    const one = async (method: string, params: unknown[]) => (await batch([[method, params]]))[0];
    const sender = ethAccount(1);
    const to = ethAccount(4).address;

    // MetaMask adding the network, then preparing a 1 ETH transfer.
    const [chainId, netVersion, , latest, balance, nonce, code] = (await batch([
      ["eth_chainId", []],
      ["net_version", []],
      ["eth_blockNumber", []],
      ["eth_getBlockByNumber", ["latest", false]],
      ["eth_getBalance", [sender.address, "latest"]],
      ["eth_getTransactionCount", [sender.address, "pending"]],
      ["eth_getCode", [to, "latest"]],
    ])) as [string, string, string, { baseFeePerGas?: string }, string, string, string];
    assert.equal(chainId, "0x539");
    assert.equal(netVersion, "1337");
    assert.ok(latest.baseFeePerGas, "EIP-1559 is detected from the latest block's base fee");
    assert.ok(BigInt(balance) > 0n);
    assert.equal(code, "0x", "the recipient is an account, not a contract");
    const value = `0x${ETHER.toString(16)}`;
    const [gas, history, tip, gasPrice] = (await batch([
      ["eth_estimateGas", [{ from: sender.address, to, value, data: "0x" }]],
      ["eth_feeHistory", ["0x5", "latest", [10, 20, 30]]],
      ["eth_maxPriorityFeePerGas", []],
      ["eth_gasPrice", []],
    ])) as [string, { baseFeePerGas: string[]; reward: string[][] }, string, string];
    assert.equal(BigInt(gas), 21_000n);
    assert.equal(history.reward[0]?.length, 3, "one reward per requested percentile");
    assert.ok(BigInt(gasPrice) >= BigInt(tip));

    const raw = await sender.signTransaction({
      chainId: Number(chainId),
      type: "eip1559",
      nonce: Number(nonce),
      to,
      value: ETHER,
      gas: BigInt(gas),
      maxPriorityFeePerGas: BigInt(tip),
      maxFeePerGas: BigInt(gasPrice) * 2n,
    });
    const hash = (await one("eth_sendRawTransaction", [raw])) as string;
    const [receipt, tx] = (await batch([
      ["eth_getTransactionReceipt", [hash]],
      ["eth_getTransactionByHash", [hash]],
    ])) as [{ status: string; blockNumber: string }, { hash: string }];
    assert.equal(receipt.status, "0x1");
    assert.equal(tx.hash, hash);
    assert.equal(await one("eth_getBalance", [to, receipt.blockNumber]), value);

    // cast (alloy): `input` for calldata, `pending` where it asks about the next block.
    assert.equal(
      await one("eth_getTransactionCount", [sender.address, "pending"]),
      `0x${(BigInt(nonce) + 1n).toString(16)}`,
    );
    const castEstimate = await one("eth_estimateGas", [
      { from: sender.address, to, value: "0x1", input: "0x0102", chainId, type: "0x2" },
      "pending",
    ]);
    assert.equal(BigInt(castEstimate as string), 21_000n + 2n * 16n, "two calldata bytes, read from `input`");
    assert.equal(await one("eth_call", [{ to, input: "0x" }, "latest"]), "0x");
    const block = (await one("eth_getBlockByNumber", [receipt.blockNumber, true])) as {
      transactions: { hash: string }[];
    };
    assert.deepEqual(
      block.transactions.map((t) => t.hash),
      [hash],
    );
  });

  it("answers bad input with clear JSON-RPC errors", async () => {
    const post = async (body: unknown) =>
      (await fetch(url, { method: "POST", body: JSON.stringify(body) })).json() as Promise<{
        error?: { code: number; message: string };
      }>;
    const garbage = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendRawTransaction",
      params: ["0x1234"],
    });
    assert.match(garbage.error?.message ?? "", /invalid transaction/);
    const unknown = await post({ jsonrpc: "2.0", id: 2, method: "eth_mine", params: [] });
    assert.equal(unknown.error?.code, -32601);
    const badParams = await post({ jsonrpc: "2.0", id: 3, method: "eth_getBalance", params: ["nope"] });
    assert.equal(badParams.error?.code, -32602);
    const parse = await (await fetch(url, { method: "POST", body: "{" })).json();
    assert.equal((parse as { error: { code: number } }).error.code, -32700);
    // Found by the hostile-input campaign: both used to fail inside the server (-32603).
    const slot = await post({
      jsonrpc: "2.0",
      id: 4,
      method: "eth_getStorageAt",
      params: [ethAccount(0).address, `0x1${"0".repeat(64)}`, "latest"],
    });
    assert.equal(slot.error?.code, -32602);
    assert.match(slot.error?.message ?? "", /quantity above 2\^256 - 1/);
    const genesis = await post({ jsonrpc: "2.0", id: 5, method: "metro_fraudProof", params: ["0x0"] });
    assert.equal(genesis.error?.code, -32000);
    assert.match(genesis.error?.message ?? "", /has no parent: genesis/);
    // Found by the 10^5-case run: an access list sent as a byte string failed inside ethereumjs.
    const byteAccessList = await post({
      jsonrpc: "2.0",
      id: 6,
      method: "eth_sendRawTransaction",
      params: [
        "0x02f86e82053902843b9aca008504a817c80083030d409415d34aaf54267db7d7c367839aaf71a00a2c6a6501804080a06c8f85d4c1f8a8348bd6b19acd6022e85ff0aea48a921ef0c901dde532161939a00a05fd5b921e22a2984054319a3fb7ad66de59dd448ef9b307220a67681d0675",
      ],
    });
    assert.equal(byteAccessList.error?.code, -32000);
    assert.match(
      byteAccessList.error?.message ?? "",
      /field 8 of a type 2 transaction is not an access list/,
    );
  });
});

describe("eth_sendRawTransaction through the composer (Metro faked)", () => {
  const dir = mkdtempSync(join(tmpdir(), "metro-evm-composer-"));
  const genesis = testRollupGenesis();
  const metro = new FakeMetro();
  metro.maxTxBytes = 8_000;
  let store: EvmStore;
  let server: Server;
  let composer: Composer;
  let url: string;

  before(async () => {
    store = new EvmStore(dir);
    const chain = await EvmChain.open(store, genesis);
    composer = await Composer.connect(await testSigner(3), metro, {
      rollupName: genesis.name,
      tuning: { lingerMs: 0, retryDelayMs: 0, maxAttempts: 2 },
      log: createLogger("test-composer", "silent"),
    });
    const served = await serveJsonRpc(ethHandlers(chain, composer, "test"), 0, () => {});
    server = served.server;
    url = `http://127.0.0.1:${served.port}`;
  });

  after(async () => {
    composer.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let nonce = 0;
  const signed = (data: Hex = "0x") =>
    ethAccount(0).signTransaction({
      chainId: genesis.chainId,
      type: "eip1559",
      to: ethAccount(2).address,
      value: 1n,
      data,
      nonce: nonce++,
      gas: 5_000_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
    });
  const send = async (raw: Hex) => {
    const response = await fetch(url, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [raw] }),
    });
    return (await response.json()) as { result?: string; error?: { code: number; message: string } };
  };

  it("answers with the hash once Metro took the tx, and Metro holds the tx as sent", async () => {
    const raw = await signed();
    const reply = await send(raw);
    assert.equal(reply.error, undefined);
    assert.equal(reply.result, keccak256(raw));
    assert.deepEqual(metro.sequenced.at(-1), hexToBytes(raw));
  });

  it("answers with Metro's reason when Metro keeps refusing the tx", async () => {
    metro.refuse = () => "mempool is full: number of txs 10000 (max: 10000)";
    try {
      const reply = await send(await signed());
      assert.equal(reply.error?.code, -32000);
      assert.match(
        reply.error?.message ?? "",
        /Metro refused the sequencing tx \(2 attempts\): mempool is full/,
      );
    } finally {
      metro.refuse = () => undefined;
    }
  });

  it("refuses at once a tx too large for any Metro tx, saying so", async () => {
    const before = metro.rounds.length;
    const reply = await send(await signed(`0x${"ab".repeat(10_000)}`));
    assert.match(
      reply.error?.message ?? "",
      /a Metro tx carrying it alone takes up to \d+ bytes, over the 8000/,
    );
    assert.equal(metro.rounds.length, before, "it was never sent");
  });
});
