import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { encodedTxSize, maxBlockTxBytes } from "../../chain/app/block-layout.js";
import { blockRequest, type InProcessApp, inProcessApp } from "../../chain/app/in-process.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { SequencerCode } from "../../chain/tx/errors.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";

/** A block.max_bytes far under Metro's own max_tx_bytes (1 MiB), so the block is the limit. */
const BLOCK_MAX_BYTES = 65_536n;

describe("txs no block can hold (in process)", () => {
  let opened: InProcessApp;
  // No validator keys in the in-process genesis: the commit in the block is empty.
  const limit = maxBlockTxBytes(BLOCK_MAX_BYTES, 0);

  before(async () => {
    opened = await inProcessApp({ blockMaxBytes: BLOCK_MAX_BYTES });
  });

  after(async () => {
    await opened.close();
  });

  const signed = async (index: number, sequence: bigint, payloads: number[]) => {
    const signer = await testSigner(index);
    return signer.signTx({
      chainId: CHAIN_ID,
      accountNumber: BigInt(index),
      sequence,
      fee: feeFor(2_000_000n),
      messages: payloads.map((bytes, i) =>
        sequenceMsg(signer.address, `r${i}`, new Uint8Array(bytes).fill(1)),
      ),
    });
  };

  it("derives the limit from block.max_bytes as CometBFT counts it", () => {
    // 65,536 less 11 (framing), 626 (header), 94 (empty commit), the commitment tx and this tx's own tag and length.
    assert.ok(limit > 64_000 && limit < 64_900, `limit ${limit}`);
    assert.ok(limit < 1_048_576, "under Metro's own max_tx_bytes, so the block limit is what bites");
  });

  it("refuses a bundle whose rollup data would not fit a block, with its own code", async () => {
    const tx = await signed(1, 0n, [limit / 2 + 10, limit / 2 + 10].map(Math.floor));
    const response = await opened.app.checkTx({ tx, type: 0 });
    assert.deepEqual([response.codespace, response.code], ["sequencer", SequencerCode.BundleOverBlockLimit]);
    assert.match(
      response.log,
      /bundle of 2 messages carries \d+ bytes of rollup data; a block holds at most \d+ bytes/,
    );
  });

  it("refuses a tx larger than a block holds, though its rollup data alone would fit", async () => {
    const tx = await signed(1, 0n, [limit - 50]);
    assert.ok(tx.length > limit);
    const response = await opened.app.checkTx({ tx, type: 0 });
    assert.deepEqual([response.codespace, response.code], ["sequencer", SequencerCode.TxOverBlockLimit]);
    assert.match(
      response.log,
      new RegExp(`tx is ${tx.length} bytes; a block holds a tx of at most ${limit} bytes`),
    );
  });

  it("admits the largest tx that fits, and PrepareProposal puts it in a block within max_bytes", async () => {
    const tx = await signed(1, 0n, [limit - 1_000]);
    const response = await opened.app.checkTx({ tx, type: 0 });
    assert.equal(response.code, 0, response.log);
    // CometBFT's MaxDataBytes for this block: max_bytes less framing, header and an empty commit.
    const maxTxBytes = BLOCK_MAX_BYTES - 11n - 626n - 94n;
    const proposal = opened.app.prepareProposal({
      ...blockRequest(1n, [tx]),
      maxTxBytes,
      localLastCommit: { round: 0, votes: [] },
    });
    assert.equal(proposal.txs.length, 2, "the commitment tx and the big tx");
    const used = proposal.txs.reduce((sum, t) => sum + encodedTxSize(t), 0);
    assert.ok(used <= Number(maxTxBytes), `${used} bytes in a block of ${maxTxBytes}`);
  });

  it("never builds a proposal over max_bytes, leaving out what does not fit", async () => {
    const txs = await Promise.all([0n, 1n, 2n, 3n].map((sequence) => signed(2, sequence, [20_000])));
    const maxTxBytes = 50_000n;
    const proposal = opened.app.prepareProposal({
      ...blockRequest(1n, txs),
      maxTxBytes,
      localLastCommit: { round: 0, votes: [] },
    });
    const used = proposal.txs.reduce((sum, t) => sum + encodedTxSize(t), 0);
    assert.ok(used <= Number(maxTxBytes), `${used} bytes in a block of ${maxTxBytes}`);
    assert.deepEqual(proposal.txs.slice(1), txs.slice(0, 2), "the first two fit, in order");
  });
});
