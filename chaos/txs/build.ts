/**
 * Hostile Metro txs: a generated case says which messages (templates, field-mutated or not),
 * which fee, sequence, key, sign mode and signature, and which byte mutations of the signed
 * TxRaw; `buildTx` turns it into bytes against the signer's current account, so most cases
 * carry a valid signature over hostile content.
 */
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import fc from "fast-check";
import type { OfflineSigner } from "../../chain/client/offline.js";
import { encodeSecp256k1PubKey } from "../../chain/modules/auth.js";
import { decodeTx } from "../../chain/tx/decode.js";
import { signBytes } from "../../chain/tx/sign-doc.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { applyByteMutations, type ByteMutation, byteMutations, sometimes } from "../mutate.js";
import { type FieldMutation, fieldMutations, mutateMessage } from "../protowire.js";
import type { EncodedMessage } from "./templates.js";

export interface MessageCase {
  template: number;
  mutations: FieldMutation[] | null;
}

export interface TxCase {
  signer: number;
  messages: MessageCase[];
  memo: string;
  timeoutHeight: bigint;
  signMode: "direct" | "amino" | SignMode;
  /** Offset from the account's sequence (0: the right one). */
  sequenceOffset: bigint;
  fee: { amount: string; denom: string; gas: bigint; extra: boolean };
  /** Whose public key the signer info names. */
  pubkey: "own" | "other" | "malformed";
  signature: "valid" | "other-key" | "empty" | "garbage" | "two";
  /** Field mutations of the body and auth info, made before signing (so the signature covers them). */
  bodyMutations: FieldMutation[] | null;
  authMutations: FieldMutation[] | null;
  /** Byte mutations of the signed TxRaw (the signature no longer covers what changed). */
  rawMutations: ByteMutation[] | null;
  /** Judged by CheckTx, or inside a proposed block by ProcessProposal. */
  via: "check" | "proposal";
}

export interface Account {
  accountNumber: bigint;
  sequence: bigint;
}

export interface BuildContext {
  signers: readonly OfflineSigner[];
  templates: (signer: number) => readonly EncodedMessage[];
  account: (signer: number) => Account;
  chainId: string;
}

/** Strings a handler reads: addresses, amounts, decimals, denoms, names, and plain garbage. */
export function hostileTexts(addresses: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...addresses) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "",
        " ",
        "0",
        "-1",
        "1",
        "01",
        "1.5",
        "0.67",
        "1.0000000000000000001",
        "1e18",
        "0x10",
        "9".repeat(80),
        "18446744073709551616",
        "NaN",
        DEFAULT_LST_DENOM,
        "utia",
        "ibc/",
        "evm",
        "none",
        "BTC/USD",
        "BTC/",
        "/",
        "a/b/c",
        "metro1",
        "metro1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
        "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu",
        "METROVALOPER1",
        "<script>",
        "\u0000",
        "\u2028",
        "x".repeat(300),
        "é".repeat(100),
      ),
    },
    { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 130n }).map(String) },
  );
}

export function txCaseArbitrary(
  templateCount: number,
  signerCount: number,
  texts: fc.Arbitrary<string>,
): fc.Arbitrary<TxCase> {
  const mutations = sometimes(fieldMutations(texts), 0.5);
  const messageCase = fc.record({ template: fc.nat(templateCount - 1), mutations });
  return fc.record({
    signer: fc.nat(signerCount - 1),
    messages: fc.oneof(
      { weight: 3, arbitrary: fc.array(messageCase, { minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.array(messageCase, { minLength: 2, maxLength: 5 }) },
    ),
    memo: fc.oneof(
      { weight: 5, arbitrary: fc.constant("") },
      { weight: 1, arbitrary: texts },
      { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
    ),
    timeoutHeight: fc.oneof(
      { weight: 8, arbitrary: fc.constant(0n) },
      { weight: 1, arbitrary: fc.constantFrom(1n, 2n, 2n ** 63n, 2n ** 64n - 1n) },
    ),
    signMode: fc.oneof(
      { weight: 12, arbitrary: fc.constant("direct" as const) },
      { weight: 4, arbitrary: fc.constant("amino" as const) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          SignMode.SIGN_MODE_UNSPECIFIED,
          SignMode.SIGN_MODE_TEXTUAL,
          SignMode.SIGN_MODE_DIRECT_AUX,
          999 as SignMode,
        ),
      },
    ),
    sequenceOffset: fc.oneof(
      { weight: 10, arbitrary: fc.constant(0n) },
      { weight: 1, arbitrary: fc.constantFrom(1n, -1n, 2n ** 63n) },
    ),
    fee: fc.oneof(
      {
        weight: 8,
        arbitrary: fc.constant({ amount: "2001", denom: DEFAULT_LST_DENOM, gas: 1_000_000n, extra: false }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          amount: fc.oneof(fc.constantFrom("0", "1", "2000", "-5", "1.5", "", "9".repeat(90)), texts),
          denom: fc.oneof(fc.constant(DEFAULT_LST_DENOM), texts),
          gas: fc.oneof(
            fc.constantFrom(
              0n,
              1n,
              39_999n,
              1_000_000n,
              3_000_000_000n,
              2n ** 63n - 1n,
              2n ** 63n,
              2n ** 64n - 1n,
            ),
            fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          ),
          extra: fc.boolean(),
        }),
      },
    ),
    pubkey: fc.oneof(
      { weight: 12, arbitrary: fc.constant("own" as const) },
      { weight: 1, arbitrary: fc.constantFrom("other" as const, "malformed" as const) },
    ),
    signature: fc.oneof(
      { weight: 12, arbitrary: fc.constant("valid" as const) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "other-key" as const,
          "empty" as const,
          "garbage" as const,
          "two" as const,
        ),
      },
    ),
    bodyMutations: sometimes(fieldMutations(texts), 0.1),
    authMutations: sometimes(fieldMutations(texts), 0.1),
    rawMutations: sometimes(byteMutations(), 0.12),
    via: fc.oneof(
      { weight: 3, arbitrary: fc.constant("check" as const) },
      { weight: 1, arbitrary: fc.constant("proposal" as const) },
    ),
  });
}

