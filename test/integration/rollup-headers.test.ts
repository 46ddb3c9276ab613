import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import { queryRollup, queryRollupHeader } from "../../chain/client/queries.js";
import { connectSigner, type MetroSigner } from "../../chain/client/signing.js";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { toHex } from "../../core/bytes.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { type RollupHeader, rollupHeaderHash } from "../../core/rollup-header.js";
import { startNetwork, type TestNetwork } from "../support/network.js";
import { firstHeader, registerRollup, signHeader, submitHeader } from "../support/rollup-headers.js";

const NAME = "headers-test";
const WINDOW = 4n;

describe("rollup headers on real CometBFT: four validators sign, the chain checks, the window passes", () => {
  let net: TestNetwork;
  let user: MetroSigner;
  const rollupId = rollupIdFromName(NAME);

  before(async () => {
    net = await startNetwork(4);
    user = await connectSigner(net.rpc(0), TEST_MNEMONIC, 6);
  });

  after(async () => {
    user?.client.disconnect();
    await net?.stop();
  });

  const COMMITTEE = [0, 1, 2, 3];
  const signed = (header: RollupHeader, signers: number[]) => signHeader(net, header, COMMITTEE, signers);
  const submit = (value: ReturnType<typeof signed>) => submitHeader(user, value);

  it("registers a rollup and its committee of all four validators", async () => {
    await registerRollup(net, user, { name: NAME, quorum: "0.67", window: WINDOW }, COMMITTEE);
    const rollup = await queryRollup(net.rpc(0), rollupId);
    assert.equal(rollup?.rollup?.committee.length, 4);
  });

  it("accepts a quorum-signed header, keeps it pending through the window, then makes it final", async () => {
    const { height } = await nodeStatus(net.rpc(0));
    const header = firstHeader(rollupId, BigInt(height - 1), 6);
    const belowQuorum = await submit(signed(header, [0, 1])).catch((error: Error) => error);
    assert.match(
      belowQuorum instanceof Error ? belowQuorum.message : (belowQuorum.rawLog ?? ""),
      /below the quorum/,
    );
    const accepted = await submit(signed(header, [0, 1, 3]));
    assert.equal(accepted.code, 0, accepted.rawLog);
    const pending = await queryRollupHeader(net.rpc(0), rollupId, 1n);
    assert.equal(pending?.header?.final, false);
    assert.equal(toHex(pending!.hash), toHex(rollupHeaderHash(header)));
    await waitForHeight(net.rpc(0), accepted.height + Number(WINDOW));
    const final = await queryRollupHeader(net.rpc(0), rollupId, 1n);
    assert.equal(final?.header?.final, true);
    assert.equal(toHex(final!.header!.signed!.header!.stateRoot), toHex(header.stateRoot));
  });
});
