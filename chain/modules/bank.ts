import type { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import { readInteger, writeInteger } from "../store/integers.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import { SdkCode, sdkError } from "../tx/errors.js";
import { ensureAccount } from "./auth.js";

export const balancePrefix = (address: string): string => `bank/balance/${address}/`;
const balanceKey = (address: string, denom: string): string => `${balancePrefix(address)}${denom}`;
const supplyKey = (denom: string): string => `bank/supply/${denom}`;

const DENOM_PATTERN = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;

function readAmount(state: StateReader, key: string): bigint {
  return readInteger(state, key);
}

function writeAmount(state: StateOverlay, key: string, amount: bigint): void {
  writeInteger(state, key, amount);
}

export function getBalance(state: StateReader, address: string, denom: string): bigint {
  return readAmount(state, balanceKey(address, denom));
}

export function getSupply(state: StateReader, denom: string): bigint {
  return readAmount(state, supplyKey(denom));
}

/** Parses and checks coins: valid denoms, positive integer amounts, no duplicates. */
export function parseCoins(coins: readonly Coin[]): { denom: string; amount: bigint }[] {
  const seen = new Set<string>();
  return coins.map((coin) => {
    if (!DENOM_PATTERN.test(coin.denom))
      throw sdkError(SdkCode.InvalidCoins, `invalid denom "${coin.denom}"`);
    if (!/^\d{1,78}$/.test(coin.amount))
      throw sdkError(SdkCode.InvalidCoins, `invalid amount "${coin.amount}"`);
    const amount = BigInt(coin.amount);
    if (amount === 0n) throw sdkError(SdkCode.InvalidCoins, `zero amount of ${coin.denom}`);
    if (seen.has(coin.denom)) throw sdkError(SdkCode.InvalidCoins, `duplicate denom ${coin.denom}`);
    seen.add(coin.denom);
    return { denom: coin.denom, amount };
  });
}

/** Creates coins (genesis only): the balance and the supply grow together. */
export function mint(state: StateOverlay, address: string, denom: string, amount: bigint): void {
  ensureAccount(state, address);
  writeAmount(state, balanceKey(address, denom), getBalance(state, address, denom) + amount);
  writeAmount(state, supplyKey(denom), getSupply(state, denom) + amount);
}

/** Takes coins out of a balance, refusing to overdraw it. */
export function debit(state: StateOverlay, from: string, denom: string, amount: bigint): void {
  const balance = getBalance(state, from, denom);
  if (balance < amount) {
    throw sdkError(
      SdkCode.InsufficientFunds,
      `spendable balance ${balance}${denom} is smaller than ${amount}${denom}`,
    );
  }
  writeAmount(state, balanceKey(from, denom), balance - amount);
}

/** Adds coins to a balance; the account is created on first receipt. */
export function credit(state: StateOverlay, to: string, denom: string, amount: bigint): void {
  ensureAccount(state, to);
  writeAmount(state, balanceKey(to, denom), getBalance(state, to, denom) + amount);
}

/** Moves coins; the recipient's account is created on first receipt. */
export function transfer(state: StateOverlay, from: string, to: string, denom: string, amount: bigint): void {
  debit(state, from, denom, amount);
  credit(state, to, denom, amount);
}

/** Destroys coins (slashing): the balance and the supply shrink together. */
export function burn(state: StateOverlay, from: string, denom: string, amount: bigint): void {
  if (amount === 0n) return;
  debit(state, from, denom, amount);
  writeAmount(state, supplyKey(denom), getSupply(state, denom) - amount);
}
