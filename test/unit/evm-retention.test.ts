import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createAddressFromString, setLengthLeft } from "@ethereumjs/util";
import { hexToBytes } from "viem";
import { EvmChain } from "../../conductor/evm/chain.js";
import { ethHandlers } from "../../conductor/evm/eth-api.js";
import { JsonRpcError } from "../../conductor/evm/json-rpc.js";
import { checkKeepBlocks, minKeepBlocks, RetentionError } from "../../conductor/evm/retention.js";
import { EvmStore } from "../../conductor/evm/store.js";
import type { ExecutedBlock } from "../../conductor/execution/api.js";
import { toHex } from "../../core/bytes.js";
import { ethAccount, testRollupGenesis } from "../support/evm.js";

/** Runtime: SSTORE(0, CALLDATALOAD(0)); every call rewrites slot 0, leaving old storage nodes behind. */
const STORE_CONTRACT = "0x00000000000000000000000000000000000c0de1";
const genesis = testRollupGenesis({
  alloc: {
    ...testRollupGenesis().alloc,
    [STORE_CONTRACT]: { balance: "0", nonce: 1, code: "0x60003560005500", storage: { "0x01": "0x07" } },
  },
});
const sender = ethAccount(0);
const receiver = ethAccount(5).address;
const KEEP = 5;
const COUNT = 20;
/** Firm trails soft by two: blocks below FIRM - KEEP are pruned; the last compaction ran at 10. */
const FIRM = COUNT - 2;
const LOWEST = FIRM - KEEP;
/** Block n's txs use nonces 2(n-1) and 2n-1, so a block built on block n starts at nonce 2n. */
const nonceAfter = (n: number) => 2 * n;

async function signed(nonce: number, to: string, value: bigint, data?: `0x${string}`) {
  const raw = await sender.signTransaction({
    chainId: genesis.chainId,
    type: "eip1559",
    to: to as `0x${string}`,
    value,
    nonce,
    gas: 60_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 1n,
    ...(data ? { data } : {}),
  });
  return hexToBytes(raw);
}

/** Block n: a transfer of n wei and a call writing n to the contract's slot 0. */
async function blockTxs(n: number): Promise<Uint8Array[]> {
  const word = `0x${n.toString(16).padStart(64, "0")}` as const;
  return [await signed(2 * (n - 1), receiver, BigInt(n)), await signed(2 * n - 1, STORE_CONTRACT, 0n, word)];
}

function request(parent: ExecutedBlock, n: number, transactions: Uint8Array[], fork = 0) {
  return {
    parentHash: parent.hash,
    transactions,
    timestamp: 1_700_000_000n + BigInt(n),
    prices: [],
    sequencerHeight: BigInt(n),
    sequencerBlockHash: new Uint8Array(32).fill(n + fork),
  };
}

/** What a block's state says: the receiver's balance and the contract's slot 0. */
async function stateAt(chain: EvmChain, hash: Uint8Array): Promise<{ balance: bigint; slot: string }> {
  const vm = await chain.vmAt(hash);
  const account = await vm.stateManager.getAccount(createAddressFromString(receiver));
  const slot = await vm.stateManager.getStorage(
    createAddressFromString(STORE_CONTRACT),
    setLengthLeft(new Uint8Array(), 32),
  );
  return { balance: account?.balance ?? 0n, slot: toHex(slot) };
}

/** Executes blocks 1..count, firm two behind soft, recording each block's state as it is made. */
async function runChain(chain: EvmChain, count: number) {
  const blocks: ExecutedBlock[] = [(await chain.getCommitmentState()).soft];
  const states: { balance: bigint; slot: string }[] = [await stateAt(chain, blocks[0]!.hash)];
  for (let n = 1; n <= count; n++) {
    const { block, skipped } = await chain.executeBlock(request(blocks[n - 1]!, n, await blockTxs(n)));
    assert.deepEqual(skipped, []);
    blocks.push(block);
    states.push(await stateAt(chain, block.hash));
    await chain.updateCommitmentState({ soft: block, firm: blocks[Math.max(0, n - 2)]!, firmDaHeight: 0n });
  }
  return { blocks, states };
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "metro-evm-keep-"));
  dirs.push(dir);
  return dir;
}

