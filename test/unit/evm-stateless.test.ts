import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createAddressFromString, setLengthLeft } from "@ethereumjs/util";
import { getContractAddress, type Hex, hexToBytes, keccak256, pad, toHex as viemHex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { EvmChain } from "../../conductor/evm/chain.js";
import { EvmStore } from "../../conductor/evm/store.js";
import type { ExecuteBlockRequest, ExecutedBlock } from "../../conductor/execution/api.js";
import { ORACLE_ADDRESS, oracleGenesisCode } from "../../contracts/index.js";
import { toHex } from "../../core/bytes.js";
import {
  decodeStateWitness,
  encodeStateWitness,
  IncompleteWitnessError,
  type RollupBlockInputs,
  reexecuteStateless,
  type StateWitness,
  witnessSize,
} from "../../core/evm/index.js";
import { ETHER, ethAccount, testRollupGenesis } from "../support/evm.js";

/** Runtime: sstore(calldata[0..32], calldata[32..64]). */
const STORE_RUNTIME = "60203560003555" + "00";
/** Runtime: sstore(0xff, blockhash(number - 2)); sstore(0xfe, blockhash(number - 1)). */
const HASHES_RUNTIME = "6002430340" + "60ff55" + "6001430340" + "60fe55" + "00";
/** Init code that returns `runtime` (at most 255 bytes). */
const deploy = (runtime: string): Hex => {
  const length = (runtime.length / 2).toString(16).padStart(2, "0");
  return `0x60${length}600c60003960${length}6000f3${runtime}`;
};
const word = (n: bigint) => pad(viemHex(n), { size: 32 }).slice(2);

/** Funded accounts for the 100-transfer block, beside the test mnemonic's. */
const CROWD = 1000;
const crowdKey = (i: number): Hex => `0x${createHash("sha256").update(`crowd ${i}`).digest("hex")}`;

const a0 = ethAccount(0);
const a1 = ethAccount(1);
const broke = ethAccount(7);
const crowd: PrivateKeyAccount[] = [];
const base = testRollupGenesis();
const alloc: (typeof base)["alloc"] = {
  ...base.alloc,
  [ORACLE_ADDRESS]: { balance: "0", nonce: 1, code: oracleGenesisCode() },
};
for (let i = 0; i < CROWD; i++) {
  const account = privateKeyToAccount(crowdKey(i));
  crowd.push(account);
  alloc[account.address] = { balance: ETHER.toString(), nonce: 0 };
}
const genesis = testRollupGenesis({ alloc });
const coinbase = createAddressFromString(genesis.feeRecipient);
const storeAddress = getContractAddress({ from: a0.address, nonce: 1n });
const hashesAddress = getContractAddress({ from: a0.address, nonce: 2n });

const nonces = new Map<string, number>();
async function sign(
  account: PrivateKeyAccount | ReturnType<typeof ethAccount>,
  fields: { to?: Hex; value?: bigint; data?: Hex; gas?: bigint; nonce?: number },
): Promise<Uint8Array> {
  const nonce = fields.nonce ?? nonces.get(account.address) ?? 0;
  if (fields.nonce === undefined) nonces.set(account.address, nonce + 1);
  const raw = await account.signTransaction({
    chainId: genesis.chainId,
    type: "eip1559",
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 1n,
    gas: 200_000n,
    ...fields,
    nonce,
  });
  return hexToBytes(raw);
}

const prices = (k: bigint) => [
  { pair: "ETH/USD", decimals: 8, price: 300_000_000_000n + k },
  { pair: "TIA/USD", decimals: 8, price: 500_000_000n + k },
];

/** What Metro holds for a rollup block, as the stateless function takes it. */
const inputsOf = (request: ExecuteBlockRequest): RollupBlockInputs => ({
  transactions: request.transactions,
  timestamp: request.timestamp,
  prices: request.prices,
  sequencerHeight: request.sequencerHeight,
  sequencerBlockHash: request.sequencerBlockHash,
  coinbase,
});

interface Executed {
  request: ExecuteBlockRequest;
  block: ExecutedBlock;
  skipped: number[];
  parentHeader: Uint8Array;
  witness: StateWitness;
}

const rejectsIncomplete = (promise: Promise<unknown>, what: string) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof IncompleteWitnessError, `${what}: ${String(error)}`);
    return true;
  });

