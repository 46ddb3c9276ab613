/** The one libsodium binding Metro uses (sodium-native 3.4.1 ships no types). */
declare module "sodium-native" {
  /** ed25519 verification of a detached signature; false for any invalid input. */
  export function crypto_sign_verify_detached(
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ): boolean;
}