describe("the EVM node's retention (--keep-blocks)", () => {
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a retention shorter than fraud proofs need", () => {
    assert.equal(minKeepBlocks(10n), 10 + 256 + 64);
    assert.throws(() => checkKeepBlocks(300, 10n, "gm"), RetentionError);
    assert.throws(() => checkKeepBlocks(300, 10n, "gm"), /--keep-blocks 300 is too few for gm.*at least 330/);
    checkKeepBlocks(330, 10n, "gm");
    checkKeepBlocks(0, 10n, "gm");
  });

  const dir = tempDir();
  let store = new EvmStore(dir);
  let chain: EvmChain;
  let run: Awaited<ReturnType<typeof runChain>>;

  it("keeps the states of kept blocks as they were, refuses pruned ones clearly, and drops trie nodes", async () => {
    chain = await EvmChain.open(store, genesis, { keepBlocks: KEEP, compactEvery: KEEP });
    run = await runChain(chain, COUNT);
    assert.equal(store.prunedBelow, BigInt(LOWEST));
    assert.equal(store.compactedBelow, 10n);
    assert.equal(chain.retention.stats.compactions, 2);
    assert.ok(chain.retention.stats.lastCompactionDropped > 0, "the compactions dropped trie nodes");
    for (let n = LOWEST; n <= COUNT; n++) {
      assert.deepEqual(await stateAt(chain, run.blocks[n]!.hash), run.states[n], `state of block ${n}`);
      assert.equal(toHex(store.canonicalHash(BigInt(n))!), toHex(run.blocks[n]!.hash));
    }
    for (let n = 0; n < LOWEST; n++) {
      assert.equal(store.block(run.blocks[n]!.hash), undefined, `block ${n} is deleted`);
      assert.equal(store.canonicalHash(BigInt(n)), undefined);
    }
    const { before, after } = store.compactTrie();
    assert.ok(after < before, `a compaction now drops blocks 10-12's nodes (${before} -> ${after})`);
    assert.equal(store.trieNodeCount, after);
    for (let n = LOWEST; n <= COUNT; n++)
      assert.deepEqual(await stateAt(chain, run.blocks[n]!.hash), run.states[n]);
  });

  it("answers JSON-RPC for pruned blocks with a clear error, and for kept ones as before", async () => {
    const api = ethHandlers(chain, { submit: async () => {} }, "test");
    const call = (method: string, params: unknown[]) => api.get(method)!(params);
    const pruned = /block 5 is pruned; this node keeps blocks from 13/;
    await assert.rejects(call("eth_getBlockByNumber", ["0x5", false]), pruned);
    await assert.rejects(call("eth_getBalance", [receiver, "0x5"]), (error: unknown) => {
      assert.ok(error instanceof JsonRpcError);
      assert.match(error.message, pruned);
      return true;
    });
    await assert.rejects(call("eth_getLogs", [{ fromBlock: "0x5", toBlock: "latest" }]), pruned);
    await assert.rejects(call("metro_fraudProof", ["0x5"]), pruned);
    const earliest = (await call("eth_getBlockByNumber", ["earliest", false])) as { number: string };
    assert.equal(earliest.number, `0x${LOWEST.toString(16)}`, "earliest is the oldest block kept");
    const balance = await call("eth_getBalance", [receiver, `0x${(LOWEST + 1).toString(16)}`]);
    assert.equal(BigInt(balance as string), run.states[LOWEST + 1]!.balance);
    const [prunedTx] = await blockTxs(3);
    const { keccak256 } = await import("viem");
    assert.equal(await call("eth_getTransactionReceipt", [keccak256(prunedTx!)]), null);
    const history = (await call("eth_feeHistory", ["0x40", "latest", []])) as { oldestBlock: string };
    assert.equal(
      history.oldestBlock,
      `0x${LOWEST.toString(16)}`,
      "fee history stops at the oldest kept block",
    );
    const proof = (await call("metro_fraudProof", [`0x${FIRM.toString(16)}`])) as { witness: string };
    assert.ok(proof.witness.length > 2, "a kept block still has its fraud proof");
  });

  it("reorgs to the firm block, and builds on the oldest kept block", async () => {
    const firm = run.blocks[FIRM]!;
    const word = `0x${"ab".repeat(32)}` as const;
    const { block: other, skipped } = await chain.executeBlock(
      request(
        firm,
        FIRM + 1,
        [
          await signed(nonceAfter(FIRM), receiver, 1000n),
          await signed(nonceAfter(FIRM) + 1, STORE_CONTRACT, 0n, word),
        ],
        100,
      ),
    );
    assert.deepEqual(skipped, [], "the contract's code survived compaction");
    await chain.updateCommitmentState({ soft: other, firm, firmDaHeight: 0n });
    assert.equal(toHex(store.canonicalHash(BigInt(FIRM + 1))!), toHex(other.hash));
    assert.equal(
      store.canonicalHash(BigInt(COUNT)),
      undefined,
      "the abandoned soft block is no longer canonical",
    );
    assert.deepEqual(await stateAt(chain, other.hash), {
      balance: run.states[FIRM]!.balance + 1000n,
      slot: "ab".repeat(32),
    });
    const oldest = run.blocks[LOWEST]!;
    const { block: fromOldest } = await chain.executeBlock(
      request(oldest, LOWEST + 1, [await signed(nonceAfter(LOWEST), receiver, 7n)], 100),
    );
    assert.equal((await stateAt(chain, fromOldest.hash)).balance, run.states[LOWEST]!.balance + 7n);
    await assert.rejects(
      chain.executeBlock(request(run.blocks[LOWEST - 1]!, LOWEST, [], 100)),
      /no block .* to build on/,
      "a pruned block cannot be built on",
    );
  });

  it("leaves a consistent store when a compaction fails or the process dies in the middle", async () => {
    const before = store.trieNodeCount;
    assert.throws(
      () =>
        store.compactTrie((copied) => {
          if (copied === 20) throw new Error("stopped mid-compaction");
        }),
      /stopped mid-compaction/,
    );
    assert.equal(store.trieNodeCount, before, "an aborted compaction changes nothing");
    for (let n = LOWEST; n <= FIRM; n++)
      assert.deepEqual(await stateAt(chain, run.blocks[n]!.hash), run.states[n]);
    await store.close();

    const storeModule = fileURLToPath(new URL("../../conductor/evm/store.js", import.meta.url));
    const killed = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { EvmStore } = await import(${JSON.stringify(storeModule)});
         new EvmStore(${JSON.stringify(dir)}).compactTrie((copied) => {
           if (copied === 20) process.kill(process.pid, "SIGKILL");
         });`,
      ],
      { encoding: "utf8" },
    );
    assert.equal(killed.signal, "SIGKILL", `the child died mid-compaction: ${killed.stderr}`);

    store = new EvmStore(dir);
    chain = await EvmChain.open(store, genesis, { keepBlocks: KEEP, compactEvery: KEEP });
    assert.equal(store.trieNodeCount, before, "the killed compaction left the nodes as they were");
    assert.equal(store.prunedBelow, BigInt(LOWEST));
    for (let n = LOWEST; n <= FIRM; n++)
      assert.deepEqual(await stateAt(chain, run.blocks[n]!.hash), run.states[n]);
    const { after } = store.compactTrie();
    assert.ok(after <= before);
    for (let n = LOWEST; n <= FIRM; n++)
      assert.deepEqual(await stateAt(chain, run.blocks[n]!.hash), run.states[n]);
    await store.close();
  });
});
