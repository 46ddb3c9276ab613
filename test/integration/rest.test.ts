import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { operatorAccountIndex, TEST_MNEMONIC } from "../../chain/client/keys.js";
import { connectSigner, defaultGasPrice, type MetroSigner } from "../../chain/client/signing.js";
import { RestServer } from "../../chain/rest/index.js";
import { operatorAddress } from "../../core/address.js";
import { toHex } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { sha256 } from "../../core/hash.js";
import { createLogger } from "../../core/log.js";
import { sleep, startNetwork, type TestNetwork } from "../support/network.js";

/** The value at `path` in parsed JSON (undefined where the path does not lead). */
function dig(value: unknown, ...path: (string | number)[]): unknown {
  let at = value;
  for (const key of path) at = (at as Record<string | number, unknown> | undefined)?.[key];
  return at;
}

describe("the REST (LCD) API wallets read, over a real node", () => {
  let net: TestNetwork;
  let rest: RestServer;
  let base: string;
  let user: MetroSigner;

  const getJson = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    net = await startNetwork(1);
    rest = new RestServer(net.rpc(0), createLogger("test-rest", "silent"));
    base = `http://127.0.0.1:${await rest.listen(0)}`;
    user = await connectSigner(net.rpc(0), TEST_MNEMONIC, 4);
  });

  after(async () => {
    user?.client.disconnect();
    await rest?.close();
    await net?.stop();
  });

  it("serves validators, accounts and balances in the SDK gateway's JSON", async () => {
    const { status, body } = await getJson("/cosmos/staking/v1beta1/validators?status=BOND_STATUS_BONDED");
    assert.equal(status, 200);
    const [validator] = body.validators as Record<string, unknown>[];
    assert.equal(validator!.status, "BOND_STATUS_BONDED");
    assert.match(String(validator!.operator_address), /^metrovaloper1/);
    assert.equal(
      (validator!.consensus_pubkey as Record<string, unknown>)["@type"],
      "/cosmos.crypto.ed25519.PubKey",
    );
    assert.equal((validator!.description as Record<string, unknown>).moniker, "validator-0");
    // LegacyDec as the gateway prints it: what Keplr shows as commission and shares.
    const rates = (validator!.commission as { commission_rates: Record<string, string> }).commission_rates;
    assert.match(rates.rate!, /^0\.\d{18}$/, `commission rate ${rates.rate}`);
    assert.ok(Number(rates.max_rate) <= 1 && Number(rates.rate) <= Number(rates.max_rate));
    assert.match(String(validator!.delegator_shares), /^\d+\.\d{18}$/);
    assert.equal(Number(validator!.delegator_shares), Number(validator!.tokens), "one share per token");
    const account = await getJson(`/cosmos/auth/v1beta1/accounts/${user.address}`);
    assert.equal(
      (account.body.account as Record<string, unknown>)["@type"],
      "/cosmos.auth.v1beta1.BaseAccount",
    );
    const balances = await getJson(`/cosmos/bank/v1beta1/balances/${user.address}`);
    assert.equal((balances.body.balances as { denom: string }[])[0]!.denom, DEFAULT_LST_DENOM);
  });

  it("simulates and broadcasts a signed delegation, then shows it and its rewards", async () => {
    const operator = operatorAddress(
      (await connectSigner(net.rpc(0), TEST_MNEMONIC, operatorAccountIndex(0))).address,
    );
    const message = {
      typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
      value: {
        delegatorAddress: user.address,
        validatorAddress: operator,
        amount: { denom: DEFAULT_LST_DENOM, amount: "7000000" },
      },
    };
    // Well over the minimum gas price: the delegation is bonded when its own block's fees are
    // shared out, and its share of these (7 of some 10 007 LST bonded) is worth whole units.
    const feeAmount = 30_000_000;
    assert.ok(feeAmount >= 300_000 * Number(defaultGasPrice().amount.toString()));
    const fee = { amount: [{ denom: DEFAULT_LST_DENOM, amount: String(feeAmount) }], gas: "300000" };
    const signed = await user.client.sign(user.address, [message], fee, "");
    const txBytes = Buffer.from(TxRaw.encode(signed).finish()).toString("base64");
    const simulated = await fetch(`${base}/cosmos/tx/v1beta1/simulate`, {
      method: "POST",
      body: JSON.stringify({ tx_bytes: txBytes }),
    });
    assert.equal(simulated.status, 200);
    assert.ok(Number(((await simulated.json()) as { gas_info: { gas_used: string } }).gas_info.gas_used) > 0);
    const broadcast = await fetch(`${base}/cosmos/tx/v1beta1/txs`, {
      method: "POST",
      body: JSON.stringify({ tx_bytes: txBytes, mode: "BROADCAST_MODE_SYNC" }),
    });
    const reply = (await broadcast.json()) as { tx_response: { code: number; txhash: string } };
    assert.equal(reply.tx_response.code, 0);
    let delegations: Record<string, unknown>[] = [];
    for (let i = 0; i < 40 && delegations.length === 0; i++) {
      await sleep(250);
      delegations = (await getJson(`/cosmos/staking/v1beta1/delegations/${user.address}`)).body
        .delegation_responses as Record<string, unknown>[];
    }
    assert.equal((delegations[0]!.balance as { amount: string }).amount, "7000000");
    const rewards = await getJson(`/cosmos/distribution/v1beta1/delegators/${user.address}/rewards`);
    assert.equal(rewards.status, 200);
    type DecCoin = { denom: string; amount: string };
    const body = rewards.body as {
      rewards: { validator_address: string; reward: DecCoin[] }[];
      total: DecCoin[];
    };
    assert.deepEqual(
      body.rewards.map((entry) => entry.validator_address),
      [operator],
      "one entry, for the validator it delegated to",
    );
    const reward = body.rewards[0]!.reward;
    assert.equal(reward.length, 1, `a reward in one denom: ${JSON.stringify(reward)}`);
    assert.equal(reward[0]!.denom, DEFAULT_LST_DENOM);
    assert.match(reward[0]!.amount, /^\d+\.\d{18}$/, `a LegacyDec amount: ${reward[0]!.amount}`);
    assert.ok(Number(reward[0]!.amount) > 0, `its share of its own block's fees: ${reward[0]!.amount}`);
    assert.ok(Number(reward[0]!.amount) < 7_000_000, "less than the stake itself: not raw LegacyDec");
    assert.deepEqual(body.total, reward, "one delegation: its reward is the total");
    const single = await getJson(
      `/cosmos/distribution/v1beta1/delegators/${user.address}/rewards/${operator}`,
    );
    assert.equal(single.status, 200);
    assert.deepEqual(single.body.rewards, reward, "the per-validator route agrees");
  });

  it("accepts amino-signed txs (Ledger's and Keplr's amino path) and serves them by hash and by event", async () => {
    const amino = await connectSigner(net.rpc(0), TEST_MNEMONIC, 5, defaultGasPrice(), "amino");
    try {
      const operator = operatorAddress(
        (await connectSigner(net.rpc(0), TEST_MNEMONIC, operatorAccountIndex(0))).address,
      );
      const coins = (amount: string) => [{ denom: DEFAULT_LST_DENOM, amount }];
      // "auto": simulated first, as wallets do.
      const sent = await amino.client.signAndBroadcast(
        amino.address,
        [
          {
            typeUrl: "/cosmos.bank.v1beta1.MsgSend",
            value: { fromAddress: amino.address, toAddress: user.address, amount: coins("1234") },
          },
        ],
        "auto",
        "sent <amino> & signed",
      );
      assert.equal(sent.code, 0, sent.rawLog);
      const delegated = await amino.client.signAndBroadcast(
        amino.address,
        [
          {
            typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
            value: {
              delegatorAddress: amino.address,
              validatorAddress: operator,
              amount: { denom: DEFAULT_LST_DENOM, amount: "2000000" },
            },
          },
        ],
        "auto",
      );
      assert.equal(delegated.code, 0, delegated.rawLog);

      const byHash = await getJson(`/cosmos/tx/v1beta1/txs/${sent.transactionHash}`);
      assert.equal(byHash.status, 200);
      const { tx, tx_response: response } = byHash.body;
      const signerInfo = dig(tx, "auth_info", "signer_infos", 0);
      assert.equal(dig(signerInfo, "mode_info", "single", "mode"), "SIGN_MODE_LEGACY_AMINO_JSON");
      assert.equal(dig(signerInfo, "public_key", "@type"), "/cosmos.crypto.secp256k1.PubKey");
      assert.deepEqual(dig(tx, "body", "messages"), [
        {
          "@type": "/cosmos.bank.v1beta1.MsgSend",
          from_address: amino.address,
          to_address: user.address,
          amount: coins("1234"),
        },
      ]);
      assert.equal(dig(tx, "body", "memo"), "sent <amino> & signed");
      assert.equal(dig(response, "txhash"), sent.transactionHash);
      assert.equal(dig(response, "height"), String(sent.height));
      assert.equal(dig(response, "code"), 0);
      assert.match(String(dig(response, "timestamp")), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(dig(response, "gas_used"), String(sent.gasUsed));
      assert.deepEqual(dig(response, "tx"), { "@type": "/cosmos.tx.v1beta1.Tx", ...(tx as object) });
      const events = dig(response, "events") as { type: string }[];
      assert.ok(
        events.some((e) => e.type === "transfer"),
        `a transfer event: ${JSON.stringify(events)}`,
      );

      const sender = `message.sender='${amino.address}'`;
      const all = await getJson(
        `/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(sender)}&order_by=ORDER_BY_DESC`,
      );
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.equal(all.body.total, "2");
      const hashes = (all.body.tx_responses as unknown[]).map((r) => dig(r, "txhash"));
      assert.deepEqual(hashes, [delegated.transactionHash, sent.transactionHash], "newest first");
      assert.equal(
        dig(all.body, "txs", 0, "body", "messages", 0, "@type"),
        "/cosmos.staking.v1beta1.MsgDelegate",
      );
      // The older `events` form, one per page.
      const second = await getJson(
        `/cosmos/tx/v1beta1/txs?events=${encodeURIComponent(sender)}&pagination.offset=1&pagination.limit=1`,
      );
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.deepEqual(
        (second.body.tx_responses as unknown[]).map((r) => dig(r, "txhash")),
        [delegated.transactionHash],
        "ascending by default: the delegation is second",
      );
      assert.deepEqual(second.body.pagination, { next_key: null, total: "2" });

      const block = await getJson(`/cosmos/base/tendermint/v1beta1/blocks/${sent.height}`);
      assert.equal(block.status, 200);
      assert.equal(dig(block.body, "block", "header", "height"), String(sent.height));
      const appHash = String(dig(block.body, "block", "header", "app_hash"));
      assert.equal(Buffer.from(appHash, "base64").length, 32, "hashes in base64, as the gateway writes them");
      const txs = dig(block.body, "block", "data", "txs") as string[];
      const txHashes = txs.map((t) => toHex(sha256(Buffer.from(t, "base64"))).toUpperCase());
      assert.ok(txHashes.includes(sent.transactionHash), "the block holds the tx");
      assert.match(String(dig(block.body, "sdk_block", "header", "proposer_address")), /^metrovalcons1/);
      const latest = await getJson("/cosmos/base/tendermint/v1beta1/blocks/latest");
      assert.ok(Number(dig(latest.body, "block", "header", "height")) >= sent.height);
    } finally {
      amino.client.disconnect();
    }
  });

  it("answers bad tx lookups and searches the gateway's way", async () => {
    const missing = await getJson(`/cosmos/tx/v1beta1/txs/${"AB".repeat(32)}`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { code: 5, message: `tx not found: ${"AB".repeat(32)}`, details: [] });
    assert.equal((await getJson("/cosmos/tx/v1beta1/txs/not-a-hash")).status, 400);
    const empty = await getJson("/cosmos/tx/v1beta1/txs");
    assert.equal(empty.status, 400);
    assert.match(String(empty.body.message), /query cannot be empty/);
    const badEvent = await getJson("/cosmos/tx/v1beta1/txs?events=message.sender");
    assert.equal(badEvent.status, 400);
    assert.match(String(badEvent.body.message), /should be of the format/);
    const unparsable = await getJson(
      `/cosmos/tx/v1beta1/txs?query=${encodeURIComponent("message.sender='x")}`,
    );
    assert.equal(unparsable.status, 400, JSON.stringify(unparsable.body));
    const order = await getJson(`/cosmos/tx/v1beta1/txs?query=tx.height%3E0&order_by=sideways`);
    assert.equal(order.status, 400);
    assert.equal((await getJson("/cosmos/base/tendermint/v1beta1/blocks/0")).status, 400);
  });

  it("answers bad requests the gateway's way", async () => {
    // A well-formed address no validator has: 404, as the gateway maps NotFound.
    const nobody = "metrovaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqxm0hym";
    const missing = await getJson(`/cosmos/staking/v1beta1/validators/${nobody}`);
    assert.equal(missing.status, 404);
    assert.match(String(missing.body.message), new RegExp(`validator ${nobody} not found`));
    // The same with a broken checksum: not an address at all, 400.
    const malformed = await getJson(
      "/cosmos/staking/v1beta1/validators/metrovaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqvdhl2y",
    );
    assert.equal(malformed.status, 400);
    assert.match(String(malformed.body.message), /invalid address .*Invalid checksum/);
    const unknown = await getJson("/cosmos/nft/v1beta1/classes");
    assert.equal(unknown.status, 501);
    const garbage = await fetch(`${base}/cosmos/tx/v1beta1/txs`, { method: "POST", body: "{not json" });
    assert.equal(garbage.status, 400);
  });
});
