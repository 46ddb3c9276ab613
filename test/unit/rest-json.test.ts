import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { legacyDecText, toRestJson } from "../../chain/rest/json.js";

describe("REST JSON: LegacyDec as the SDK gateway prints it", () => {
  it("prints LegacyDec wire integers with 18 places", () => {
    assert.equal(legacyDecText("0"), "0.000000000000000000");
    assert.equal(legacyDecText("50000000000000000"), "0.050000000000000000");
    assert.equal(legacyDecText("7000000000000000000000000"), "7000000.000000000000000000");
    assert.equal(legacyDecText("-1500000000000000000"), "-1.500000000000000000");
  });

  it("converts Dec fields, DecCoin lists and slashing's byte Decs, and leaves Ints and Coins alone", () => {
    const slashFraction = Buffer.from("50000000000000000", "latin1").toString("base64");
    const json = toRestJson({
      validator: {
        tokens: "7000000",
        delegatorShares: "7000000000000000000000000",
        commission: { commissionRates: { rate: "100000000000000000", maxRate: "200000000000000000" } },
      },
      rewards: [
        { validatorAddress: "metrovaloper1x", reward: [{ denom: "ulst", amount: "1234000000000000000" }] },
      ],
      total: [{ denom: "ulst", amount: "1234000000000000000" }],
      balances: [{ denom: "ulst", amount: "42" }],
      pagination: { total: "3" },
      params: { slashFractionDoubleSign: slashFraction },
    });
    assert.deepEqual(json, {
      validator: {
        tokens: "7000000",
        delegator_shares: "7000000.000000000000000000",
        commission: { commission_rates: { rate: "0.100000000000000000", max_rate: "0.200000000000000000" } },
      },
      rewards: [
        { validator_address: "metrovaloper1x", reward: [{ denom: "ulst", amount: "1.234000000000000000" }] },
      ],
      total: [{ denom: "ulst", amount: "1.234000000000000000" }],
      balances: [{ denom: "ulst", amount: "42" }],
      pagination: { total: "3" },
      params: { slash_fraction_double_sign: "0.050000000000000000" },
    });
  });
});
