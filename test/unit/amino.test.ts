import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EncodeObject } from "@cosmjs/proto-signing";
import { AminoTypes, createDefaultAminoConverters, SigningStargateClient } from "@cosmjs/stargate";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { blockRequest, type InProcessApp, inProcessApp } from "../../chain/app/in-process.js";
import { aminoWalletFromMnemonic, TEST_MNEMONIC } from "../../chain/client/keys.js";
import { metroAminoTypes, metroRegistry, sequenceMsg } from "../../chain/client/signing.js";
import { AMINO_FORMS, type AminoForm, aminoSignBytes, toAminoMsg } from "../../chain/tx/amino.js";
import { decodeTx } from "../../chain/tx/decode.js";
import { SdkCode, TxError } from "../../chain/tx/errors.js";
import { decodeMessage, MESSAGE_CODECS, type TxMessage } from "../../chain/tx/messages.js";
import { signBytes } from "../../chain/tx/sign-doc.js";
import { Secp256k1Verifier } from "../../chain/tx/signature.js";
import { operatorAddress } from "../../core/address.js";
import { utf8 } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM as DENOM } from "../../core/denom.js";
import { CHAIN_ID } from "../support/accounts.js";

const fee = { amount: [{ denom: DENOM, amount: "500" }], gas: "200000" };

async function aminoClient(index: number): Promise<{ client: SigningStargateClient; address: string }> {
  const wallet = await aminoWalletFromMnemonic(TEST_MNEMONIC, [index]);
  const client = await SigningStargateClient.offline(wallet, {
    registry: metroRegistry(),
    aminoTypes: metroAminoTypes(),
  });
  return { client, address: (await wallet.getAccounts())[0]!.address };
}

const signerData = (accountNumber: bigint, sequence: number) => ({
  accountNumber,
  sequence,
  chainId: CHAIN_ID,
});

/** Re-signs nothing: rewrites one part of a signed tx, keeping its signature. */
function tampered(raw: TxRaw, edit: { body?: Partial<TxBody>; authInfo?: Partial<AuthInfo> }): Uint8Array {
  const body = { ...TxBody.decode(raw.bodyBytes), ...edit.body };
  const authInfo = { ...AuthInfo.decode(raw.authInfoBytes), ...edit.authInfo };
  return TxRaw.encode({
    bodyBytes: TxBody.encode(body).finish(),
    authInfoBytes: AuthInfo.encode(authInfo).finish(),
    signatures: raw.signatures,
  }).finish();
}

function verifies(bytes: Uint8Array, accountNumber: bigint, chainId = CHAIN_ID): boolean {
  const tx = decodeTx(bytes);
  return new Secp256k1Verifier().verify(
    tx.signer.pubkey,
    signBytes(tx, chainId, accountNumber),
    tx.signature,
  );
}

function refusal(run: () => unknown): { code: number; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof TxError) return { code: error.code, message: error.message };
    throw error;
  }
  assert.fail("expected a TxError");
}

const asMessage = (object: EncodeObject): TxMessage => {
  const codec = MESSAGE_CODECS[object.typeUrl as keyof typeof MESSAGE_CODECS];
  const encode = codec.encode as (value: unknown) => Uint8Array;
  return decodeMessage(object.typeUrl, encode(object.value));
};

