import { Secp256k1HdWallet } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import { ADDRESS_PREFIX } from "../../core/address.js";

/** The well-known test mnemonic; the devnet funds its first ten accounts. Never use it for value. */
export const TEST_MNEMONIC = "test test test test test test test test test test test junk";
export const TEST_ACCOUNT_COUNT = 10;

/** Metro's address prefix over m/44'/118'/0'/0/i for each index: what both wallet kinds derive. */
const hdWalletOptions = (indexes: readonly number[]) => ({
  prefix: ADDRESS_PREFIX,
  hdPaths: indexes.map((index) => makeCosmoshubPath(index)),
});

/** A wallet over m/44'/118'/0'/0/i for each index, with Metro's address prefix. */
export async function walletFromMnemonic(
  mnemonic: string,
  indexes: readonly number[] = [0],
): Promise<DirectSecp256k1HdWallet> {
  return DirectSecp256k1HdWallet.fromMnemonic(mnemonic, hdWalletOptions(indexes));
}

/** The same accounts as an amino (SIGN_MODE_LEGACY_AMINO_JSON) signer, as Ledger and Keplr's amino path sign. */
export async function aminoWalletFromMnemonic(
  mnemonic: string,
  indexes: readonly number[] = [0],
): Promise<Secp256k1HdWallet> {
  return Secp256k1HdWallet.fromMnemonic(mnemonic, hdWalletOptions(indexes));
}

export async function testAccountAddresses(count = TEST_ACCOUNT_COUNT): Promise<string[]> {
  const wallet = await walletFromMnemonic(
    TEST_MNEMONIC,
    Array.from({ length: count }, (_, index) => index),
  );
  return (await wallet.getAccounts()).map((account) => account.address);
}

/** Validator i of a devnet is operated by test account TEST_ACCOUNT_COUNT + i. */
export const operatorAccountIndex = (validator: number): number => TEST_ACCOUNT_COUNT + validator;

export async function operatorAddresses(validators: number): Promise<string[]> {
  return (await testAccountAddresses(TEST_ACCOUNT_COUNT + validators)).slice(TEST_ACCOUNT_COUNT);
}
