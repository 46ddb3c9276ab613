/**
 * Sends Metro txs from one account a service pays with (the rollup composer, a header
 * aggregator): the minimum fee at the chain's current gas price, the sequence tracked locally,
 * and one retry when Metro refuses a tx (at the sequence it expects, when a tx of this account
 * went out elsewhere or one it counted on was dropped).
 */
import type { EncodeObject } from "@cosmjs/proto-signing";
import { parseDecimal } from "../../core/decimal.js";
import type { Params } from "../../core/proto/sequencer.js";
import { gasFor, requiredFee } from "../modules/params.js";
import { broadcastTxs, nodeStatus } from "../node/rpc.js";
import { fetchAccount, type LoadAccount } from "./load.js";
import type { OfflineSigner } from "./offline.js";
import { queryParams } from "./queries.js";

/** Metro refused the tx in CheckTx (or the node did not take it); `reason` is Metro's log. */
export class MetroTxRefusedError extends Error {
  override name = "MetroTxRefusedError";
  constructor(readonly reason: string) {
    super(`Metro refused the tx: ${reason}`);
  }
}

/**
 * Metro's CheckTx log for a wrong sequence, as the Cosmos SDK words it. The sequence it
 * expects counts txs still in the mempool, which the committed account does not yet.
 */
const WRONG_SEQUENCE = /account sequence mismatch, expected (\d+)/;

/** The sequence a refusal says Metro expects, when it was refused for its sequence. */
export function expectedSequence(reason: string): bigint | undefined {
  const expected = WRONG_SEQUENCE.exec(reason)?.[1];
  return expected === undefined ? undefined : BigInt(expected);
}

/** What a tx is priced and signed against; read again only when Metro refuses a tx. */
export interface ChainTerms {
  params: Params;
  chainId: string;
}

export async function readChainTerms(rpcUrl: string): Promise<ChainTerms> {
  const [params, status] = await Promise.all([queryParams(rpcUrl), nodeStatus(rpcUrl)]);
  return { params, chainId: status.chainId };
}

/**
 * One signed tx of `messages` from `account` at `sequence`, paying gas for `dataBytes` of
 * rollup data at the smallest fee the chain's gas price allows.
 */
export function signAtMinimumFee(
  account: LoadAccount,
  terms: ChainTerms,
  messages: readonly EncodeObject[],
  dataBytes: bigint,
  sequence: bigint = account.sequence,
): Uint8Array {
  const { params, chainId } = terms;
  const gas = gasFor(params, messages.length, dataBytes);
  const fee = requiredFee(gas, parseDecimal(params.minGasPrice));
  return account.signer.signTx({
    messages,
    fee: { amount: [{ denom: params.feeDenom, amount: fee.toString() }], gas },
    chainId,
    accountNumber: account.accountNumber,
    sequence,
  });
}

export class MetroTxSender {
  private terms: ChainTerms | undefined;

  private constructor(
    private readonly rpcUrl: string,
    private account: LoadAccount,
  ) {}

  static async start(rpcUrl: string, signer: OfflineSigner): Promise<MetroTxSender> {
    return new MetroTxSender(rpcUrl, await fetchAccount(rpcUrl, signer));
  }

  get address(): string {
    return this.account.signer.address;
  }

  /**
   * Signs and broadcasts one tx of `messages`, paying gas for `dataBytes` of rollup data;
   * resolves once CheckTx accepted it, else throws MetroTxRefusedError. A refused tx is tried
   * once more against fresh params and chain id (governance may have raised the gas price, a
   * hard fork changed the chain id) and at the sequence Metro says it expects.
   */
  async send(messages: readonly EncodeObject[], dataBytes = 0n): Promise<void> {
    try {
      await this.sendOnce(messages, dataBytes);
    } catch (error) {
      if (!(error instanceof MetroTxRefusedError)) throw error;
      this.terms = undefined;
      const expected = expectedSequence(error.reason);
      if (expected !== undefined) this.account = { ...this.account, sequence: expected };
      await this.sendOnce(messages, dataBytes);
    }
  }

  private async sendOnce(messages: readonly EncodeObject[], dataBytes: bigint): Promise<void> {
    this.terms ??= await readChainTerms(this.rpcUrl);
    const tx = signAtMinimumFee(this.account, this.terms, messages, dataBytes);
    const [outcome] = await broadcastTxs(this.rpcUrl, [tx]);
    if (outcome?.kind !== "checked" || outcome.code !== 0) {
      throw new MetroTxRefusedError(
        outcome?.kind === "checked" ? outcome.log : (outcome?.message ?? "no reply from the node"),
      );
    }
    this.account = { ...this.account, sequence: this.account.sequence + 1n };
  }
}