describe("SIGN_MODE_LEGACY_AMINO_JSON", () => {
  it("rebuilds the StdSignDoc cosmjs signed, byte for byte, and its signature verifies", async () => {
    const { client, address } = await aminoClient(0);
    const to = (await aminoClient(1)).address;
    const send = {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: address, toAddress: to, amount: [{ denom: DENOM, amount: "12" }] },
    };
    const raw = await client.sign(address, [send], fee, "a & b", signerData(7n, 3), 99n);
    const bytes = TxRaw.encode(raw).finish();
    const tx = decodeTx(bytes);
    assert.equal(tx.signer.signMode, SignMode.SIGN_MODE_LEGACY_AMINO_JSON);
    // The SDK's shape, written out: sorted keys, HTML characters escaped as Go's encoder does.
    const expected =
      `{"account_number":"7","chain_id":"${CHAIN_ID}","fee":{"amount":[{"amount":"500","denom":"${DENOM}"}],` +
      `"gas":"200000"},"memo":"a \\u0026 b","msgs":[{"type":"cosmos-sdk/MsgSend","value":{"amount":` +
      `[{"amount":"12","denom":"${DENOM}"}],"from_address":"${address}","to_address":"${to}"}}],` +
      `"sequence":"3","timeout_height":"99"}`;
    assert.equal(Buffer.from(aminoSignBytes(tx, CHAIN_ID, 7n)).toString(), expected);
    assert.ok(verifies(bytes, 7n), "the signature cosmjs made verifies");

    assert.ok(!verifies(bytes, 8n), "another account number");
    assert.ok(!verifies(bytes, 7n, "other-chain"), "another chain id");
    assert.ok(!verifies(tampered(raw, { body: { memo: "a & c" } }), 7n), "a changed memo");
    assert.ok(!verifies(tampered(raw, { body: { timeoutHeight: 100n } }), 7n), "a changed timeout");
    const moreGas = { fee: { ...AuthInfo.decode(raw.authInfoBytes).fee!, gasLimit: 200_001n } };
    assert.ok(!verifies(tampered(raw, { authInfo: moreGas }), 7n), "a changed gas limit");
    const sendMore = { ...send, value: { ...send.value, amount: [{ denom: DENOM, amount: "13" }] } };
    const otherMessages = { messages: [metroRegistry().encodeAsAny(sendMore)] };
    assert.ok(!verifies(tampered(raw, { body: otherMessages }), 7n), "a changed amount");
  });

  it("uses the SDK's amino names and shapes, as cosmjs' own converters do", async () => {
    const delegator = (await aminoClient(0)).address;
    const validator = operatorAddress((await aminoClient(1)).address);
    const amount = { denom: DENOM, amount: "5" };
    const cosmjs = new AminoTypes(createDefaultAminoConverters());
    const messages: EncodeObject[] = [
      {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: { fromAddress: delegator, toAddress: "", amount: [] },
      },
      {
        typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
        value: { delegatorAddress: delegator, validatorAddress: validator, amount },
      },
      {
        typeUrl: "/cosmos.staking.v1beta1.MsgUndelegate",
        value: { delegatorAddress: delegator, validatorAddress: validator, amount },
      },
      {
        typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegate",
        value: {
          delegatorAddress: delegator,
          validatorSrcAddress: validator,
          validatorDstAddress: validator,
          amount,
        },
      },
      {
        typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
        value: { delegatorAddress: delegator, validatorAddress: validator },
      },
      {
        typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
        value: { validatorAddress: validator },
      },
    ];
    for (const message of messages) {
      const metro = toAminoMsg(asMessage(message));
      const theirs = cosmjs.toAmino(message);
      // cosmjs writes empty strings the SDK leaves out; every field it fills agrees.
      const filled = Object.fromEntries(Object.entries(theirs.value).filter(([, v]) => v !== ""));
      assert.deepEqual(metro, { type: theirs.type, value: filled }, message.typeUrl);
    }
    assert.deepEqual(toAminoMsg(asMessage(messages[0]!)).value, { from_address: delegator, amount: [] });
  });

  it("writes gov v1 and slashing messages as their protos' amino options say", () => {
    const vote = { proposalId: 4n, voter: "metro1voter", option: 1, metadata: "" };
    assert.deepEqual(toAminoMsg({ typeUrl: "/cosmos.gov.v1.MsgVote", value: vote }), {
      type: "cosmos-sdk/v1/MsgVote",
      value: { proposal_id: "4", voter: "metro1voter", option: 1 },
    });
    const deposit = { proposalId: 0n, depositor: "metro1d", amount: [] };
    assert.deepEqual(toAminoMsg({ typeUrl: "/cosmos.gov.v1.MsgDeposit", value: deposit }).value, {
      proposal_id: "0",
      depositor: "metro1d",
      amount: [],
    });
    const proposal = {
      messages: [],
      initialDeposit: [],
      proposer: "metro1p",
      metadata: "",
      title: "t",
      summary: "s",
      expedited: false,
    };
    assert.deepEqual(toAminoMsg({ typeUrl: "/cosmos.gov.v1.MsgSubmitProposal", value: proposal }), {
      type: "cosmos-sdk/v1/MsgSubmitProposal",
      value: { initial_deposit: [], proposer: "metro1p", title: "t", summary: "s" },
    });
    const unjail = { validatorAddr: "metrovaloper1x" };
    assert.deepEqual(toAminoMsg({ typeUrl: "/cosmos.slashing.v1beta1.MsgUnjail", value: unjail }), {
      type: "cosmos-sdk/MsgUnjail",
      value: { address: "metrovaloper1x" },
    });
    for (const [typeUrl, value] of [
      ["/cosmos.gov.v1.MsgVote", vote],
      ["/cosmos.gov.v1.MsgDeposit", deposit],
      ["/cosmos.gov.v1.MsgSubmitProposal", proposal],
      ["/cosmos.slashing.v1beta1.MsgUnjail", unjail],
    ] as const) {
      const form = AMINO_FORMS[typeUrl] as AminoForm<unknown>;
      assert.deepEqual(form.fromAmino!(form.toAmino(value)), value, `${typeUrl} round-trips`);
    }
  });

  it("gives Metro's messages metro/ names, bytes as base64 and 64-bit integers as strings", async () => {
    const signer = (await aminoClient(0)).address;
    const sequence = sequenceMsg(signer, "rollup-a", utf8("hi"));
    const amino = toAminoMsg(asMessage(sequence));
    assert.deepEqual(amino, {
      type: "metro/MsgSequence",
      value: {
        signer,
        rollup_id: Buffer.from(sequence.value.rollupId).toString("base64"),
        data: Buffer.from("hi").toString("base64"),
      },
    });
    const header = {
      typeUrl: "/metro.rollup.v1.MsgSubmitRollupHeader",
      value: {
        submitter: signer,
        signed: {
          header: { rollupId: new Uint8Array(32).fill(1), rollupHeight: 2n ** 60n, metroHeight: 0n },
          aggregateSignature: new Uint8Array([1, 2]),
          signerBitmap: new Uint8Array(),
        },
      },
    };
    const headerAmino = toAminoMsg(asMessage(header));
    assert.deepEqual(headerAmino.value.signed, {
      header: { rollup_id: Buffer.alloc(32, 1).toString("base64"), rollup_height: String(2n ** 60n) },
      aggregate_signature: "AQI=",
    });
    const metro = metroAminoTypes();
    for (const message of [sequence, header]) {
      const decoded = asMessage(message);
      assert.deepEqual(
        metro.fromAmino(toAminoMsg(decoded)).value,
        decoded.value,
        `${message.typeUrl} round-trips`,
      );
    }
  });

  it("refuses what amino JSON cannot sign, with NotSupported", () => {
    const carrying = {
      messages: [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: new Uint8Array() }],
      initialDeposit: [],
      proposer: "metro1p",
      metadata: "",
      title: "t",
      summary: "s",
      expedited: false,
    };
    const proposal = refusal(() =>
      toAminoMsg({ typeUrl: "/cosmos.gov.v1.MsgSubmitProposal", value: carrying }),
    );
    assert.equal(proposal.code, SdkCode.NotSupported);
    assert.match(proposal.message, /proposal carrying messages .* SIGN_MODE_DIRECT/);
    const authority = refusal(() =>
      toAminoMsg({
        typeUrl: "/metro.gov.v1.MsgHaltChain",
        value: decodeMessage("/metro.gov.v1.MsgHaltChain", new Uint8Array()).value as never,
      }),
    );
    assert.equal(authority.code, SdkCode.NotSupported);
    assert.match(authority.message, /MsgHaltChain has no amino JSON form/);
  });
});

