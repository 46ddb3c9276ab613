/** Helpers for EVM tests: the test mnemonic's Ethereum accounts and a genesis funding them. */
import { type HDAccount, mnemonicToAccount } from "viem/accounts";
import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import type { RollupGenesis } from "../../conductor/evm/genesis.js";

export const ETHER = 10n ** 18n;

export function ethAccount(index: number): HDAccount {
  return mnemonicToAccount(TEST_MNEMONIC, { addressIndex: index });
}

export function testRollupGenesis(overrides: Partial<RollupGenesis> = {}): RollupGenesis {
  return {
    name: "evm-test",
    chainId: 1337,
    sequencerStartHeight: 1,
    timestamp: 1_700_000_000,
    gasLimit: "30000000",
    feeRecipient: "0x000000000000000000000000000000000000fee5",
    alloc: {
      [ethAccount(0).address]: { balance: (1000n * ETHER).toString(), nonce: 0 },
      [ethAccount(1).address]: { balance: (1000n * ETHER).toString(), nonce: 0 },
    },
    ...overrides,
  };
}
