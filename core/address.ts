import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { utf8 } from "./bytes.js";
import { sha256 } from "./hash.js";

export const ADDRESS_PREFIX = "metro";

export class AddressError extends Error {
  override name = "AddressError";
}

/** Cosmos secp256k1 account address: ripemd160(sha256(compressed public key)). */
export function addressFromSecp256k1(pubkey: Uint8Array): string {
  return toBech32(ADDRESS_PREFIX, ripemd160(sha256(pubkey)));
}

/** A module account's address, as the Cosmos SDK derives it: sha256(name)[0..20]. */
export function moduleAddress(name: string): string {
  return toBech32(ADDRESS_PREFIX, sha256(utf8(name)).slice(0, 20));
}

/** Checks that `address` is a Metro bech32 account address and returns it unchanged. */
export function parseAddress(address: string): string {
  let decoded: { prefix: string; data: Uint8Array };
  try {
    decoded = fromBech32(address, 90);
  } catch (error) {
    throw new AddressError(`invalid address "${address}": ${(error as Error).message}`);
  }
  if (decoded.prefix !== ADDRESS_PREFIX) {
    throw new AddressError(`invalid address "${address}": prefix must be "${ADDRESS_PREFIX}"`);
  }
  if (decoded.data.length !== 20 && decoded.data.length !== 32) {
    throw new AddressError(`invalid address "${address}": ${decoded.data.length} bytes, expected 20 or 32`);
  }
  return address;
}