describe("amino-signed txs in the app (in process)", () => {
  let opened: InProcessApp;

  before(async () => {
    opened = await inProcessApp();
  });

  after(async () => {
    await opened.close();
  });

  it("admits and executes an amino-signed tx; refuses a re-encoded twin and other sign modes", async () => {
    const { client, address } = await aminoClient(0);
    const message = sequenceMsg(address, "amino-rollup", utf8("payload"));
    const raw = await client.sign(address, [message], fee, "", signerData(0n, 0));
    const bytes = TxRaw.encode(raw).finish();
    // The same signed content with a default-valued field written out: a new hash, same sign doc.
    const body = TxBody.decode(raw.bodyBytes);
    const twin = TxRaw.encode({
      ...raw,
      bodyBytes: Buffer.concat([TxBody.encode(body).finish(), Buffer.from([0x18, 0x00])]),
    }).finish();
    const twinCheck = await opened.app.checkTx({ tx: twin, type: 0 });
    assert.equal(twinCheck.code, SdkCode.TxDecode, twinCheck.log);
    assert.match(twinCheck.log, /canonically encoded/);
    const textual = tampered(raw, {
      authInfo: {
        signerInfos: [
          {
            ...AuthInfo.decode(raw.authInfoBytes).signerInfos[0]!,
            modeInfo: { single: { mode: SignMode.SIGN_MODE_TEXTUAL } },
          },
        ],
      },
    });
    const textualCheck = await opened.app.checkTx({ tx: textual, type: 0 });
    assert.equal(textualCheck.code, SdkCode.Unauthorized);
    assert.match(textualCheck.log, /SIGN_MODE_TEXTUAL is not supported/);

    const check = await opened.app.checkTx({ tx: bytes, type: 0 });
    assert.equal(check.code, 0, check.log);
    const result = opened.app.finalizeBlock(blockRequest(1n, [bytes]));
    assert.equal(result.txResults[0]!.code, 0, result.txResults[0]!.log);
    assert.ok(result.txResults[0]!.events.some((e) => e.type === "sequence"));
  });
});
