import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { sequenceMsg, signAtMinimumFee } from "../../chain/index.js";
import { DEFAULT_PARAMS } from "../../chain/modules/params.js";
import { Composer } from "../../conductor/composer/composer.js";
import { RollupTxRefusedError, SequencingRefusedError } from "../../conductor/composer/errors.js";
import { sequenceMessageBytes, signedTxBytes } from "../../conductor/composer/size.js";
import type { ComposerTuning } from "../../conductor/composer/tuning.js";
import { createLogger } from "../../core/log.js";
import { testSigner } from "../support/accounts.js";
import { FakeMetro } from "../support/fake-metro.js";

const log = createLogger("test-composer", "silent");

/** Rollup tx `index` of `bytes` bytes: its index up front, so order can be read back. */
function payload(index: number, bytes = 100): Uint8Array {
  const data = new Uint8Array(bytes).fill(0xab);
  new DataView(data.buffer).setUint32(0, index);
  return data;
}
const indexOf = (data: Uint8Array): number => new DataView(data.buffer, data.byteOffset).getUint32(0);

async function composerOn(metro: FakeMetro, tuning: ComposerTuning = {}): Promise<Composer> {
  return Composer.connect(await testSigner(3), metro, {
    rollupName: "gm",
    tuning: { lingerMs: 0, retryDelayMs: 0, ...tuning },
    log,
  });
}

/** Submits rollup txs 0..count-1 together; resolves with each one's outcome. */
function submitAll(composer: Composer, count: number, bytes = 100) {
  const outcomes = Array.from({ length: count }, (_, i) =>
    composer.submit(payload(i, bytes)).then(
      () => "ok" as const,
      (error: Error) => error,
    ),
  );
  return Promise.all(outcomes);
}

describe("composer: Metro tx sizes known before signing", () => {
  it("counts each MsgSequence exactly, and bounds the signed tx from above", async () => {
    const signer = await testSigner(3);
    const terms = { params: DEFAULT_PARAMS, chainId: "fake-metro" };
    const account = { signer, accountNumber: 7n, sequence: 123_456_789n };
    for (const sizes of [[1], [127], [128], [16_383], [16_384], [200_000], [100, 5_000, 70_000]]) {
      const messages = sizes.map((bytes) => sequenceMsg(signer.address, "gm", new Uint8Array(bytes).fill(1)));
      const data = BigInt(sizes.reduce((a, b) => a + b, 0));
      const tx = signAtMinimumFee(account, terms, messages, data);
      const body = sizes.reduce((sum, bytes) => sum + sequenceMessageBytes(signer.address.length, bytes), 0);
      assert.equal(TxRaw.decode(tx).bodyBytes.length, body, `body of ${sizes}`);
      const bound = signedTxBytes(body);
      assert.ok(tx.length <= bound && bound - tx.length < 400, `${tx.length} bytes against ${bound}`);
    }
  });
});

describe("composer: batches", () => {
  it("cuts by bytes: every Metro tx within the limit, as full as it can be, data in order", async () => {
    const metro = new FakeMetro();
    metro.maxTxBytes = 40_000;
    const composer = await composerOn(metro);
    const outcomes = await submitAll(composer, 50, 3_000);
    assert.deepEqual(new Set(outcomes), new Set(["ok"]));
    const message = sequenceMessageBytes(composer.address.length, 3_000);
    let perTx = 0;
    while (signedTxBytes((perTx + 1) * message) <= 40_000) perTx++;
    assert.equal(metro.accepted.length, Math.ceil(50 / perTx), `${perTx} rollup txs fit one Metro tx`);
    for (const tx of metro.accepted) assert.ok(tx.size <= 40_000, `a ${tx.size}-byte tx`);
    assert.deepEqual(metro.sequenced.map(indexOf), [...Array(50).keys()]);
  });

  it("sends at most `window` Metro txs per round, at consecutive sequences", async () => {
    const metro = new FakeMetro();
    const composer = await composerOn(metro, { window: 2, maxBatch: 5 });
    await submitAll(composer, 23);
    assert.deepEqual(metro.rounds, [2, 2, 1]);
    assert.deepEqual(
      metro.accepted.map((tx) => tx.signer.sequence),
      [0n, 1n, 2n, 3n, 4n],
    );
    assert.deepEqual(
      metro.accepted.map((tx) => tx.messages.length),
      [5, 5, 5, 5, 3],
    );
  });

  it("one at a time with window 1", async () => {
    const metro = new FakeMetro();
    const composer = await composerOn(metro, { window: 1, maxBatch: 4 });
    await submitAll(composer, 10);
    assert.deepEqual(metro.rounds, [1, 1, 1]);
  });

  it("refuses at once, with the limit in words, a rollup tx no Metro tx could carry", async () => {
    const metro = new FakeMetro();
    metro.maxTxBytes = 40_000;
    const composer = await composerOn(metro);
    const tooBig = composer.submit(new Uint8Array(45_000).fill(1));
    await assert.rejects(tooBig, (error: Error) => {
      assert.ok(error instanceof RollupTxRefusedError);
      assert.match(
        error.message,
        /45000 bytes; a Metro tx carrying it alone takes up to \d+ bytes, over the 40000/,
      );
      return true;
    });
    const overItemLimit = new FakeMetro();
    const wide = await composerOn(overItemLimit);
    await assert.rejects(wide.submit(new Uint8Array(300_000).fill(1)), /at most 262144 bytes of rollup data/);
    await assert.rejects(composer.submit(new Uint8Array(0)), /the rollup tx is empty/);
    await composer.submit(payload(7));
    assert.deepEqual(metro.sequenced.map(indexOf), [7]);
    assert.deepEqual(metro.rounds, [1], "nothing refused was ever sent");
  });
});

