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

/**
 * Checks that `address` is a Metro bech32 account address and returns its canonical form
 * (lower case, as re-encoded from its bytes). Bech32 also allows all upper case; state is keyed
 * by the canonical form, so `METRO1…` and `metro1…` are the same account, as in the Cosmos SDK.
 */
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
  return toBech32(ADDRESS_PREFIX, decoded.data);
}

/** The canonical form of `address` if it is a valid Metro address, else `address` unchanged. */
export function canonicalAddress(address: string): string {
  try {
    return parseAddress(address);
  } catch {
    return address;
  }
}
