import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { hexToBytes, parseEther } from "viem";
import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import { OfflineSigner } from "../../chain/client/offline.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { decodePrice, priceKey } from "../../chain/modules/oracle.js";
import { abciQuery, broadcastTxs } from "../../chain/node/rpc.js";
import { ExecutionClient } from "../../conductor/execution/transport.js";
import type { RollupProcesses } from "../../conductor/rollup-home.js";
import { feedAddress, loadArtifact, ORACLE_ADDRESS } from "../../contracts/index.js";
import { utf8 } from "../../core/bytes.js";
import { QueryPath } from "../../core/proto/sequencer.js";
import { CHAIN_ID, feeFor } from "../support/accounts.js";
import { ETHER, ethAccount } from "../support/evm.js";
import { sleep, until } from "../support/network.js";
import { type RollupStack, rollupClients, startRollupStack } from "../support/rollups.js";

const engineOf = (rollup: RollupProcesses) => new ExecutionClient(rollup.home.conductor.executionUrl);

describe("rollups end to end: real CometBFT, relayer, local DA, gossip, EVM node and conductor", () => {
  let stack: RollupStack;
  let gm: RollupProcesses;
  let other: RollupProcesses;

  before(async () => {
    stack = await startRollupStack();
    gm = await stack.addRollup("gm", 7777777, 9);
    other = await stack.addRollup("other", 8888888, 8);
  });

  after(async () => {
    await stack?.stop();
  });

  it("takes viem transfers and a deployment: receipts arrive soft first, then finalized catches up", async () => {
    const { publicClient, wallet } = rollupClients(gm);
    const to = ethAccount(5).address;
    // Both heads sampled from before the send, one right after the other: load delays both alike.
    const heads: { latest: bigint; finalized: bigint }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        // Finalized first: it never passes latest, so a sample can never show it ahead.
        const finalized = (await publicClient.getBlock({ blockTag: "finalized" })).number;
        const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
        heads.push({ latest, finalized });
        await sleep(25);
      }
    })();
    const hash = await wallet.sendTransaction({ to, value: parseEther("2") });
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 25 });
    assert.equal(receipt.status, "success");
    assert.equal(await publicClient.getBalance({ address: to }), 1_000_002n * ETHER);
    await until("the DA block lands and finalized catches up", () =>
      heads.some((head) => head.finalized >= receipt.blockNumber),
    );
    sampling = false;
    await sampler;
    const softAt = heads.findIndex((head) => head.latest >= receipt.blockNumber);
    const firmAt = heads.findIndex((head) => head.finalized >= receipt.blockNumber);
    assert.ok(
      softAt >= 0 && softAt < firmAt,
      `soft first: block ${receipt.blockNumber} soft at sample ${softAt}, finalized at sample ${firmAt}`,
    );

    const feedContract = loadArtifact("MetroPriceFeed");
    const deployHash = await wallet.deployContract({
      abi: feedContract.abi,
      bytecode: feedContract.bytecode,
    });
    const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash, pollingInterval: 100 });
    assert.equal(deployed.status, "success");
    // Same length as the compiled runtime: only its immutables (the deployer) are filled in.
    const code = await publicClient.getCode({ address: deployed.contractAddress! });
    assert.equal(code?.length, feedContract.deployedBytecode.length);
  });

  it("answers a tx too large for Metro with the limit, from the real chain's params", async () => {
    const raw = await ethAccount(3).signTransaction({
      chainId: 7777777,
      type: "eip1559",
      to: ethAccount(6).address,
      data: `0x${"ab".repeat(300_000)}`,
      nonce: 0,
      gas: 25_000_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
    });
    const response = await fetch(gm.rpcUrl, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [raw] }),
    });
    const reply = (await response.json()) as { error?: { message: string } };
    assert.match(reply.error?.message ?? "", /Metro carries at most 262144 bytes of rollup data per tx/);
  });

  it("gives contracts Metro's prices: latestRoundData equals the on-chain median at that height", async () => {
    const { publicClient, wallet } = rollupClients(gm, 1);
    const oracle = loadArtifact("MetroOracle");
    const feedAbi = loadArtifact("MetroPriceFeed").abi;
    let feed: `0x${string}` = "0x0000000000000000000000000000000000000000";
    await until("the TIA/USD feed exists", async () => {
      feed = (await publicClient.readContract({
        address: ORACLE_ADDRESS,
        abi: oracle.abi,
        functionName: "feed",
        args: ["TIA/USD"],
      })) as `0x${string}`;
      return BigInt(feed) !== 0n;
    });
    assert.equal(feed.toLowerCase(), feedAddress("TIA/USD").toLowerCase());
    const head = await publicClient.getBlockNumber();
    const [roundId, answer] = (await publicClient.readContract({
      address: feed,
      abi: feedAbi,
      functionName: "latestRoundData",
      blockNumber: head,
    })) as [bigint, bigint, bigint, bigint, bigint];
    const stored = await abciQuery(
      stack.net.rpc(0),
      QueryPath.storeKey,
      utf8(priceKey("TIA/USD")),
      Number(roundId),
    );
    assert.equal(stored.code, 0, stored.log);
    assert.equal(answer, decodePrice(stored.value).price, `the median Metro stored at height ${roundId}`);
    assert.equal(answer, 512345678n, "the sidecar's 5.12345678 in 8 decimals");

    const market = loadArtifact("LendingMarket");
    const deployHash = await wallet.deployContract({
      abi: market.abi,
      bytecode: market.bytecode,
      args: [feed],
    });
    const { contractAddress, status } = await publicClient.waitForTransactionReceipt({ hash: deployHash });
    assert.equal(status, "success");
    const call = async (functionName: string, args: unknown[], value = 0n) => {
      const hash = await wallet.writeContract({
        address: contractAddress!,
        abi: market.abi,
        functionName,
        args,
        value,
        gas: 300_000n,
      });
      return (await publicClient.waitForTransactionReceipt({ hash })).status;
    };
    assert.equal(await call("deposit", [], 10n * ETHER), "success");
    // 10 ETH of collateral at 5.12 TIA-dollars each: 75% is ~38.4 units of debt.
    assert.equal(await call("borrow", [30n * ETHER]), "success");
    assert.equal(await call("borrow", [20n * ETHER]), "reverted", "beyond the collateral factor");
  });

  it("keeps two rollups isolated, and lands an atomic Metro bundle in both at one height", async () => {
    const gmTx = await ethAccount(2).signTransaction({
      chainId: 7777777,
      type: "eip1559",
      to: ethAccount(6).address,
      value: ETHER,
      nonce: 0,
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
    });
    const otherTx = await ethAccount(2).signTransaction({
      chainId: 8888888,
      type: "eip1559",
      to: ethAccount(6).address,
      value: 3n * ETHER,
      nonce: 0,
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
    });
    const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 3);
    const bundle = signer.signTx({
      chainId: CHAIN_ID,
      accountNumber: 3n,
      sequence: 0n,
      fee: feeFor(400_000n),
      messages: [
        sequenceMsg(signer.address, "gm", hexToBytes(gmTx)),
        sequenceMsg(signer.address, "other", hexToBytes(otherTx)),
      ],
    });
    const [outcome] = await broadcastTxs(stack.net.rpc(0), [bundle]);
    assert.ok(outcome?.kind === "checked" && outcome.code === 0, JSON.stringify(outcome));

    const gmClients = rollupClients(gm);
    const otherClients = rollupClients(other);
    const { keccak256 } = await import("viem");
    const [gmReceipt, otherReceipt] = await Promise.all([
      gmClients.publicClient.waitForTransactionReceipt({ hash: keccak256(gmTx), pollingInterval: 100 }),
      otherClients.publicClient.waitForTransactionReceipt({ hash: keccak256(otherTx), pollingInterval: 100 }),
    ]);
    const [gmBlock, otherBlock] = await Promise.all([
      engineOf(gm).getBlock({ number: gmReceipt.blockNumber, hash: new Uint8Array() }),
      engineOf(other).getBlock({ number: otherReceipt.blockNumber, hash: new Uint8Array() }),
    ]);
    assert.equal(gmBlock?.sequencerHeight, otherBlock?.sequencerHeight, "both at the same Metro height");
    assert.equal(
      await gmClients.publicClient.getBalance({ address: ethAccount(6).address }),
      1_000_001n * ETHER,
    );
    assert.equal(
      await otherClients.publicClient.getBalance({ address: ethAccount(6).address }),
      1_000_003n * ETHER,
    );
    const crossed = await gmClients.publicClient
      .getTransactionReceipt({ hash: keccak256(otherTx) })
      .catch(() => null);
    assert.equal(crossed, null, "the other rollup's tx never runs on gm");
  });

  it("loses nothing when the conductor and the EVM node are kill -9ed under load", async () => {
    const reference = await stack.addFollower(gm, 7);
    const { publicClient, wallet } = rollupClients(gm, 4);
    const accepted: `0x${string}`[] = [];
    let running = true;
    // The client keeps its own nonce: a tx whose send failed is re-sent identically (same hash).
    let nonce = 0;
    const load = (async () => {
      while (running) {
        try {
          const tx = {
            to: ethAccount(7).address,
            value: 1n,
            nonce,
            gas: 21_000n,
            maxFeePerGas: 10n ** 10n,
            maxPriorityFeePerGas: 1n,
          };
          accepted.push(await wallet.sendTransaction(tx));
          nonce++;
        } catch {
          await sleep(200); // the node is down: a real client retries
        }
        await sleep(150);
      }
    })();
    await sleep(3000);
    gm.conductor.child?.kill("SIGKILL");
    await sleep(3000);
    gm.evm.child?.kill("SIGKILL");
    await sleep(4000);
    running = false;
    await load;
    assert.ok(gm.conductor.restarts >= 1 && gm.evm.restarts >= 1, "both were restarted");
    assert.ok(accepted.length > 10, `only ${accepted.length} txs sent`);
    for (const hash of accepted) {
      const receipt = await publicClient.waitForTransactionReceipt({
        hash,
        pollingInterval: 100,
        timeout: 60_000,
      });
      assert.equal(receipt.status, "success");
    }
    const { publicClient: referenceClient } = rollupClients(reference);
    const head = await publicClient.getBlockNumber();
    await until(
      "the reference reaches the same height",
      async () => (await referenceClient.getBlockNumber()) >= head,
    );
    for (let number = 1n; number <= head; number++) {
      const [ours, theirs] = await Promise.all([
        publicClient.getBlock({ blockNumber: number }),
        referenceClient.getBlock({ blockNumber: number }),
      ]);
      assert.equal(ours.hash, theirs.hash, `block ${number}`);
      assert.equal(ours.stateRoot, theirs.stateRoot);
    }
    const executed = await publicClient.getTransactionCount({ address: ethAccount(4).address });
    assert.equal(executed, accepted.length, "every accepted tx executed exactly once");
  });
});