describe("composer: refusals", () => {
  it("signs again at the sequence Metro expects: txs of its own in the mempool, then a node that lost them", async () => {
    const metro = new FakeMetro();
    metro.expected = 3n; // three txs of this account still in the mempool, not yet committed
    const composer = await composerOn(metro, { maxBatch: 10 });
    assert.deepEqual(new Set(await submitAll(composer, 20)), new Set(["ok"]));
    assert.deepEqual(
      metro.accepted.map((tx) => tx.signer.sequence),
      [3n, 4n],
    );
    metro.expected = 0n; // a restart emptied the mempool
    await Promise.all([30, 31].map((i) => composer.submit(payload(i))));
    assert.equal(metro.accepted.at(-1)?.signer.sequence, 0n);
    assert.deepEqual(metro.sequenced.map(indexOf), [...Array(20).keys(), 30, 31]);
  });

  it("reads the gas price again when governance raised it, and pays the new fee", async () => {
    const metro = new FakeMetro();
    const composer = await composerOn(metro);
    metro.params = { ...metro.params, minGasPrice: "0.05" };
    const termsBefore = metro.termsRead;
    await composer.submit(payload(1));
    assert.equal(metro.termsRead, termsBefore + 1);
    assert.equal(metro.accepted.length, 1, "accepted once the fee was right");
  });

  it("tells the callers Metro's reason after maxAttempts, and the txs behind them still go", async () => {
    const metro = new FakeMetro();
    // Txs carrying rollup tx 0 are refused every time; the batch behind them only for its sequence.
    metro.refuse = (tx) =>
      tx.messages.some((m) => indexOf((m.value as { data: Uint8Array }).data) === 0)
        ? "insufficient funds: the composer's account is empty"
        : undefined;
    const composer = await composerOn(metro, { window: 2, maxBatch: 2, maxAttempts: 3 });
    const outcomes = await submitAll(composer, 4);
    for (const refused of outcomes.slice(0, 2)) {
      assert.ok(refused instanceof SequencingRefusedError, String(refused));
      assert.equal(refused.attempts, 3);
      assert.match(refused.message, /insufficient funds: the composer's account is empty/);
    }
    assert.deepEqual(outcomes.slice(2), ["ok", "ok"]);
    assert.deepEqual(metro.sequenced.map(indexOf), [2, 3]);
    assert.equal(metro.accepted[0]?.signer.sequence, 0n, "the refused txs took no sequence");
  });

  it("sends the same bytes again when an answer was lost: a tx Metro already held lands once", async () => {
    const metro = new FakeMetro();
    metro.loseAnswers = 1;
    const composer = await composerOn(metro, { maxBatch: 3 });
    assert.deepEqual(new Set(await submitAll(composer, 6)), new Set(["ok"]));
    assert.deepEqual(metro.rounds, [2, 2]);
    assert.deepEqual(metro.broadcastHashes.slice(2), metro.broadcastHashes.slice(0, 2), "the same txs");
    assert.deepEqual(metro.sequenced.map(indexOf), [...Array(6).keys()]);
  });

  it("keeps submission order through refusals at every turn", async () => {
    const metro = new FakeMetro();
    let checked = 0;
    metro.refuse = () => (++checked % 5 === 0 ? "mempool is full" : undefined);
    const composer = await composerOn(metro, { window: 4, maxBatch: 7, maxAttempts: 10 });
    assert.deepEqual(new Set(await submitAll(composer, 200)), new Set(["ok"]));
    assert.deepEqual(metro.sequenced.map(indexOf), [...Array(200).keys()]);
  });

  it("on stop, tells every waiting caller, and takes no more", async () => {
    const metro = new FakeMetro();
    const composer = await composerOn(metro, { lingerMs: 60_000 });
    const waiting = submitAll(composer, 3);
    composer.stop();
    for (const outcome of await waiting) assert.match(String(outcome), /composer stopped/);
    await assert.rejects(composer.submit(payload(9)), /composer stopped/);
    assert.deepEqual(metro.rounds, []);
  });
});
