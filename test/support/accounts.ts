import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import { OfflineSigner } from "../../chain/client/offline.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";

export { DEVNET_CHAIN_ID as CHAIN_ID } from "../../chain/node/home.js";

export async function testSigner(index: number): Promise<OfflineSigner> {
  return OfflineSigner.fromMnemonic(TEST_MNEMONIC, index);
}

/** A fee that clears the default minimum gas price for `gas`. */
export function feeFor(gas: bigint): { amount: { denom: string; amount: string }[]; gas: bigint } {
  return { amount: [{ denom: DEFAULT_LST_DENOM, amount: ((gas * 2n) / 1000n + 1n).toString() }], gas };
}