describe("stateless re-execution of rollup blocks from pre-state witnesses", () => {
  const dir = mkdtempSync(join(tmpdir(), "metro-evm-stateless-"));
  let store: EvmStore;
  let chain: EvmChain;
  const blocks: Executed[] = [];

  async function execute(txs: Uint8Array[], blockPrices: ExecuteBlockRequest["prices"]): Promise<Executed> {
    const parent = blocks.at(-1)?.block ?? (await chain.getCommitmentState()).soft;
    const height = parent.sequencerHeight + 1n;
    const request: ExecuteBlockRequest = {
      parentHash: parent.hash,
      transactions: txs,
      timestamp: 1_700_000_000n + 2n * height,
      prices: blockPrices,
      sequencerHeight: height,
      sequencerBlockHash: new Uint8Array(32).fill(Number(height)),
    };
    const { block, skipped } = await chain.executeBlock(request);
    const executed: Executed = {
      request,
      block,
      skipped,
      parentHeader: chain.ethBlock(parent.hash)!.block.header.serialize(),
      witness: await chain.witnessFor(block.hash),
    };
    blocks.push(executed);
    return executed;
  }

  before(async () => {
    store = new EvmStore(dir);
    chain = await EvmChain.open(store, genesis);
    // 1: prices (MetroOracle creates both feeds), a transfer, junk, two deployments.
    const first = await execute(
      [
        await sign(a0, { to: a1.address, value: ETHER, gas: 21_000n }),
        new Uint8Array([1, 2, 3]),
        await sign(a0, { data: deploy(STORE_RUNTIME) }),
        await sign(a0, { data: deploy(HASHES_RUNTIME) }),
      ],
      prices(1n),
    );
    assert.deepEqual(first.skipped, [1]);
    // 2: storage writes, BLOCKHASH of the parent and of genesis, a bad nonce, a sender without funds.
    const second = await execute(
      [
        await sign(a1, { to: storeAddress, data: `0x${word(1n)}${word(7n)}` }),
        await sign(a1, { to: storeAddress, data: `0x${word(2n)}${word(9n)}` }),
        await sign(a0, { to: hashesAddress }),
        await sign(a0, { to: a1.address, value: 1n, nonce: 99 }),
        await sign(broke, { to: a1.address, value: ETHER, gas: 21_000n }),
      ],
      prices(2n),
    );
    assert.deepEqual(second.skipped, [3, 4]);
    // 3: a storage slot cleared (its branch collapses onto the other slot), BLOCKHASH(1),
    // a transfer creating an account.
    const third = await execute(
      [
        await sign(a1, { to: storeAddress, data: `0x${word(1n)}${word(0n)}` }),
        await sign(a0, { to: hashesAddress }),
        await sign(a1, { to: broke.address, value: ETHER, gas: 21_000n }),
      ],
      prices(3n),
    );
    assert.deepEqual(third.skipped, []);
    // 4: no prices, a transfer from the account created in 3.
    await execute([await sign(broke, { to: a0.address, value: 1n, gas: 21_000n })], []);
  });

  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reaches the node's block hash and state root from the witness and Metro's inputs alone", async () => {
    for (const { request, block, parentHeader, witness } of blocks) {
      const result = await reexecuteStateless(parentHeader, inputsOf(request), witness, genesis.chainId);
      assert.equal(toHex(result.blockHash), toHex(block.hash), `block ${block.number}`);
      assert.equal(toHex(result.stateRoot), toHex(block.stateRoot), `block ${block.number}`);
      assert.ok(witness.nodes.length > 0, `block ${block.number} reads state`);
    }
    // The oracle's and the contracts' code are read; BLOCKHASH(1) in block 3 needs block 1's header.
    assert.ok(blocks[1]!.witness.codes.length >= 3, "MetroOracle, a feed and the called contracts");
    assert.equal(blocks[2]!.witness.headers.length, 1);
    assert.deepEqual(blocks[0]!.witness.headers, [], "block 1's BLOCKHASH reads only its parent");
  });

  it("keeps Ethereum's BLOCKHASH: the hashes the contract stored are the real ancestors'", async () => {
    const vm = await chain.vmAt(blocks[2]!.block.hash);
    const at = createAddressFromString(hashesAddress);
    const slot = async (n: bigint) =>
      toHex(setLengthLeft(await vm.stateManager.getStorage(at, hexToBytes(pad(viemHex(n)))), 32));
    assert.equal(await slot(0xffn), toHex(blocks[0]!.block.hash), "blockhash(number - 2)");
    assert.equal(await slot(0xfen), toHex(blocks[1]!.block.hash), "blockhash(number - 1)");
  });

  it("fails with IncompleteWitnessError when any single node, code or header is left out", async () => {
    let tried = 0;
    for (const { request, block, parentHeader, witness } of blocks) {
      const inputs = inputsOf(request);
      for (const kind of ["nodes", "codes", "headers"] as const) {
        for (let i = 0; i < witness[kind].length; i++) {
          const partial = { ...witness, [kind]: witness[kind].filter((_, j) => j !== i) };
          await rejectsIncomplete(
            reexecuteStateless(parentHeader, inputs, partial, genesis.chainId),
            `block ${block.number} without ${kind}[${i}]`,
          );
          tried++;
        }
      }
    }
    assert.ok(tried > 100, `${tried} witnesses with one entry left out`);
    // Nothing at all: not even the parent's state root.
    await rejectsIncomplete(
      reexecuteStateless(
        blocks[0]!.parentHeader,
        inputsOf(blocks[0]!.request),
        { nodes: [], codes: [], headers: [] },
        genesis.chainId,
      ),
      "an empty witness",
    );
  });

  it("ignores witness entries nothing references, whatever they hold", async () => {
    const other = blocks[3]!.witness;
    for (const { request, block, parentHeader, witness } of blocks) {
      const noisy: StateWitness = {
        // 0x80 is the empty trie's root "node": given, empty storage must still read as empty.
        nodes: [new Uint8Array([0x80]), ...witness.nodes, ...other.nodes, new Uint8Array([0xc2, 1, 2])],
        codes: [...witness.codes, hexToBytes(`0x${STORE_RUNTIME}ff`)],
        headers: [...witness.headers, blocks[0]!.parentHeader, new Uint8Array(40)],
      };
      const result = await reexecuteStateless(parentHeader, inputsOf(request), noisy, genesis.chainId);
      assert.equal(toHex(result.blockHash), toHex(block.hash), `block ${block.number}`);
    }
  });

  it("reaches another state root from a tampered input: what a fraud proof shows", async () => {
    const { request, block, parentHeader, witness } = blocks[2]!;
    // The same transfer for another amount reads the same state, so the witness covers it.
    const tampered = [...request.transactions];
    tampered[2] = await sign(a1, { to: broke.address, value: 2n * ETHER, gas: 21_000n, nonce: 3 });
    const result = await reexecuteStateless(
      parentHeader,
      { ...inputsOf(request), transactions: tampered },
      witness,
      genesis.chainId,
    );
    assert.notEqual(toHex(result.stateRoot), toHex(block.stateRoot));
    // Other prices change the feeds' storage: another root too.
    const otherPrices = await reexecuteStateless(
      parentHeader,
      { ...inputsOf(request), prices: prices(4n) },
      witness,
      genesis.chainId,
    );
    assert.notEqual(toHex(otherPrices.stateRoot), toHex(block.stateRoot));
    // A witness from another block does not stand in for this one's.
    await rejectsIncomplete(
      reexecuteStateless(parentHeader, inputsOf(request), blocks[1]!.witness, genesis.chainId),
      "block 2's witness for block 3",
    );
  });

  it("records without writing to the node's store, the same witness every time", async () => {
    const trie = store.trie as unknown as Record<
      "put" | "batch" | "del",
      (...args: unknown[]) => Promise<void>
    >;
    const originals = { put: trie.put, batch: trie.batch, del: trie.del };
    let writes = 0;
    for (const name of ["put", "batch", "del"] as const) {
      trie[name] = async () => {
        writes++;
      };
    }
    try {
      for (const { block, witness } of blocks) {
        const again = await chain.witnessFor(block.hash);
        assert.deepEqual(encodeStateWitness(again), encodeStateWitness(witness));
        assert.deepEqual(decodeStateWitness(encodeStateWitness(again)), again);
      }
    } finally {
      Object.assign(trie, originals);
    }
    assert.equal(writes, 0);
    assert.throws(() => decodeStateWitness(new Uint8Array([0xc1, 0x01])), TypeError);
    // Deduplicated and in hash order.
    const { witness } = blocks[1]!;
    const hashes = witness.nodes.map((node) => keccak256(node));
    assert.deepEqual(hashes, [...new Set(hashes)].sort());
  });

  it("measures the witness of a block of 100 transfers", async () => {
    const txs: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) {
      const to = privateKeyToAccount(crowdKey(CROWD + i)).address; // a new account each
      txs.push(await sign(crowd[i]!, { to, value: 1000n, gas: 21_000n }));
    }
    const started = performance.now();
    const executed = await execute(txs, prices(5n));
    const executeMs = performance.now() - started;
    assert.deepEqual(executed.skipped, []);
    const { witness, request, parentHeader, block } = executed;
    const statelessStart = performance.now();
    const result = await reexecuteStateless(parentHeader, inputsOf(request), witness, genesis.chainId);
    const statelessMs = performance.now() - statelessStart;
    assert.equal(toHex(result.blockHash), toHex(block.hash));
    const encoded = encodeStateWitness(witness).length;
    const bytes = (list: Uint8Array[]) => list.reduce((sum, item) => sum + item.length, 0);
    console.log(
      `# 100-transfer block (and the oracle update) over ${CROWD + 3} genesis accounts: witness ` +
        `${witness.nodes.length} nodes (${bytes(witness.nodes)} bytes), ${witness.codes.length} codes ` +
        `(${bytes(witness.codes)} bytes), ${witness.headers.length} headers; ${witnessSize(witness)} bytes, ` +
        `${encoded} RLP-encoded; execute+record ${executeMs.toFixed(0)} ms, stateless ${statelessMs.toFixed(0)} ms`,
    );
    for (const i of [0, 1, Math.floor(witness.nodes.length / 2), witness.nodes.length - 1]) {
      const partial = { ...witness, nodes: witness.nodes.filter((_, j) => j !== i) };
      await rejectsIncomplete(
        reexecuteStateless(parentHeader, inputsOf(request), partial, genesis.chainId),
        `without node ${i}`,
      );
    }
  });
});
