import { SignDoc } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { toHex } from "../../core/bytes.js";
import type { DecodedTx } from "./decode.js";

/** SIGN_MODE_DIRECT sign bytes: what the signer's key signed (hashed with sha256). */
export function signBytes(tx: DecodedTx, chainId: string, accountNumber: bigint): Uint8Array {
  return SignDoc.encode({
    bodyBytes: tx.bodyBytes,
    authInfoBytes: tx.authInfoBytes,
    chainId,
    accountNumber,
  }).finish();
}

/** The tx hash and the account number fix the sign bytes (the chain id is constant). */
export function signatureMemo(tx: DecodedTx, accountNumber: bigint): string {
  return `${toHex(tx.hash)}/${accountNumber}`;
}
