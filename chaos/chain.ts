/**
 * An in-process Metro chain for the campaign: the real MetroApp in a temporary folder, driven
 * through the ABCI calls CometBFT makes for each block. `makeBlock` plays an honest proposer's
 * whole round, so a surface can show the chain still makes blocks after hostile input.
 */

import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  type CommitInfo,
  type ExtendedCommitInfo,
  type ResponseFinalizeBlock,
  ResponseProcessProposal_ProposalStatus,
} from "cosmjs-types/tendermint/abci/types";
import type { MetroApp } from "../chain/app/app.js";
import { blockRequest, type InProcessApp, inProcessApp } from "../chain/app/in-process.js";
import { CrashError } from "./surface.js";

export type ChainOptions = NonNullable<Parameters<typeof inProcessApp>[0]>;

/** The last height's votes as the proposer sees them (extensions) and as the block records them. */
export interface LastCommit {
  local: ExtendedCommitInfo;
  proposed: CommitInfo;
}

const NO_COMMIT: LastCommit = { local: { round: 0, votes: [] }, proposed: { round: 0, votes: [] } };

export interface MadeBlock {
  height: bigint;
  txs: Uint8Array[];
  response: ResponseFinalizeBlock;
}

export class ChaosChain {
  private constructor(private readonly opened: InProcessApp) {}

  static async open(options: ChainOptions = {}): Promise<ChaosChain> {
    return new ChaosChain(await inProcessApp(options));
  }

  get app(): MetroApp {
    return this.opened.app;
  }

  /** The last committed height. */
  get height(): bigint {
    return this.app.store.height;
  }

  /** A block at the next height as ProcessProposal and FinalizeBlock receive it. */
  request(txs: Uint8Array[], lastCommit: LastCommit = NO_COMMIT) {
    return {
      ...blockRequest(this.height + 1n, txs),
      proposedLastCommit: lastCommit.proposed,
      decidedLastCommit: lastCommit.proposed,
    };
  }

  /**
   * An honest proposer's round with the mempool holding `txs`: PrepareProposal, its own
   * ProcessProposal, FinalizeBlock and Commit. The app must accept its own proposal, and every
   * tx it kept must succeed.
   */
  makeBlock(txs: Uint8Array[], lastCommit: LastCommit = NO_COMMIT): MadeBlock {
    const height = this.height + 1n;
    const base = this.request(txs, lastCommit);
    const { txs: proposed } = this.app.prepareProposal({
      ...base,
      maxTxBytes: 4_000_000n,
      localLastCommit: lastCommit.local,
    });
    const block = { ...base, txs: proposed, hash: this.request(proposed, lastCommit).hash };
    const status = this.app.processProposal(block).status;
    if (status !== ResponseProcessProposal_ProposalStatus.ACCEPT) {
      throw new CrashError(`height ${height}: the app rejected its own proposal`);
    }
    const response = this.app.finalizeBlock(block);
    const failed = response.txResults.findIndex((result) => result.code !== 0);
    if (failed >= 0) {
      const result = response.txResults[failed]!;
      throw new CrashError(
        `height ${height}: proposed tx ${failed} failed in the block: ${result.code} ${result.log}`,
      );
    }
    this.app.commit();
    if (this.height !== height) throw new CrashError(`height ${height} did not commit`);
    return { height, txs: proposed, response };
  }

  /** An account's number and sequence as committed; undefined when it does not exist. */
  account(address: string): { accountNumber: bigint; sequence: bigint } | undefined {
    const response = this.app.query({
      path: "/cosmos.auth.v1beta1.Query/Account",
      data: QueryAccountRequest.encode({ address }).finish(),
      height: 0n,
      prove: false,
    });
    if (response.code !== 0) return undefined;
    const any = QueryAccountResponse.decode(response.value).account;
    if (!any) return undefined;
    const { accountNumber, sequence } = BaseAccount.decode(any.value);
    return { accountNumber, sequence };
  }

  async close(): Promise<void> {
    await this.opened.close();
  }
}
