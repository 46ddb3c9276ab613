/**
 * Sender recovery through libsecp256k1 (the prebuilt N-API binding Metro already uses for
 * Cosmos signatures). ethereumjs' default is pure JS, about 2 ms a tx on this class of machine:
 * more than the rest of a transfer's execution.
 */
import { calculateSigRecovery, concatBytes, setLengthLeft } from "@ethereumjs/util";
import { nativeSecp256k1 as native } from "../native-secp256k1.js";

export class EcrecoverError extends Error {
  override name = "EcrecoverError";
}

/** Same contract as @ethereumjs/util's ecrecover: the 64-byte public key, or a throw. */
export function nativeEcrecover(
  messageHash: Uint8Array,
  v: bigint,
  r: Uint8Array,
  s: Uint8Array,
  chainId?: bigint,
): Uint8Array {
  const recovery = calculateSigRecovery(v, chainId);
  if (recovery !== 0n && recovery !== 1n) throw new EcrecoverError("Invalid signature v value");
  if (messageHash.length !== 32) throw new EcrecoverError("Invalid message hash: not 32 bytes");
  if (r.length > 32 || s.length > 32)
    throw new EcrecoverError("Invalid signature: r or s longer than 32 bytes");
  let output: Uint8Array;
  try {
    const signature = concatBytes(setLengthLeft(r, 32), setLengthLeft(s, 32));
    output = native.ecdsaRecover(signature, Number(recovery), messageHash, false);
  } catch (error) {
    throw new EcrecoverError(`Invalid signature: ${(error as Error).message}`);
  }
  return output.subarray(1);
}
