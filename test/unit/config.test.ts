import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GenesisError, parseAppState } from "../../chain/app/genesis.js";
import { ConfigKeyNotFoundError, setTomlValues } from "../../chain/node/toml.js";
import { utf8 } from "../../core/bytes.js";

describe("config.toml editing", () => {
  const text =
    'moniker = "a"\n\n[rpc]\n# comment\nladdr = "tcp://0.0.0.0:1"\n\n[p2p]\nladdr = "tcp://0.0.0.0:2"\npex = true\n';

  it("sets keys in the right section and keeps the rest", () => {
    const edited = setTomlValues(text, { moniker: "b", "rpc.laddr": "tcp://127.0.0.1:9", "p2p.pex": false });
    assert.equal(
      edited,
      'moniker = "b"\n\n[rpc]\n# comment\nladdr = "tcp://127.0.0.1:9"\n\n[p2p]\nladdr = "tcp://0.0.0.0:2"\npex = false\n',
    );
  });

  it("refuses keys the file does not have", () => {
    assert.throws(() => setTomlValues(text, { "rpc.nope": 1 }), ConfigKeyNotFoundError);
  });
});

describe("genesis app_state", () => {
  it("names what is wrong", () => {
    assert.throws(() => parseAppState(utf8("{")), GenesisError);
    assert.throws(
      () =>
        parseAppState(
          utf8(JSON.stringify({ params: {}, lst: {}, accounts: [{ address: "cosmos1xyz", coins: [] }] })),
        ),
      (error: Error) =>
        error instanceof GenesisError && /accounts/.test(error.message) && /fee_denom/.test(error.message),
    );
  });
});
