/**
 * Signs Metro txs without a node: the tx bytes a wallet would produce, made fast enough to
 * generate load (OpenSSL signing through node:crypto, normalized to low-S as Cosmos requires).
 */
import "../../core/proto/cosmjs-writer.js";
import { createPrivateKey, type KeyObject, sign } from "node:crypto";
import { Bip39, EnglishMnemonic, Secp256k1, Slip10, Slip10Curve } from "@cosmjs/crypto";
import { type EncodeObject, makeCosmoshubPath, type Registry } from "@cosmjs/proto-signing";
import type { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { addressFromSecp256k1 } from "../../core/address.js";
import { concatBytes, toHex } from "../../core/bytes.js";
import { encodeSecp256k1PubKey } from "../modules/auth.js";
import { metroRegistry } from "./signing.js";

const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function toFixed32(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, "0"), "hex"));
}

export interface UnsignedTx {
  messages: readonly EncodeObject[];
  fee: { amount: Coin[]; gas: bigint };
  chainId: string;
  accountNumber: bigint;
  sequence: bigint;
  memo?: string;
  timeoutHeight?: bigint;
}

export class OfflineSigner {
  private constructor(
    private readonly key: KeyObject,
    readonly pubkey: Uint8Array,
    readonly address: string,
    private readonly registry: Registry,
  ) {}

  static async fromMnemonic(mnemonic: string, index = 0, registry = metroRegistry()): Promise<OfflineSigner> {
    const seed = await Bip39.mnemonicToSeed(new EnglishMnemonic(mnemonic));
    const { privkey } = Slip10.derivePath(Slip10Curve.Secp256k1, seed, makeCosmoshubPath(index));
    const { pubkey: uncompressed } = await Secp256k1.makeKeypair(privkey);
    const pubkey = Secp256k1.compressPubkey(uncompressed);
    const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");
    const key = createPrivateKey({
      key: {
        kty: "EC",
        crv: "secp256k1",
        d: b64url(privkey),
        x: b64url(uncompressed.subarray(1, 33)),
        y: b64url(uncompressed.subarray(33, 65)),
      },
      format: "jwk",
    });
    return new OfflineSigner(key, pubkey, addressFromSecp256k1(pubkey), registry);
  }

  /** A 64-byte r‖s signature over sha256(bytes), with s in the lower half of the curve order. */
  sign(bytes: Uint8Array): Uint8Array {
    const signature = sign("sha256", bytes, { key: this.key, dsaEncoding: "ieee-p1363" });
    const s = BigInt(`0x${toHex(signature.subarray(32))}`);
    if (s <= CURVE_ORDER / 2n) return new Uint8Array(signature);
    return concatBytes(signature.subarray(0, 32), toFixed32(CURVE_ORDER - s));
  }

  /** Encodes and signs a tx (SIGN_MODE_DIRECT) and returns its TxRaw bytes. */
  signTx(tx: UnsignedTx): Uint8Array {
    const bodyBytes = this.registry.encodeTxBody({
      messages: [...tx.messages],
      memo: tx.memo ?? "",
      timeoutHeight: tx.timeoutHeight ?? 0n,
    });
    const authInfoBytes = AuthInfo.encode(
      AuthInfo.fromPartial({
        signerInfos: [
          {
            publicKey: encodeSecp256k1PubKey(this.pubkey),
            modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
            sequence: tx.sequence,
          },
        ],
        fee: { amount: tx.fee.amount, gasLimit: tx.fee.gas },
      }),
    ).finish();
    const signBytes = SignDoc.encode({
      bodyBytes,
      authInfoBytes,
      chainId: tx.chainId,
      accountNumber: tx.accountNumber,
    }).finish();
    return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [this.sign(signBytes)] }).finish();
  }
}
