import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { fromUtf8, utf8 } from "../../core/bytes.js";
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
  const stored = state.get(NEXT_ACCOUNT_NUMBER_KEY);
  const accountNumber = stored ? BigInt(fromUtf8(stored)) : 0n;
  state.set(NEXT_ACCOUNT_NUMBER_KEY, utf8((accountNumber + 1n).toString()));
  const account = BaseAccount.fromPartial({ address, accountNumber, sequence: 0n });
  setAccount(state, account);
  return account;
}

export function encodeSecp256k1PubKey(key: Uint8Array): { typeUrl: string; value: Uint8Array } {
  return { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key }).finish() };
}
