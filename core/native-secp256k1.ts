import { createRequire } from "node:module";

/** The parts of the `secp256k1` package's API Metro uses. */
export interface NativeSecp256k1 {
  ecdsaVerify(signature: Uint8Array, message32: Uint8Array, publicKey: Uint8Array): boolean;
  /** The recovered public key (65 bytes when not compressed); throws when none recovers. */
  ecdsaRecover(
    signature: Uint8Array,
    recoveryId: number,
    message32: Uint8Array,
    compressed: boolean,
  ): Uint8Array;
}

/**
 * libsecp256k1 through the `secp256k1` package's prebuilt N-API binding: Cosmos signatures on
 * the chain, Ethereum sender recovery in the rollup EVM. Loaded from `bindings` on purpose: the
 * package's index silently falls back to pure JS, which would cut throughput several times over
 * without anyone noticing.
 */
export const nativeSecp256k1 = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
