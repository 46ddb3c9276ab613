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

/**
 * Governance params for tests: a 10 stTIA deposit and a voting period of `votingSeconds`, so a
 * proposal passes or fails within a test.
 */
export function fastGovParams(votingSeconds: number) {
  return {
    params: {
      min_deposit: [{ denom: DEFAULT_LST_DENOM, amount: (10n * 1_000_000n).toString() }],
      max_deposit_period_seconds: "60",
      voting_period_seconds: String(votingSeconds),
      quorum: "0.334",
      threshold: "0.5",
      veto_threshold: "0.334",
    },
  };
}
