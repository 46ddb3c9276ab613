/**
 * The txs the throughput benches push: Metro's are one MsgSequence per tx from one of the test
 * accounts (one lane per account, so sequences stay in order); kvstore's are `key=value` padded
 * to the same size.
 */
import { TEST_MNEMONIC } from "../chain/client/keys.js";
import { fetchAccount } from "../chain/client/load.js";
import { OfflineSigner } from "../chain/client/offline.js";
import { queryParams } from "../chain/client/queries.js";
import { sequenceMsg } from "../chain/client/signing.js";
import { gasFor, requiredFee } from "../chain/modules/params.js";
import { DEVNET_CHAIN_ID } from "../chain/node/home.js";
import { parseDecimal } from "../core/decimal.js";
import type { Params } from "../core/proto/sequencer.js";
import type { Lane } from "./driver.js";

export const LANES = 10;

export type LaneBuilder = (rpcUrl: string, txsPerLane: number, phase: string) => Promise<Lane[]>;

/** What each Metro tx carries and pays. */
export interface MetroTxShape {
  payloadBytes: number;
  fee: bigint;
  gas: bigint;
  denom: string;
}

/** The cheapest valid fee and gas for one MsgSequence of `payloadBytes`, from the chain's params. */
export function shapeFromParams(params: Params, payloadBytes: number): MetroTxShape {
  const gas = gasFor(params, 1, BigInt(payloadBytes));
  return {
    payloadBytes,
    gas,
    fee: requiredFee(gas, parseDecimal(params.minGasPrice)),
    denom: params.feeDenom,
  };
}

/** An account's signer with its account number and the sequence its lane starts from. */
interface LaneAccount {
  signer: OfflineSigner;
  accountNumber: bigint;
  sequence: bigint;
}

function signSequence(account: LaneAccount, shape: MetroTxShape, n: number): Uint8Array {
  const payload = new Uint8Array(shape.payloadBytes).fill(7);
  return account.signer.signTx({
    chainId: DEVNET_CHAIN_ID,
    accountNumber: account.accountNumber,
    sequence: account.sequence + BigInt(n),
    fee: { amount: [{ denom: shape.denom, amount: shape.fee.toString() }], gas: shape.gas },
    messages: [sequenceMsg(account.signer.address, `rollup-${n % 8}`, payload)],
  });
}

async function laneAccounts(rpcUrl: string): Promise<LaneAccount[]> {
  const signers = await Promise.all(
    Array.from({ length: LANES }, (_, i) => OfflineSigner.fromMnemonic(TEST_MNEMONIC, i)),
  );
  const accounts = [];
  for (const signer of signers) accounts.push(await fetchAccount(rpcUrl, signer));
  return accounts;
}

/** One lane per test account, its txs in sequence order, signed before the clock starts. */
export function metroLanes(shape: MetroTxShape | ((params: Params) => MetroTxShape)): LaneBuilder {
  return async (rpcUrl, txsPerLane) => {
    const accounts = await laneAccounts(rpcUrl);
    const fixed = typeof shape === "function" ? shape(await queryParams(rpcUrl)) : shape;
    return accounts.map((account) => ({
      txs: Array.from({ length: txsPerLane }, (_, n) => signSequence(account, fixed, n)),
      resume: async () => Number((await fetchAccount(rpcUrl, account.signer)).sequence - account.sequence),
    }));
  };
}

/**
 * The MsgSequence payload that makes a signed Metro tx `txBytes` long under `params` (fee and
 * gas grow with the payload, and so do the varint lengths, hence a few rounds). Signed with the
 * first test account at sequence 0: only the size matters.
 */
export async function payloadForTxBytes(params: Params, txBytes: number): Promise<MetroTxShape> {
  const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 0);
  const probe = { signer, accountNumber: 0n, sequence: 0n };
  let shape = shapeFromParams(params, Math.max(1, txBytes - 360));
  for (let round = 0; round < 6; round++) {
    const diff = txBytes - signSequence(probe, shape, 0).length;
    if (diff === 0) break;
    shape = shapeFromParams(params, Math.max(1, shape.payloadBytes + diff));
  }
  return shape;
}

/** kvstore txs (`key=value`) padded to Metro's tx size. */
export function kvstoreLanes(txBytes: number): LaneBuilder {
  return async (_rpcUrl, txsPerLane, phase) =>
    Array.from({ length: LANES }, (_, lane) => ({
      txs: Array.from({ length: txsPerLane }, (_, n) =>
        new TextEncoder().encode(`${phase}-${lane}-${n}=`.padEnd(txBytes, "x")),
      ),
    }));
}
