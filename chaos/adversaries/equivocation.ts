/**
 * An equivocating rollup-header signer: the campaign itself signs two different headers for one
 * rollup height with a validator's real BLS key (the one the devnet registered) and hands the
 * pair to Metro. The design holds when Metro slashes the validator its double-sign fraction,
 * jails and tombstones it, refuses evidence that is no equivocation (one header twice, two
 * heights) with a clear reason, and does not slash twice for the same evidence.
 */
import { BroadcastTxError, type DeliverTxResponse } from "@cosmjs/stargate";
import { operatorAddresses, TEST_MNEMONIC } from "../../chain/client/keys.js";
import {
  queryRollup,
  querySigningInfo,
  querySlashingParams,
  queryValidatorRecord,
} from "../../chain/client/queries.js";
import { connectSigner, type MetroSigner } from "../../chain/client/signing.js";
import { DEFAULT_PARAMS, requiredFee } from "../../chain/modules/params.js";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { genesisBlockHash } from "../../conductor/evm/chain.js";
import { operatorAddress } from "../../core/address.js";
import { parseDecimal, parseUnitFraction } from "../../core/decimal.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { MsgSubmitEquivocationCodec } from "../../core/proto/rollup.js";
import { rollupIdFromName } from "../../core/rollup.js";
import type { RollupHeader } from "../../core/rollup-header.js";
import { testRollupGenesis } from "../../test/support/evm.js";
import { firstHeader, registerRollup, signHeader } from "../../test/support/rollup-headers.js";
import { isRuntimeMessage } from "../clear.js";
import type { ChaosStack } from "../stack.js";
import type { AdversaryReport } from "./report.js";

/** The test-mnemonic account that registers the rollup and submits the evidence (the load uses 1–3, 7–9). */
const ACCOUNT = 5;
/** Gas for one MsgSubmitEquivocation, paid up front: a refusal must reach CheckTx, not die in simulation. */
const EVIDENCE_GAS = 1_000_000n;

export interface Equivocator {
  validator: number;
  operator: string;
  rollupName: string;
  rollupId: Uint8Array;
  /** The committee as validator indexes, in committee order (signer bitmaps count in it). */
  committee: number[];
}

const rpc = (stack: ChaosStack) => stack.devnet.rpcUrl(0);

async function withSubmitter<T>(stack: ChaosStack, work: (signer: MetroSigner) => Promise<T>): Promise<T> {
  const signer = await connectSigner(rpc(stack), TEST_MNEMONIC, ACCOUNT);
  try {
    return await work(signer);
  } finally {
    signer.client.disconnect();
  }
}

/** Registers a rollup of its own (evm, as a real one) and has `validator` join its committee while unjailed. */
export async function joinCommittee(stack: ChaosStack, validator: number): Promise<Equivocator> {
  const rollupName = `chaos-equivocation-${validator}`;
  const genesis = testRollupGenesis({ name: rollupName, chainId: 4_200_000 + validator });
  const evm = { chainId: BigInt(genesis.chainId), genesisHash: await genesisBlockHash(genesis) };
  await withSubmitter(stack, (user) =>
    registerRollup(stack, user, { name: rollupName, quorum: "0.67", window: 10n, evm }, [validator]),
  );
  const rollupId = rollupIdFromName(rollupName);
  const operators = (await operatorAddresses(stack.devnet.specs.length)).map(operatorAddress);
  const onChain = (await queryRollup(rpc(stack), rollupId))?.rollup?.committee ?? [];
  const committee = onChain.map((operator) => operators.indexOf(operator));
  return { validator, operator: operators[validator]!, rollupName, rollupId, committee };
}

type Outcome = { code: number; log: string; height?: number };

