/**
 * Steady tx load against a Metro node: each account signs its next txs with consecutive
 * sequences and sends them in one ordered batch per tick. Used by tests and the benchmark.
 */
import type { EncodeObject } from "@cosmjs/proto-signing";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BackgroundLoop } from "../../core/background-loop.js";
import { abciQuery, broadcastTxs } from "../node/rpc.js";
import type { OfflineSigner, UnsignedTx } from "./offline.js";

export interface LoadAccount {
  signer: OfflineSigner;
  accountNumber: bigint;
  sequence: bigint;
}

export interface LoadOptions {
  rpcUrl: string;
  /** Nodes to send to in turn while the current one is unreachable (a node restarting). */
  fallbackRpcUrls?: string[];
  chainId: string;
  accounts: LoadAccount[];
  /** The messages of an account's `n`-th tx. */
  messages: (signer: OfflineSigner, n: number) => EncodeObject[];
  fee: UnsignedTx["fee"];
  txsPerAccountPerTick: number;
  tickMs: number;
}

/** Reads an account's number and sequence from the chain. */
export async function fetchAccount(rpcUrl: string, signer: OfflineSigner): Promise<LoadAccount> {
  const data = QueryAccountRequest.encode({ address: signer.address }).finish();
  const reply = await abciQuery(rpcUrl, "/cosmos.auth.v1beta1.Query/Account", data);
  if (reply.code !== 0) throw new Error(`account ${signer.address}: ${reply.log}`);
  const account = BaseAccount.decode(QueryAccountResponse.decode(reply.value).account!.value);
  return { signer, accountNumber: account.accountNumber, sequence: account.sequence };
}

export class LoadGenerator {
  /** Hashes (uppercase hex) of every tx CheckTx accepted. */
  readonly accepted: string[] = [];
  rejected = 0;
  private sent = 0;
  private node = 0;
  private readonly loop: BackgroundLoop;

  constructor(private readonly options: LoadOptions) {
    this.loop = new BackgroundLoop(
      async () => {
        await Promise.all(options.accounts.map((account) => this.tick(account)));
      },
      (stepMs) => options.tickMs - stepMs,
    );
  }

  private get rpcUrl(): string {
    const urls = [this.options.rpcUrl, ...(this.options.fallbackRpcUrls ?? [])];
    return urls[this.node % urls.length]!;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async tick(account: LoadAccount): Promise<void> {
    const { options } = this;
    const txs = Array.from({ length: options.txsPerAccountPerTick }, (_, i) =>
      account.signer.signTx({
        chainId: options.chainId,
        accountNumber: account.accountNumber,
        sequence: account.sequence + BigInt(i),
        fee: options.fee,
        messages: options.messages(account.signer, this.sent++),
      }),
    );
    try {
      const outcomes = await broadcastTxs(this.rpcUrl, txs);
      let resync = false;
      for (const outcome of outcomes) {
        if (outcome.kind === "checked" && outcome.code === 0) {
          this.accepted.push(outcome.hash);
          account.sequence += 1n;
        } else {
          this.rejected += 1;
          resync = true;
        }
      }
      if (resync) account.sequence = (await fetchAccount(this.rpcUrl, account.signer)).sequence;
    } catch {
      // The node is unreachable (restarting): the next tick tries the next node.
      this.node++;
    }
  }
}
