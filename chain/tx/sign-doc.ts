import { SignMode, signModeToJSON } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { SignDoc } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { toHex } from "../../core/bytes.js";
import { aminoSignBytes } from "./amino.js";
import type { DecodedTx } from "./decode.js";
import { SdkCode, sdkError } from "./errors.js";

/** What the signer's key signed (hashed with sha256), in the tx's sign mode. */
export function signBytes(tx: DecodedTx, chainId: string, accountNumber: bigint): Uint8Array {
  switch (tx.signer.signMode) {
    case SignMode.SIGN_MODE_DIRECT:
      return SignDoc.encode({
        bodyBytes: tx.bodyBytes,
        authInfoBytes: tx.authInfoBytes,
        chainId,
        accountNumber,
      }).finish();
    case SignMode.SIGN_MODE_LEGACY_AMINO_JSON:
      return aminoSignBytes(tx, chainId, accountNumber);
    default:
      throw sdkError(
        SdkCode.Unauthorized,
        `sign mode ${signModeToJSON(tx.signer.signMode)} is not supported; use SIGN_MODE_DIRECT or SIGN_MODE_LEGACY_AMINO_JSON`,
      );
  }
}

/** The tx hash and the account number fix the sign bytes (the chain id is constant). */
export function signatureMemo(tx: DecodedTx, accountNumber: bigint): string {
  return `${toHex(tx.hash)}/${accountNumber}`;
}
