import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { operatorAccountIndex, TEST_MNEMONIC } from "../../chain/client/keys.js";
import { queryRollup, queryRollupHeader } from "../../chain/client/queries.js";
import { connectSigner, type MetroSigner } from "../../chain/client/signing.js";
import { loadOrCreateBlsKey } from "../../chain/node/home.js";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { operatorAddress } from "../../core/address.js";
import { blsAggregateSignatures, blsSign } from "../../core/bls.js";
import { toHex } from "../../core/bytes.js";
import {
  MsgJoinCommitteeCodec,
  MsgRegisterRollupCodec,
  MsgSubmitRollupHeaderCodec,
} from "../../core/proto/rollup.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { type RollupHeader, rollupHeaderHash, signerBitmap } from "../../core/rollup-header.js";
import { startNetwork, type TestNetwork } from "../support/network.js";

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

  /** A header signed by the validators at `signers` with the BLS keys in their homes. */
  function signed(header: RollupHeader, signers: number[]) {
    const hash = rollupHeaderHash(header);
    const signatures = signers.map((i) =>
      blsSign(loadOrCreateBlsKey(net.devnet.specs[i]!.home).secretKey, hash),
    );
    return {
      header,
      aggregateSignature: blsAggregateSignatures(signatures),
      signerBitmap: signerBitmap(4, signers),
    };
  }

  const submit = (value: ReturnType<typeof signed>) =>
    user.client.signAndBroadcast(
      user.address,
      [{ typeUrl: MsgSubmitRollupHeaderCodec.typeUrl, value: { submitter: user.address, signed: value } }],
      "auto",
    );

  it("registers a rollup and its committee of all four validators", async () => {
    const registered = await user.client.signAndBroadcast(
      user.address,
      [
        {
          typeUrl: MsgRegisterRollupCodec.typeUrl,
          value: {
            creator: user.address,
            name: NAME,
            quorum: "0.67",
            challengeWindow: WINDOW,
            executionKind: "none",
          },
        },
      ],
      "auto",
    );
    assert.equal(registered.code, 0, registered.rawLog);
    for (let i = 0; i < 4; i++) {
      const operator = await connectSigner(net.rpc(0), TEST_MNEMONIC, operatorAccountIndex(i));
      try {
        const joined = await operator.client.signAndBroadcast(
          operator.address,
          [
            {
              typeUrl: MsgJoinCommitteeCodec.typeUrl,
              value: { validatorAddress: operatorAddress(operator.address), rollupId },
            },
          ],
          "auto",
        );
        assert.equal(joined.code, 0, joined.rawLog);
      } finally {
        operator.client.disconnect();
      }
    }
    const rollup = await queryRollup(net.rpc(0), rollupId);
    assert.equal(rollup?.rollup?.committee.length, 4);
  });

  it("accepts a quorum-signed header, keeps it pending through the window, then makes it final", async () => {
    const { height } = await nodeStatus(net.rpc(0));
    const header: RollupHeader = {
      rollupId,
      rollupHeight: 1n,
      parentHash: new Uint8Array(32),
      metroHeight: BigInt(height - 1),
      daHeight: 0n,
      dataRoot: new Uint8Array(32).fill(7),
      stateRoot: new Uint8Array(32).fill(8),
      blockHash: new Uint8Array(32).fill(6),
    };
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
