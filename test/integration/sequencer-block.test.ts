import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sequenceMsg } from "../../chain/client/signing.js";
import { broadcastTxs, nodeStatus, txHeight, waitForHeight } from "../../chain/node/rpc.js";
import { signedBlockAt } from "../../chain/node/signed-block.js";
import { toHex, utf8 } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import { rollupIdFromName } from "../../core/rollup.js";
import {
  RollupSliceCodec,
  SequencerBlockCodec,
  sliceForRollup,
  verifyRollupSlice,
  verifySequencerBlock,
} from "../../core/sequencer-block.js";
import { buildSequencerBlock } from "../../relayer/sequencer-block.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";
import { sleep, startNetwork, type TestNetwork } from "../support/network.js";

const ROLLUPS = ["rollup-one", "rollup-two", "rollup-three"];
const TXS_PER_ROLLUP = 40;

describe("SequencerBlocks from four validators", () => {
  let net: TestNetwork;

  before(async () => {
    net = await startNetwork(4);
  });

  after(async () => {
    await net?.stop();
  });

  it("verify at every height, and give each of 3 rollups exactly what was sent to it", async () => {
    // One account per rollup, so each rollup's items are in that account's sequence order.
    const sent = new Map<string, Uint8Array[]>();
    const txs: Uint8Array[] = [];
    for (const [account, name] of ROLLUPS.entries()) {
      const signer = await testSigner(account);
      const items = Array.from({ length: TXS_PER_ROLLUP }, (_, n) =>
        utf8(`${name} tx ${n} ${"x".repeat(n)}`),
      );
      sent.set(name, items);
      items.forEach((data, n) => {
        txs.push(
          signer.signTx({
            chainId: CHAIN_ID,
            accountNumber: BigInt(account),
            sequence: BigInt(n),
            fee: feeFor(200_000n),
            messages: [sequenceMsg(signer.address, name, data)],
          }),
        );
      });
    }
    const from = (await nodeStatus(net.rpc(0))).height;
    // Spread the load over the validators' RPCs. Each account's txs go to one node, ten at a time
    // and in order, so CheckTx sees its sequences in order.
    const outcomes = await Promise.all(
      ROLLUPS.map(async (_, account) => {
        const mine = txs.slice(account * TXS_PER_ROLLUP, (account + 1) * TXS_PER_ROLLUP);
        const results = [];
        for (let i = 0; i < mine.length; i += 10)
          results.push(...(await broadcastTxs(net.rpc(account), mine.slice(i, i + 10))));
        return results;
      }),
    );
    for (const outcome of outcomes.flat()) {
      assert.ok(outcome.kind === "checked" && outcome.code === 0, JSON.stringify(outcome));
    }
    let last = 0;
    for (const account of ROLLUPS.keys()) {
      const lastTx = txs[(account + 1) * TXS_PER_ROLLUP - 1]!;
      for (let i = 0; i < 120; i++) {
        const height = await txHeight(net.rpc(0), toHex(sha256(lastTx)).toUpperCase());
        if (height) {
          last = Math.max(last, height);
          break;
        }
        await sleep(250);
      }
    }
    assert.ok(last > from, "every rollup's last tx was committed");
    await waitForHeight(net.rpc(0), last + 1);

    const received = new Map<string, Uint8Array[]>(ROLLUPS.map((name) => [name, []]));
    const silent = rollupIdFromName("rollup-that-sent-nothing");
    let blocksWithData = 0;
    for (let height = from + 1; height <= last; height++) {
      const rpc = net.rpc(height % 4);
      const block = SequencerBlockCodec.decode(
        SequencerBlockCodec.encode(buildSequencerBlock(await signedBlockAt(rpc, height))),
      );
      assert.equal(verifySequencerBlock(block, { chainId: CHAIN_ID }).height, BigInt(height));
      if (block.rollups.length > 0) blocksWithData++;
      for (const name of ROLLUPS) {
        const id = rollupIdFromName(name);
        const slice = RollupSliceCodec.decode(RollupSliceCodec.encode(sliceForRollup(block, id)));
        received.get(name)!.push(...verifyRollupSlice(slice, id, { chainId: CHAIN_ID }).items);
      }
      const none = verifyRollupSlice(sliceForRollup(block, silent), silent, { chainId: CHAIN_ID });
      assert.deepEqual(none.items, [], "a rollup without data proves it had none");
    }
    assert.ok(blocksWithData >= 1);
    for (const name of ROLLUPS) {
      assert.deepEqual(received.get(name)!.map(toHex), sent.get(name)!.map(toHex), name);
    }
  });
});