/** Sends one piece of evidence; a CheckTx refusal comes back as its code and log, not a throw. */
async function submitEvidence(stack: ChaosStack, first: unknown, second: unknown): Promise<Outcome> {
  const fee = requiredFee(EVIDENCE_GAS, parseDecimal(DEFAULT_PARAMS.minGasPrice));
  return withSubmitter(stack, async (signer) => {
    try {
      const result: DeliverTxResponse = await signer.client.signAndBroadcast(
        signer.address,
        [
          {
            typeUrl: MsgSubmitEquivocationCodec.typeUrl,
            value: { submitter: signer.address, first, second },
          },
        ],
        { amount: [{ denom: DEFAULT_LST_DENOM, amount: fee.toString() }], gas: EVIDENCE_GAS.toString() },
      );
      return { code: result.code, log: result.rawLog ?? "", height: result.height };
    } catch (error) {
      if (error instanceof BroadcastTxError) return { code: error.code, log: error.log ?? "" };
      throw error;
    }
  });
}

async function standing(stack: ChaosStack, operator: string) {
  const record = await queryValidatorRecord(rpc(stack), operator);
  if (!record) throw new Error(`validator ${operator} is gone`);
  const info = await querySigningInfo(rpc(stack), record);
  return { tokens: BigInt(record.tokens), jailed: record.jailed, tombstoned: info?.tombstoned ?? false };
}

/** Waits for the block after `height`, where the end of block slashed what the tx marked. */
async function afterBlock(stack: ChaosStack, height: number | undefined): Promise<void> {
  const at = height ?? (await nodeStatus(rpc(stack))).height;
  await waitForHeight(rpc(stack), at + 1, 60_000);
}

export async function runEquivocation(stack: ChaosStack, equivocator: Equivocator): Promise<AdversaryReport> {
  const { validator, operator, rollupId, committee } = equivocator;
  const failures: string[] = [];
  const signed = (header: RollupHeader) => signHeader(stack, header, committee, [validator]);
  const { height } = await nodeStatus(rpc(stack));
  const honest = firstHeader(rollupId, BigInt(height), 1);
  const other = firstHeader(rollupId, BigInt(height), 7);
  const nextHeight = { ...honest, rollupHeight: 2n };
  let refused = 0;

  // No equivocation: Metro must refuse it, and say why.
  for (const [what, first, second, reason] of [
    ["one header twice", honest, honest, /same header/],
    ["headers for two heights", honest, nextHeight, /different rollups or heights/],
  ] as const) {
    const outcome = await submitEvidence(stack, signed(first), signed(second));
    if (outcome.code !== 0 && reason.test(outcome.log) && !isRuntimeMessage(outcome.log)) refused++;
    else failures.push(`${what} as evidence: code ${outcome.code}, log "${outcome.log}"`);
  }

  const before = await standing(stack, operator);
  const fraction = parseUnitFraction((await querySlashingParams(rpc(stack))).slashFractionDoubleSign);
  const expected = before.tokens - (before.tokens * fraction.numerator) / fraction.denominator;
  const evidence = await submitEvidence(stack, signed(honest), signed(other));
  if (evidence.code !== 0)
    failures.push(`the equivocation was refused: code ${evidence.code}, "${evidence.log}"`);
  await afterBlock(stack, evidence.height);
  const after = await standing(stack, operator);
  const punished = after.jailed && after.tombstoned && after.tokens === expected ? 1 : 0;
  if (!after.jailed) failures.push(`validator ${validator} is not jailed`);
  if (!after.tombstoned) failures.push(`validator ${validator} is not tombstoned`);
  if (after.tokens !== expected)
    failures.push(
      `validator ${validator} holds ${after.tokens} tokens, ${expected} expected after the slash`,
    );

  // The same evidence again: the validator is tombstoned, so nothing more is taken.
  const again = await submitEvidence(stack, signed(honest), signed(other));
  await afterBlock(stack, again.height);
  const last = await standing(stack, operator);
  if (last.tokens === after.tokens) refused++;
  else
    failures.push(`the same evidence slashed validator ${validator} again: ${after.tokens} → ${last.tokens}`);

  const burned = before.tokens - after.tokens;
  return {
    name: `validator ${validator} signs two headers for ${equivocator.rollupName} height 1`,
    attempts: 4,
    refused,
    punished,
    outcome:
      `slashed ${burned} of ${before.tokens} (${Number((burned * 10_000n) / (before.tokens || 1n)) / 100}%), ` +
      `jailed ${after.jailed}, tombstoned ${after.tombstoned}; ${refused} of 3 non-punishable submissions refused or ignored`,
    failures,
  };
}
