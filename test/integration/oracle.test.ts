import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { QueryClient, setupStakingExtension } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { operatorAddresses } from "../../chain/client/keys.js";
import { queryPrice } from "../../chain/client/queries.js";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { operatorAddress } from "../../core/address.js";
import { DEFAULT_PAIRS } from "../../oracle/index.js";
import { metroCli } from "../support/cli.js";
import { sleep, startNetwork, type TestNetwork } from "../support/network.js";
import { PriceServer } from "../support/price-server.js";

const TIA = "TIA/USD";
const BTC = "BTC/USD";
/** The validator whose proposals carry a tampered injected commit (its home folder's name). */
const TAMPERER = "node3";
const PENALTY_WINDOW = 20;

describe("oracle: price votes in vote extensions, four validators", () => {
  let net: TestNetwork;
  const sidecars = Array.from({ length: 4 }, () => new PriceServer());
  const previousTamper = process.env.METRO_TEST_TAMPER_INJECTION;

  const setPrices = (tia: number[], btc: number[]) => {
    sidecars.forEach((sidecar, i) => {
      sidecar.prices = { [TIA]: tia[i]!.toFixed(8), [BTC]: btc[i]!.toFixed(5) };
    });
  };

  /** Waits until a price updated after `height` shows up, and returns it. */
  async function priceAfter(pair: string, height: number) {
    for (let i = 0; i < 80; i++) {
      const price = await queryPrice(net.rpc(0), pair);
      if (price && price.height > BigInt(height)) return price;
      await sleep(250);
    }
    throw new Error(`no ${pair} price after height ${height}`);
  }

  before(async () => {
    setPrices([5.1, 5.2, 5.3, 5.4], [97000, 97100, 97200, 97300]);
    const urls = await Promise.all(sidecars.map((s) => s.start()));
    process.env.METRO_TEST_TAMPER_INJECTION = TAMPERER;
    net = await startNetwork(
      4,
      (devnet) => {
        devnet.specs.forEach((spec, i) => {
          writeFileSync(join(spec.home, "oracle-url"), urls[i]!);
        });
      },
      // A short window, so a straying validator is penalised within the test; the brief 10x
      // episode of the second test stays under the threshold.
      {
        oraclePenalties: {
          window_blocks: String(PENALTY_WINDOW),
          max_bad_blocks: "12",
          deviation_band: "0.1",
          slash_fraction: "0.01",
          jail_seconds: "600",
        },
      },
    );
  });

  after(async () => {
    process.env.METRO_TEST_TAMPER_INJECTION = previousTamper;
    await net?.stop();
    for (const sidecar of sidecars) sidecar.stop();
  });

  it("writes the stake-weighted median of the validators' prices", async () => {
    const { height } = await nodeStatus(net.rpc(0));
    const tia = await priceAfter(TIA, height);
    const btc = await priceAfter(BTC, height);
    // Equal power; sorted votes 5.1 5.2 5.3 5.4: the median is the lowest price reaching half the power.
    assert.equal(tia.price, 520_000_000n);
    assert.equal(tia.decimals, 8);
    assert.equal(btc.price, 9_710_000_000n);

    // `metro query prices` lists every pair of the chain, priced or not, with the decimal form.
    const shown = JSON.parse(await metroCli("query", "prices", `--node=${net.rpc(0)}`)) as {
      prices: { pair: string; decimal?: string; price: string | null }[];
    };
    assert.deepEqual(
      shown.prices.map((p) => p.pair),
      DEFAULT_PAIRS.map((p) => p.id).sort(),
    );
    assert.equal(shown.prices.find((p) => p.pair === TIA)?.decimal, "5.20000000");
    assert.equal(shown.prices.find((p) => p.pair === BTC)?.decimal, "97100.00000");
  });

  it("keeps the price inside the honest range when one validator votes 10x", async () => {
    setPrices([5.1, 5.2, 5.3, 54], [97000, 97100, 97200, 973000]);
    const { height } = await nodeStatus(net.rpc(0));
    await priceAfter(TIA, height + 1);
    for (let h = height + 2; h < height + 6; h++) {
      await waitForHeight(net.rpc(0), h);
      const tia = (await queryPrice(net.rpc(0), TIA))!;
      assert.ok(tia.price >= 510_000_000n && tia.price <= 530_000_000n, `${tia.price} at ${h}`);
    }
  });

  it("stops updating a price when two of four sidecars are down, and blocks keep coming", async () => {
    setPrices([5.1, 5.2, 5.3, 5.4], [97000, 97100, 97200, 97300]);
    sidecars[2]!.down = true;
    sidecars[3]!.down = true;
    // The feed keeps a price for 5 s after the last good poll; then updates stop.
    await sleep(5500);
    let before = (await queryPrice(net.rpc(0), TIA))!;
    for (let settled = 0; settled < 3; ) {
      await waitForHeight(net.rpc(0), (await nodeStatus(net.rpc(0))).height + 1);
      const now = (await queryPrice(net.rpc(0), TIA))!;
      settled = now.nonce === before.nonce ? settled + 1 : 0;
      before = now;
    }
    const { height } = await nodeStatus(net.rpc(0));
    await waitForHeight(net.rpc(0), height + 4);
    const after = (await queryPrice(net.rpc(0), TIA))!;
    assert.equal(after.nonce, before.nonce, "no update with half the power reporting");
    assert.ok((await nodeStatus(net.rpc(0))).height >= height + 4);
    sidecars[2]!.down = false;
    sidecars[3]!.down = false;
    const resumed = await priceAfter(TIA, (await nodeStatus(net.rpc(0))).height);
    assert.ok(resumed.nonce > after.nonce, "updates resume with the sidecars");
  });

  it("rejects proposals whose injected commit was tampered with, and the chain goes on", async () => {
    const start = (await nodeStatus(net.rpc(0))).height;
    await waitForHeight(net.rpc(0), start + 8);
    const logs = net.devnet.specs
      .filter((spec) => !spec.home.endsWith(TAMPERER))
      .map((spec) => readFileSync(join(spec.home, "app.log"), "utf8"))
      .join("\n");
    assert.match(
      logs,
      /"reason":"injected commit: vote 0 [^"]*extension signature is invalid","msg":"rejecting proposal"/,
    );
    assert.ok((await nodeStatus(net.rpc(0))).height >= start + 8);
  });

  it("slashes and jails a validator whose votes stray from the median for most of a window", async () => {
    const q = QueryClient.withExtensions(await Comet38Client.connect(net.rpc(0)), setupStakingExtension);
    const operator = operatorAddress((await operatorAddresses(4))[1]!);
    const before = BigInt((await q.staking.validator(operator)).validator.tokens);
    setPrices([5.1, 52, 5.3, 5.4], [97000, 971000, 97200, 97300]);
    const start = (await nodeStatus(net.rpc(0))).height;
    let jailed = false;
    while (!jailed && (await nodeStatus(net.rpc(0))).height < start + 3 * PENALTY_WINDOW) {
      jailed = (await q.staking.validator(operator)).validator.jailed;
      const tia = (await queryPrice(net.rpc(0), TIA))!;
      assert.ok(
        tia.price >= 510_000_000n && tia.price <= 540_000_000n,
        `median ${tia.price} left the honest range`,
      );
      await sleep(500);
    }
    assert.ok(jailed, "the straying validator is jailed");
    const after = BigInt((await q.staking.validator(operator)).validator.tokens);
    assert.equal(after, before - before / 100n, "and slashed 1%");
    setPrices([5.1, 5.2, 5.3, 5.4], [97000, 97100, 97200, 97300]);
  });
});
