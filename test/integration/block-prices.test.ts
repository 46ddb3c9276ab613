import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { signedBlockAt } from "../../chain/node/signed-block.js";
import { rollupIdFromName } from "../../core/rollup.js";
import {
  RollupSliceCodec,
  type SequencerBlock,
  SequencerBlockCodec,
  SequencerBlockError,
  sliceForRollup,
  verifyRollupSlice,
  verifySequencerBlock,
} from "../../core/sequencer-block.js";
import { blockPriceList, blockPrices, writtenPriceList } from "../../oracle/index.js";
import { encodePriceSnapshot } from "../../oracle/state.js";
import { buildSequencerBlock } from "../../relayer/sequencer-block.js";
import { CHAIN_ID } from "../support/accounts.js";
import { writtenAt } from "../support/chain-prices.js";
import { startNetwork, type TestNetwork } from "../support/network.js";
import { PriceServer } from "../support/price-server.js";

const TIA = "TIA/USD";
const BTC = "BTC/USD";
const HEIGHTS = 14;

describe("a block's prices recomputed from its SequencerBlock, four validators", () => {
  let net: TestNetwork;
  const sidecars = Array.from({ length: 4 }, () => new PriceServer());
  const setPrices = (step: number) => {
    sidecars.forEach((sidecar, i) => {
      sidecar.prices = {
        [TIA]: (5 + step / 10 + i / 100).toFixed(8),
        [BTC]: (97_000 + 13 * step + 50 * i).toFixed(5),
      };
    });
  };

  before(async () => {
    setPrices(0);
    const urls = await Promise.all(sidecars.map((s) => s.start()));
    net = await startNetwork(4, (devnet) => {
      devnet.specs.forEach((spec, i) => {
        writeFileSync(join(spec.home, "oracle-url"), urls[i]!);
      });
    });
  });

  after(async () => {
    await net?.stop();
    for (const sidecar of sidecars) sidecar.stop();
  });

  it("equal what FinalizeBlock wrote at each height, also read from the next header's state, and a tampered vote base fails", async () => {
    const blocks = new Map<number, SequencerBlock>();
    const built = async (height: number) => {
      let block = blocks.get(height);
      if (!block) {
        // Through the wire, as a conductor receives it, from any of the validators' RPCs.
        const data = await signedBlockAt(net.rpc(height % 4), height);
        block = SequencerBlockCodec.decode(SequencerBlockCodec.encode(buildSequencerBlock(data)));
        blocks.set(height, block);
      }
      return block;
    };
    let priced = 0;
    const tiaPrices = new Set<bigint>();
    const baseSeen = { present: 0, absent: 0 };
    const rollup = rollupIdFromName("any-rollup");
    for (let height = 2; height < 2 + HEIGHTS; height++) {
      // New prices every few blocks, so the votes are non-zero deltas against a moving base.
      if (height % 3 === 0) setPrices(height);
      await waitForHeight(net.rpc(0), height + 2);
      const block = await built(height);
      const previous = await built(height - 1);
      verifySequencerBlock(block, { chainId: CHAIN_ID });
      assert.ok(block.oracleCommitTx.length > 0, `block ${height} has an oracle commit`);
      assert.ok(block.oracleState, `block ${height} carries its oracle state`);
      baseSeen[block.oracleState.voteBase?.present ? "present" : "absent"]++;

      const options = { chainId: CHAIN_ID, previousValidators: previous.validators };
      const prices = blockPrices(block, options);
      const written = await writtenAt(net.rpc(0), height);
      assert.deepEqual(prices, written, `prices at height ${height}`);
      const slice = RollupSliceCodec.decode(RollupSliceCodec.encode(sliceForRollup(block, rollup)));
      verifyRollupSlice(slice, rollup, { chainId: CHAIN_ID });
      assert.deepEqual(blockPrices(slice, options), written);
      // The same prices read from the next header's state, as a conductor with it at hand does.
      const next = await built(height + 1);
      assert.deepEqual(writtenPriceList(block, next), blockPriceList(block, options), `height ${height}`);
      if (prices.size > 0) priced++;
      const tia = prices.get(TIA);
      if (tia) tiaPrices.add(tia.price);
    }
    assert.ok(priced >= HEIGHTS / 2, `${priced} of ${HEIGHTS} blocks priced`);
    assert.ok(tiaPrices.size >= 2, `TIA priced at ${[...tiaPrices].join(", ")}`);
    assert.ok(baseSeen.absent >= 1 && baseSeen.present >= 1, JSON.stringify(baseSeen));

    const { height } = await nodeStatus(net.rpc(0));
    const honest = await built(height);
    assert.ok(honest.oracleState?.voteBase?.present);
    const base = new Map([
      [TIA, 1n],
      [BTC, 1n],
    ]);
    const tampered: SequencerBlock = {
      ...honest,
      oracleState: {
        ...honest.oracleState,
        voteBase: { ...honest.oracleState.voteBase, value: encodePriceSnapshot(base) },
      },
    };
    assert.throws(() => verifySequencerBlock(tampered, { chainId: CHAIN_ID }), SequencerBlockError);
    assert.throws(() => verifySequencerBlock(tampered, { chainId: CHAIN_ID }), /oracle state/);
    assert.throws(
      () => verifyRollupSlice(sliceForRollup(tampered, rollup), rollup, { chainId: CHAIN_ID }),
      /oracle state/,
    );
    assert.throws(() => blockPrices(tampered, { chainId: CHAIN_ID }), /oracle state/);
  });
});
