import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { readInteger, writeInteger } from "../store/integers.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";

const NEXT_ACCOUNT_NUMBER_KEY = "auth/next_account_number";
const accountKey = (address: string): string => `auth/account/${address}`;

export function getAccount(state: StateReader, address: string): BaseAccount | undefined {
  const bytes = state.get(accountKey(address));
  return bytes ? BaseAccount.decode(bytes) : undefined;
}

export function setAccount(state: StateOverlay, account: BaseAccount): void {
  state.set(accountKey(account.address), BaseAccount.encode(account).finish());
}

/** The account at `address`, created with the next account number if it does not exist yet. */
export function ensureAccount(state: StateOverlay, address: string): BaseAccount {
  const existing = getAccount(state, address);
  if (existing) return existing;
  const accountNumber = readInteger(state, NEXT_ACCOUNT_NUMBER_KEY);
  writeInteger(state, NEXT_ACCOUNT_NUMBER_KEY, accountNumber + 1n);
  const account = BaseAccount.fromPartial({ address, accountNumber, sequence: 0n });
  setAccount(state, account);
  return account;
}

export function encodeSecp256k1PubKey(key: Uint8Array): { typeUrl: string; value: Uint8Array } {
  return { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key }).finish() };
}
