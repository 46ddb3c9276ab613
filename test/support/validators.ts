import { mint } from "../../chain/modules/bank.js";
import type { StakingEnv } from "../../chain/modules/delegations.js";
import { createValidator } from "../../chain/modules/delegations.js";
import type { RollupRegistration } from "../../chain/modules/rollups.js";
import type { StateOverlay } from "../../chain/store/overlay.js";
import { moduleAddress } from "../../core/address.js";
import { type BlsKeyPair, blsKeyPair, blsProvePOP } from "../../core/bls.js";

/** The BLS keys of test validator `index` (deterministic). */
export function testBlsKeys(index: number): BlsKeyPair {
  return blsKeyPair(new Uint8Array(48).fill((index * 7 + 1) % 256));
}

/**
 * Creates test validator `index` in process: its operator account (moduleAddress
 * `operator-<index>`) is minted `selfBond` of `env.denom` and bonds all of it. Returns the
 * operator address (metrovaloper1…).
 */
export function bondTestValidator(
  state: StateOverlay,
  index: number,
  selfBond: bigint,
  commission: string,
  env: StakingEnv,
): string {
  const operator = moduleAddress(`operator-${index}`);
  mint(state, operator, env.denom, selfBond);
  const bls = testBlsKeys(index);
  return createValidator(
    state,
    {
      moniker: `v${index}`,
      commissionRate: commission,
      minSelfDelegation: "1000000",
      delegatorAddress: operator,
      consensusPubkey: new Uint8Array(32).fill(index + 1),
      blsPubkey: bls.publicKey,
      blsProofOfPossession: blsProvePOP(bls),
      value: { denom: env.denom, amount: selfBond.toString() },
    },
    env,
  );
}

/** A registration for an "evm" rollup with made-up chain id and genesis hash. */
export function evmRollup(name: string, quorum = "0.67", challengeWindow = 3n): RollupRegistration {
  return {
    name,
    quorum,
    challengeWindow,
    executionKind: "evm",
    evmChainId: 4_242n,
    genesisHash: new Uint8Array(32).fill(0x42),
  };
}
