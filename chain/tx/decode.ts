import type { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { addressFromSecp256k1 } from "../../core/address.js";
import { bytesEqual } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import { SdkCode, sdkError } from "./errors.js";
import { decodeMessage, type TxMessage } from "./messages.js";

export { MSG_SEND_TYPE_URL, MSG_SEQUENCE_TYPE_URL, messageSigner, type TxMessage } from "./messages.js";

const SECP256K1_PUBKEY_TYPE_URL = "/cosmos.crypto.secp256k1.PubKey";

/** A tx whose bytes parsed into a well-formed single-signer Cosmos tx. Nothing stateful checked. */
export interface DecodedTx {
  hash: Uint8Array;
  size: number;
  bodyBytes: Uint8Array;
  authInfoBytes: Uint8Array;
  messages: TxMessage[];
  memo: string;
  timeoutHeight: bigint;
  signer: { address: string; pubkey: Uint8Array; sequence: bigint; signMode: SignMode };
  fee: { amount: Coin[]; gasLimit: bigint; payer: string; granter: string };
  signature: Uint8Array;
}

function decodeOrThrow<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw sdkError(SdkCode.TxDecode, `tx parse error: ${what}: ${(error as Error).message}`);
  }
}

const addresses = new Map<string, string>();

/** Address derivation (sha256, ripemd160, bech32) memoized: the same accounts sign tx after tx. */
function signerAddress(pubkey: Uint8Array): string {
  const key = Buffer.from(pubkey).toString("hex");
  let address = addresses.get(key);
  if (address === undefined) {
    address = addressFromSecp256k1(pubkey);
    if (addresses.size >= 100_000) addresses.clear();
    addresses.set(key, address);
  }
  return address;
}

/** Parses tx bytes (whose sha256 the caller may already have); throws TxError with the SDK's code for each way a tx can be malformed. */
export function decodeTx(bytes: Uint8Array, hash: Uint8Array = sha256(bytes)): DecodedTx {
  const raw = decodeOrThrow("TxRaw", () => TxRaw.decode(bytes));
  // Unknown fields or non-canonical encodings would let anyone re-wrap a signed tx under a new
  // hash (malleability), so only the canonical encoding is accepted.
  if (!bytesEqual(TxRaw.encode(raw).finish(), bytes)) {
    throw sdkError(SdkCode.TxDecode, "tx parse error: TxRaw is not canonically encoded");
  }
  const body = decodeOrThrow("TxBody", () => TxBody.decode(raw.bodyBytes));
  const authInfo = decodeOrThrow("AuthInfo", () => AuthInfo.decode(raw.authInfoBytes));
  if (body.messages.length === 0) throw sdkError(SdkCode.InvalidRequest, "tx has no messages");
  if (body.extensionOptions.length > 0 || body.nonCriticalExtensionOptions.length > 0) {
    throw sdkError(SdkCode.UnknownExtensionOptions, "tx extension options are not supported");
  }
  const messages = body.messages.map((any) => decodeMessage(any.typeUrl, any.value));
  if (authInfo.signerInfos.length === 0 || raw.signatures.length === 0) {
    throw sdkError(SdkCode.NoSignatures, "tx has no signatures");
  }
  if (authInfo.signerInfos.length > 1 || raw.signatures.length > 1) {
    throw sdkError(SdkCode.TooManySignatures, "Metro txs have exactly one signer");
  }
  const signerInfo = authInfo.signerInfos[0]!;
  if (!signerInfo.publicKey || signerInfo.publicKey.typeUrl !== SECP256K1_PUBKEY_TYPE_URL) {
    throw sdkError(SdkCode.InvalidPubKey, `signer public key must be ${SECP256K1_PUBKEY_TYPE_URL}`);
  }
  const { publicKey } = signerInfo;
  const pubkey = decodeOrThrow("PubKey", () => PubKey.decode(publicKey.value)).key;
  if (pubkey.length !== 33 || (pubkey[0] !== 2 && pubkey[0] !== 3)) {
    throw sdkError(SdkCode.InvalidPubKey, "signer public key must be a 33-byte compressed secp256k1 point");
  }
  const signMode = signerInfo.modeInfo?.single?.mode ?? SignMode.SIGN_MODE_UNSPECIFIED;
  const fee = authInfo.fee;
  return {
    hash,
    size: bytes.length,
    bodyBytes: raw.bodyBytes,
    authInfoBytes: raw.authInfoBytes,
    messages,
    memo: body.memo,
    timeoutHeight: body.timeoutHeight,
    signer: { address: signerAddress(pubkey), pubkey, sequence: signerInfo.sequence, signMode },
    fee: {
      amount: fee?.amount ?? [],
      gasLimit: fee?.gasLimit ?? 0n,
      payer: fee?.payer ?? "",
      granter: fee?.granter ?? "",
    },
    signature: raw.signatures[0]!,
  };
}