function messagesOf(tx: TxCase, context: BuildContext): EncodedMessage[] {
  const templates = context.templates(tx.signer);
  return tx.messages.map(({ template, mutations }) => {
    const message = templates[template % templates.length]!;
    return mutations ? { typeUrl: message.typeUrl, value: mutateMessage(message.value, mutations) } : message;
  });
}

function signMode(tx: TxCase): SignMode {
  if (tx.signMode === "direct") return SignMode.SIGN_MODE_DIRECT;
  if (tx.signMode === "amino") return SignMode.SIGN_MODE_LEGACY_AMINO_JSON;
  return tx.signMode;
}

function publicKey(tx: TxCase, context: BuildContext): Uint8Array {
  const own = context.signers[tx.signer]!.pubkey;
  if (tx.pubkey === "own") return own;
  if (tx.pubkey === "other") return context.signers[(tx.signer + 1) % context.signers.length]!.pubkey;
  return Uint8Array.of(0x04, ...own.subarray(1));
}

/** What the signer signs for these bytes, or garbage when Metro cannot form sign bytes for them. */
function bytesToSign(
  bodyBytes: Uint8Array,
  authInfoBytes: Uint8Array,
  context: BuildContext,
  account: Account,
): Uint8Array | undefined {
  const placeholder = TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [new Uint8Array(64)] }).finish();
  try {
    const decoded = decodeTx(placeholder);
    return signBytes(decoded, context.chainId, account.accountNumber);
  } catch {
    return undefined; // the tx is refused before its signature matters: sign anything
  }
}

function signatures(tx: TxCase, toSign: Uint8Array | undefined, context: BuildContext): Uint8Array[] {
  const signer = context.signers[tx.signer]!;
  const message = toSign ?? new Uint8Array(1);
  switch (tx.signature) {
    case "valid":
      return [signer.sign(message)];
    case "other-key":
      return [context.signers[(tx.signer + 1) % context.signers.length]!.sign(message)];
    case "empty":
      return [];
    case "garbage":
      return [new Uint8Array(64).fill(0x5a)];
    case "two":
      return [signer.sign(message), signer.sign(message)];
  }
}

export function buildTx(tx: TxCase, context: BuildContext): Uint8Array {
  const account = context.account(tx.signer);
  const body = TxBody.encode(
    TxBody.fromPartial({ messages: messagesOf(tx, context), memo: tx.memo, timeoutHeight: tx.timeoutHeight }),
  ).finish();
  const sequence = BigInt.asUintN(64, account.sequence + tx.sequenceOffset);
  const coins = [{ denom: tx.fee.denom, amount: tx.fee.amount }];
  if (tx.fee.extra) coins.push({ denom: "uextra", amount: "1" });
  const auth = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey: encodeSecp256k1PubKey(publicKey(tx, context)),
          modeInfo: { single: { mode: signMode(tx) } },
          sequence,
        },
      ],
      fee: { amount: coins, gasLimit: tx.fee.gas },
    }),
  ).finish();
  const bodyBytes = tx.bodyMutations ? mutateMessage(body, tx.bodyMutations) : body;
  const authInfoBytes = tx.authMutations ? mutateMessage(auth, tx.authMutations) : auth;
  const signed = TxRaw.encode({
    bodyBytes,
    authInfoBytes,
    signatures: signatures(tx, bytesToSign(bodyBytes, authInfoBytes, context, account), context),
  }).finish();
  return tx.rawMutations ? applyByteMutations(signed, tx.rawMutations) : signed;
}
