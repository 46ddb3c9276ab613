import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { utf8 } from "./bytes.js";
import { sha256 } from "./hash.js";

export const ADDRESS_PREFIX = "metro";
/** Validator operator addresses: the operator account's bytes under their own prefix, as in the SDK. */
export const OPERATOR_PREFIX = "metrovaloper";
/** Consensus addresses (the first 20 bytes of sha256 of the ed25519 key), as signing infos show them. */
export const CONSENSUS_PREFIX = "metrovalcons";

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

function decodeWithPrefix(address: string, prefix: string): Uint8Array {
  let decoded: { prefix: string; data: Uint8Array };
  try {
    decoded = fromBech32(address, 90);
  } catch (error) {
    throw new AddressError(`invalid address "${address}": ${(error as Error).message}`);
  }
  if (decoded.prefix !== prefix) {
    throw new AddressError(`invalid address "${address}": prefix must be "${prefix}"`);
  }
  if (decoded.data.length !== 20 && decoded.data.length !== 32) {
    throw new AddressError(`invalid address "${address}": ${decoded.data.length} bytes, expected 20 or 32`);
  }
  return decoded.data;
}

/** The operator address (metrovaloper1…) of the account that runs a validator. */
export function operatorAddress(account: string): string {
  return toBech32(OPERATOR_PREFIX, decodeWithPrefix(account, ADDRESS_PREFIX));
}

export function consensusAddressText(address: Uint8Array): string {
  return toBech32(CONSENSUS_PREFIX, address);
}

/** The account (metro1…) behind an operator address; throws AddressError when it is not one. */
export function operatorAccount(operator: string): string {
  return toBech32(ADDRESS_PREFIX, decodeWithPrefix(operator, OPERATOR_PREFIX));
}

/** The canonical form of an operator address; throws AddressError when it is not one. */
export function parseOperatorAddress(operator: string): string {
  return toBech32(OPERATOR_PREFIX, decodeWithPrefix(operator, OPERATOR_PREFIX));
}

/**
 * Checks that `address` is a Metro bech32 account address and returns its canonical form
 * (lower case, as re-encoded from its bytes). Bech32 also allows all upper case; state is keyed
 * by the canonical form, so `METRO1…` and `metro1…` are the same account, as in the Cosmos SDK.
 */
export function parseAddress(address: string): string {
  return toBech32(ADDRESS_PREFIX, decodeWithPrefix(address, ADDRESS_PREFIX));
}

/** The canonical form of `address` if it is a valid Metro address, else `address` unchanged. */
export function canonicalAddress(address: string): string {
  try {
    return parseAddress(address);
  } catch {
    return address;
  }
}
