import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ecrecover } from "@ethereumjs/util";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hexToBytes, keccak256 } from "viem";
import { EvmChain } from "../../conductor/evm/chain.js";
import { EvmStore } from "../../conductor/evm/store.js";
import type { ExecutedBlock } from "../../conductor/execution/api.js";
import { toHex } from "../../core/bytes.js";
import { EcrecoverError, nativeEcrecover } from "../../core/evm/index.js";
import { ETHER, ethAccount, testRollupGenesis } from "../support/evm.js";

const genesis = testRollupGenesis();
const sender = ethAccount(0);
const receiver = ethAccount(5).address;
const broke = ethAccount(7);

async function transfer(account = sender, nonce = 0, value = ETHER) {
  const raw = await account.signTransaction({
    chainId: genesis.chainId,
    type: "eip1559",
    to: receiver,
    value,
    nonce,
    gas: 21_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 1n,
  });
  return hexToBytes(raw);
}

const metroHash = (n: number) => new Uint8Array(32).fill(n);

describe("native sender recovery", () => {
  it("recovers exactly the key ethereumjs' own ecrecover does, and refuses what it refuses", () => {
    for (let i = 1; i <= 20; i++) {
      const key = secp256k1.utils.randomSecretKey();
      const digest = keccak256(new Uint8Array([i, 1, 2, 3]), "bytes");
      // noble's "recovered" format: the recovery bit, then r and s.
      const signed = secp256k1.sign(digest, key, { prehash: false, format: "recovered" });
      const recovery = BigInt(signed[0]!);
      const r = signed.slice(1, 33);
      const s = signed.slice(33, 65);
      for (const [v, chainId] of [
        [27n + recovery, undefined],
        [recovery, undefined],
        [1337n * 2n + 35n + recovery, 1337n],
      ] as const) {
        assert.equal(
          toHex(nativeEcrecover(digest, v, r, s, chainId)),
          toHex(ecrecover(digest, v, r, s, chainId)),
        );
      }
    }
    const digest = new Uint8Array(32).fill(1);
    assert.throws(
      () => nativeEcrecover(digest, 29n, new Uint8Array(32).fill(1), new Uint8Array(32).fill(1)),
      /v value/,
    );
    assert.throws(() => nativeEcrecover(digest, 27n, new Uint8Array(32), new Uint8Array(32)), EcrecoverError);
  });
});

describe("the reference EVM execution engine", () => {
  const dir = mkdtempSync(join(tmpdir(), "metro-evm-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let store = new EvmStore(dir);
  let chain: EvmChain;
  let first: ExecutedBlock;

  it("skips invalid txs deterministically and executes the valid ones", async () => {
    chain = await EvmChain.open(store, genesis);
    const start = await chain.getCommitmentState();
    assert.equal(start.soft.number, 0n);
    const wrongChain = hexToBytes(
      await sender.signTransaction({
        chainId: 1,
        to: receiver,
        value: 1n,
        nonce: 0,
        gas: 21_000n,
        gasPrice: 10n ** 10n,
      }),
    );
    const txs = [
      await transfer(),
      new Uint8Array([1, 2, 3]),
      await transfer(sender, 5),
      await transfer(broke),
      wrongChain,
    ];
    const request = {
      parentHash: start.soft.hash,
      transactions: txs,
      timestamp: 1_700_000_010n,
      prices: [],
      sequencerHeight: 1n,
      sequencerBlockHash: metroHash(1),
    };
    const { block, skipped } = await chain.executeBlock(request);
    assert.deepEqual(skipped, [1, 2, 3, 4]);
    assert.equal(block.number, 1n);
    assert.equal(block.sequencerHeight, 1n);
    const again = await chain.executeBlock(request);
    assert.equal(toHex(again.block.hash), toHex(block.hash), "the same inputs give the same block");
    first = block;
    await chain.updateCommitmentState({ soft: block, firm: start.firm, firmDaHeight: 0n });
    const vm = await chain.vmAt(block.hash);
    const account = await vm.stateManager.getAccount(
      (await import("@ethereumjs/util")).createAddressFromString(receiver),
    );
    assert.equal(account?.balance, ETHER);
  });

  it("refuses an unknown parent and a commitment that is not a chain", async () => {
    await assert.rejects(
      chain.executeBlock({
        parentHash: metroHash(9),
        transactions: [],
        timestamp: 1n,
        prices: [],
        sequencerHeight: 2n,
        sequencerBlockHash: metroHash(2),
      }),
      /no block .* to build on/,
    );
    const state = await chain.getCommitmentState();
    await assert.rejects(
      chain.updateCommitmentState({ soft: state.firm, firm: state.soft, firmDaHeight: 0n }),
      /firm 1 is above soft 0/,
    );
  });

  it("reorgs to another block at the same height and keeps both readable", async () => {
    const state = await chain.getCommitmentState();
    const { block: other } = await chain.executeBlock({
      parentHash: state.firm.hash,
      transactions: [await transfer(sender, 0, 2n * ETHER)],
      timestamp: 1_700_000_011n,
      prices: [],
      sequencerHeight: 1n,
      sequencerBlockHash: metroHash(11),
    });
    assert.notEqual(toHex(other.hash), toHex(first.hash));
    await chain.updateCommitmentState({ soft: other, firm: other, firmDaHeight: 3n });
    assert.equal(
      toHex((await chain.getBlock({ number: 1n, hash: new Uint8Array() }))!.hash),
      toHex(other.hash),
    );
    assert.ok(await chain.getBlock({ number: 0n, hash: first.hash }), "the replaced block is still stored");
    await assert.rejects(
      chain.updateCommitmentState({ soft: first, firm: state.firm, firmDaHeight: 0n }),
      /firm cannot move back/,
    );
  });

  it("resumes from its commitment state after a restart", async () => {
    const before = await chain.getCommitmentState();
    await store.close();
    store = new EvmStore(dir);
    chain = await EvmChain.open(store, genesis);
    const afterRestart = await chain.getCommitmentState();
    assert.equal(toHex(afterRestart.soft.hash), toHex(before.soft.hash));
    assert.equal(afterRestart.firmDaHeight, 3n);
    await assert.rejects(EvmChain.open(store, { ...genesis, chainId: 5 }), /holds chain 1337/);
    await store.close();
  });
});
