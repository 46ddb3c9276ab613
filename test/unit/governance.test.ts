/**
 * Governance through the whole app in process: signed txs in FinalizeBlock'd and committed
 * blocks, four genesis validators with unequal stake, the block clock under the test's control.
 * What the integration test (real CometBFT) does not reach: the tally's arithmetic, every
 * outcome and what it does to deposits, the deposit period, the voting deadline by time, each
 * proposal kind, and bad parameter changes.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { EncodeObject } from "@cosmjs/proto-signing";
import { ProposalStatus, VoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import { MsgUpdateParams as MsgUpdateGovParams } from "cosmjs-types/cosmos/gov/v1/tx";
import { MsgUpdateParams as MsgUpdateSlashingParams } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import type { Event, ExecTxResult, ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { commitmentTxFor } from "../../chain/app/block-layout.js";
import type { AppState } from "../../chain/app/genesis.js";
import { blockRequest, type InProcessApp, inProcessApp } from "../../chain/app/in-process.js";
import { extendVote } from "../../chain/app/oracle.js";
import { testAccountAddresses } from "../../chain/client/keys.js";
import type { OfflineSigner } from "../../chain/client/offline.js";
import { getAccount } from "../../chain/modules/auth.js";
import { getBalance, getSupply } from "../../chain/modules/bank.js";
import {
  burnsDeposits,
  DEFAULT_GOV_PARAMS,
  type GovParams,
  getDeposit,
  getProposal,
  getVote,
  readGovParams,
  tally,
  verdict,
} from "../../chain/modules/gov.js";
import { readPairs, readPrice } from "../../chain/modules/oracle.js";
import { readOracleParams } from "../../chain/modules/oracle-penalties.js";
import { GOV_AUTHORITY } from "../../chain/modules/params.js";
import { readSlashingParams, toSdkSlashingParams } from "../../chain/modules/slashing.js";
import { consensusAddress, getPower, getValidator, readStakingParams } from "../../chain/modules/staking.js";
import { devnetAppState } from "../../chain/node/home.js";
import { operatorAddress } from "../../core/address.js";
import { blsProvePOP } from "../../core/bls.js";
import { toHex } from "../../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import {
  MsgAddCurrencyPairsCodec,
  MsgRemoveCurrencyPairsCodec,
  MsgSlashValidatorCodec,
  MsgUpdateOracleParamsCodec,
} from "../../core/proto/gov.js";
import { MsgUpdateStakingParamsCodec } from "../../core/proto/staking.js";
import { msToTimestamp, timestampToMs } from "../../core/timestamp.js";
import { encodeInjectedCommit } from "../../oracle/injection.js";
import { CHAIN_ID, feeFor, testSigner } from "../support/accounts.js";
import { testBlsKeys } from "../support/validators.js";

const DENOM = DEFAULT_LST_DENOM;
const STTIA = 1_000_000n;
/** Validators 0-3 (run by test accounts 0-3) bond these: 1000 stTIA in all. */
const STAKES = [400n * STTIA, 300n * STTIA, 200n * STTIA, 100n * STTIA];
const MIN_DEPOSIT = 10n * STTIA;
const VOTING_SECONDS = 10n;
const DEPOSIT_SECONDS = 20n;
const GAS = 500_000n;
/** Test accounts: 0-3 run the validators, 4-5 delegate, 6-7 propose and deposit. */
const PROPOSER = 6;
const DEPOSITOR = 7;

const consensusKey = (i: number): Uint8Array => new Uint8Array(32).fill(i + 1);

async function genesis(accounts: readonly string[]): Promise<AppState> {
  return {
    ...devnetAppState(accounts),
    gov: {
      params: {
        min_deposit: [{ denom: DENOM, amount: MIN_DEPOSIT.toString() }],
        max_deposit_period_seconds: DEPOSIT_SECONDS.toString(),
        voting_period_seconds: VOTING_SECONDS.toString(),
        quorum: "0.334",
        threshold: "0.5",
        veto_threshold: "0.334",
      },
    },
    staking: {
      validators: STAKES.map((stake, i) => ({
        operator: accounts[i]!,
        moniker: `v${i}`,
        commission_rate: "0.05",
        min_self_delegation: "1000000",
        self_bond: stake.toString(),
        consensus_pubkey: Buffer.from(consensusKey(i)).toString("base64"),
        bls_pubkey: toHex(testBlsKeys(i).publicKey),
        bls_proof_of_possession: toHex(blsProvePOP(testBlsKeys(i))),
      })),
    },
  };
}

const attribute = (event: Event | undefined, key: string): string | undefined =>
  event?.attributes.find((a) => a.key === key)?.value;

/** The id a MsgSubmitProposal tx's event gives its (first) proposal. */
const proposalIdOf = (result: ExecTxResult): bigint =>
  BigInt(
    attribute(
      result.events.find((e) => e.type === "submit_proposal"),
      "proposal_id",
    ) ?? "0",
  );

/** The app, its committed state, and blocks on a clock the test moves. */
class TestChain {
  height = 0n;
  timeMs = 0n;
  private constructor(
    private readonly opened: InProcessApp,
    readonly accounts: readonly string[],
    private readonly signers: readonly OfflineSigner[],
  ) {}

  static async start(): Promise<TestChain> {
    const accounts = await testAccountAddresses(8);
    const opened = await inProcessApp({ appState: await genesis(accounts) });
    const signers = await Promise.all(accounts.map((_, i) => testSigner(i)));
    const chain = new TestChain(opened, accounts, signers);
    // Genesis reaches the committed store with the first block.
    chain.block();
    return chain;
  }

  close(): Promise<void> {
    return this.opened.close();
  }

  /** The last committed state. */
  get state() {
    return this.opened.app.store;
  }

  operator(validator: number): string {
    return operatorAddress(this.accounts[validator]!);
  }

  balance(account: number | string): bigint {
    return getBalance(this.state, typeof account === "number" ? this.accounts[account]! : account, DENOM);
  }

  /** A tx from test account `account` at its committed sequence: one per account per block. */
  tx(account: number, messages: EncodeObject[]): Uint8Array {
    const onChain = getAccount(this.state, this.accounts[account]!)!;
    return this.signers[account]!.signTx({
      chainId: CHAIN_ID,
      accountNumber: onChain.accountNumber,
      sequence: onChain.sequence,
      fee: feeFor(GAS),
      messages,
    });
  }

  /** Finalizes and commits a block `seconds` after the last one; `lead` goes first (Metro's own txs). */
  block(txs: Uint8Array[] = [], seconds = 1n, lead: Uint8Array[] = []): ResponseFinalizeBlock {
    this.height += 1n;
    this.timeMs += seconds * 1000n;
    const request = blockRequest(this.height, [...lead, ...txs]);
    request.time = msToTimestamp(this.timeMs);
    const result = this.opened.app.finalizeBlock(request);
    this.opened.app.commit();
    return result;
  }

  /** One tx from `account` in a block of its own; its result. */
  send(account: number, messages: EncodeObject[]): ExecTxResult {
    return this.block([this.tx(account, messages)]).txResults[0]!;
  }

  /** Blocks, one a second, up to the first at or after `ms`; that block's result. */
  runUntil(ms: bigint): ResponseFinalizeBlock {
    let result = this.block();
    while (this.timeMs < ms) result = this.block();
    return result;
  }

  /** A MsgSubmitProposal from the proposer account, to send. */
  submission(
    messages: { typeUrl: string; value: Uint8Array }[],
    deposit = MIN_DEPOSIT,
    title = "A proposal",
  ) {
    return {
      typeUrl: "/cosmos.gov.v1.MsgSubmitProposal",
      value: {
        messages,
        initialDeposit: deposit > 0n ? [{ denom: DENOM, amount: deposit.toString() }] : [],
        proposer: this.accounts[PROPOSER]!,
        metadata: "",
        title,
        summary: `${title}, by test`,
        expedited: false,
      },
    };
  }

  /** Submits a proposal from the proposer account; its id. */
  propose(messages: { typeUrl: string; value: Uint8Array }[], deposit = MIN_DEPOSIT): bigint {
    const result = this.send(PROPOSER, [this.submission(messages, deposit)]);
    assert.equal(result.code, 0, result.log);
    return proposalIdOf(result);
  }

  vote(account: number, proposalId: bigint, option: VoteOption) {
    return {
      typeUrl: "/cosmos.gov.v1.MsgVote",
      value: { proposalId, voter: this.accounts[account]!, option, metadata: "" },
    };
  }

  /** Each (account, option) votes in one block; every vote must land. */
  castVotes(proposalId: bigint, votes: [number, VoteOption][]): void {
    const result = this.block(
      votes.map(([account, option]) => this.tx(account, [this.vote(account, proposalId, option)])),
    );
    for (const tx of result.txResults) assert.equal(tx.code, 0, tx.log);
  }

  /** Runs blocks until the proposal's voting period is over; the tallying block's result. */
  finish(proposalId: bigint): ResponseFinalizeBlock {
    const proposal = getProposal(this.state, proposalId)!;
    return this.runUntil(timestampToMs(proposal.votingEndTime));
  }

  proposal(id: bigint) {
    const proposal = getProposal(this.state, id);
    assert.ok(proposal, `proposal ${id} exists`);
    return proposal;
  }
}

/** The `proposal_result` the tallying block reported for each proposal id. */
function results(block: ResponseFinalizeBlock): Map<string, string> {
  return new Map(
    block.events
      .filter((e) => e.type === "active_proposal")
      .map((e) => [attribute(e, "proposal_id")!, attribute(e, "proposal_result")!]),
  );
}

const packed = (codec: { typeUrl: string; encode: (m: never) => Uint8Array }, message: unknown) => ({
  typeUrl: codec.typeUrl,
  value: codec.encode(message as never),
});

const govParamsChange = (params: GovParams) => ({
  typeUrl: "/cosmos.gov.v1.MsgUpdateParams",
  value: MsgUpdateGovParams.encode({ authority: GOV_AUTHORITY, params }).finish(),
});

const { YES, NO, ABSTAIN, NO_WITH_VETO } = {
  YES: VoteOption.VOTE_OPTION_YES,
  NO: VoteOption.VOTE_OPTION_NO,
  ABSTAIN: VoteOption.VOTE_OPTION_ABSTAIN,
  NO_WITH_VETO: VoteOption.VOTE_OPTION_NO_WITH_VETO,
};

describe("gov verdicts", () => {
  const params = { ...DEFAULT_GOV_PARAMS, quorum: "0.334", burnVoteQuorum: true };
  const cast = (yes: bigint, bonded: bigint) => ({ yes, no: 0n, abstain: 0n, veto: 0n, bonded });

  it("counts a quorum reached at exactly the quorum share of bonded stake", () => {
    assert.equal(verdict(cast(334n, 1000n), params), "passed");
    assert.equal(verdict(cast(333n, 1000n), params), "no_quorum");
    assert.equal(burnsDeposits("no_quorum", params), true);
  });

  it("refunds, as the SDK does, when nothing is bonded at all, even with burn_vote_quorum set", () => {
    const outcome = verdict(cast(0n, 0n), params);
    assert.equal(outcome, "no_bonded_stake");
    assert.equal(burnsDeposits(outcome, params), false);
  });
});

describe("governance (in process)", () => {
  const chains: TestChain[] = [];
  const start = async () => {
    const chain = await TestChain.start();
    chains.push(chain);
    return chain;
  };
  after(async () => {
    for (const chain of chains) await chain.close();
  });

  it("tallies by bonded stake: delegators inherit their validator's vote, and their own vote moves their stake", async () => {
    const chain = await start();
    const delegate = (account: number, validator: number, amount: bigint) =>
      chain.send(account, [
        {
          typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
          value: {
            delegatorAddress: chain.accounts[account]!,
            validatorAddress: chain.operator(validator),
            amount: { denom: DENOM, amount: amount.toString() },
          },
        },
      ]);
    assert.equal(delegate(4, 0, 150n * STTIA).code, 0);
    assert.equal(delegate(5, 1, 50n * STTIA).code, 0);
    const id = chain.propose([]);
    chain.castVotes(id, [
      [0, YES],
      [1, NO],
      [2, ABSTAIN],
    ]);
    // Validator 3 (100) does not vote; delegators 4 (150 on v0) and 5 (50 on v1) have not yet.
    assert.deepEqual(tally(chain.state, id), {
      yes: 550n * STTIA,
      no: 350n * STTIA,
      abstain: 200n * STTIA,
      veto: 0n,
      bonded: 1200n * STTIA,
    });
    chain.castVotes(id, [[4, NO]]);
    assert.deepEqual(
      tally(chain.state, id),
      { yes: 400n * STTIA, no: 500n * STTIA, abstain: 200n * STTIA, veto: 0n, bonded: 1200n * STTIA },
      "delegator 4's 150 moved from validator 0's yes to its own no",
    );
    const proposerBefore = chain.balance(PROPOSER);
    const outcome = results(chain.finish(id));
    assert.equal(outcome.get(id.toString()), "rejected", "400 yes of 900 not abstaining is not over half");
    const proposal = chain.proposal(id);
    assert.equal(proposal.status, ProposalStatus.PROPOSAL_STATUS_REJECTED);
    assert.deepEqual(proposal.finalTallyResult, {
      yesCount: (400n * STTIA).toString(),
      abstainCount: (200n * STTIA).toString(),
      noCount: (500n * STTIA).toString(),
      noWithVetoCount: "0",
    });
    assert.equal(chain.balance(PROPOSER), proposerBefore + MIN_DEPOSIT, "a lost vote refunds the deposit");
  });

  it("decides quorum, veto and threshold as the SDK does, and burns deposits only on a veto by default", async () => {
    const chain = await start();
    // Five proposals in one tx, then one tx per validator voting on all of them.
    const submitted = chain.send(
      PROPOSER,
      Array.from({ length: 5 }, (_, i) => chain.submission([], MIN_DEPOSIT, `Proposal ${i}`)),
    );
    assert.equal(submitted.code, 0, submitted.log);
    const [passes, tie, vetoed, noQuorum, abstained] = [1n, 2n, 3n, 4n, 5n];
    const ballots: [number, [bigint, VoteOption][]][] = [
      // Bonded: v0 400, v1 300, v2 200, v3 100.
      [
        0,
        [
          [passes, YES],
          [tie, YES],
          [vetoed, YES],
          [abstained, ABSTAIN],
        ],
      ],
      [
        1,
        [
          [passes, YES],
          [tie, NO],
          [vetoed, NO_WITH_VETO],
          [abstained, ABSTAIN],
        ],
      ],
      [2, [[noQuorum, YES]]],
      [
        3,
        [
          [tie, NO],
          [vetoed, NO_WITH_VETO],
          [noQuorum, YES],
        ],
      ],
    ];
    const voted = chain.block(
      ballots.map(([account, list]) =>
        chain.tx(
          account,
          list.map(([id, option]) => chain.vote(account, id, option)),
        ),
      ),
    );
    for (const tx of voted.txResults) assert.equal(tx.code, 0, tx.log);
    const supplyBefore = getSupply(chain.state, DENOM);
    const proposerBefore = chain.balance(PROPOSER);
    const outcome = results(chain.finish(passes));
    assert.deepEqual(Object.fromEntries(outcome), {
      [passes.toString()]: "passed",
      // 400 yes of 800 not abstaining is exactly half: the threshold asks for more.
      [tie.toString()]: "rejected",
      // 400 veto of 800 cast is over 1/3, whatever the yes votes.
      [vetoed.toString()]: "vetoed",
      // 300 of 1000 bonded voted: under the 0.334 quorum.
      [noQuorum.toString()]: "no_quorum",
      [abstained.toString()]: "rejected",
    });
    assert.equal(chain.proposal(passes).status, ProposalStatus.PROPOSAL_STATUS_PASSED);
    for (const id of [tie, vetoed, noQuorum, abstained]) {
      assert.equal(chain.proposal(id).status, ProposalStatus.PROPOSAL_STATUS_REJECTED);
    }
    assert.equal(getSupply(chain.state, DENOM), supplyBefore - MIN_DEPOSIT, "the vetoed deposit is burned");
    assert.equal(chain.balance(PROPOSER), proposerBefore + 4n * MIN_DEPOSIT, "the other four are refunded");
    assert.equal(chain.balance(GOV_AUTHORITY), 0n);

    // With burn_vote_quorum set by governance, a missed quorum burns too.
    const burnQuorum = chain.propose([
      govParamsChange({ ...readGovParams(chain.state), burnVoteQuorum: true }),
    ]);
    chain.castVotes(burnQuorum, [
      [0, YES],
      [1, YES],
    ]);
    chain.finish(burnQuorum);
    assert.equal(readGovParams(chain.state).burnVoteQuorum, true);
    const unattended = chain.propose([]);
    chain.castVotes(unattended, [[3, YES]]);
    const supply = getSupply(chain.state, DENOM);
    assert.equal(results(chain.finish(unattended)).get(unattended.toString()), "no_quorum");
    assert.equal(getSupply(chain.state, DENOM), supply - MIN_DEPOSIT);
  });

  it("keeps a proposal in its deposit period until MsgDeposit reaches the minimum, then opens voting", async () => {
    const chain = await start();
    const id = chain.propose([], MIN_DEPOSIT / 2n);
    assert.equal(chain.proposal(id).status, ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD);
    assert.equal(chain.proposal(id).votingEndTime, undefined);
    const early = chain.send(0, [chain.vote(0, id, YES)]);
    assert.match(early.log, /is not in its voting period \(status PROPOSAL_STATUS_DEPOSIT_PERIOD\)/);
    assert.equal(getVote(chain.state, id, chain.accounts[0]!), undefined);

    const deposit = (amount: bigint) =>
      chain.send(DEPOSITOR, [
        {
          typeUrl: "/cosmos.gov.v1.MsgDeposit",
          value: {
            proposalId: id,
            depositor: chain.accounts[DEPOSITOR]!,
            amount: [{ denom: DENOM, amount: amount.toString() }],
          },
        },
      ]);
    assert.equal(deposit(MIN_DEPOSIT / 4n).code, 0);
    assert.equal(
      chain.proposal(id).status,
      ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD,
      "3/4 of the minimum",
    );
    assert.equal(deposit(MIN_DEPOSIT / 4n).code, 0);
    const opened = chain.proposal(id);
    assert.equal(opened.status, ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD);
    assert.equal(
      timestampToMs(opened.votingStartTime),
      chain.timeMs,
      "voting starts with the deposit's block",
    );
    assert.equal(timestampToMs(opened.votingEndTime), chain.timeMs + VOTING_SECONDS * 1000n);
    assert.deepEqual(opened.totalDeposit, [{ denom: DENOM, amount: MIN_DEPOSIT.toString() }]);
    assert.equal(getDeposit(chain.state, id, chain.accounts[DEPOSITOR]!), MIN_DEPOSIT / 2n);
    assert.equal(getDeposit(chain.state, id, chain.accounts[PROPOSER]!), MIN_DEPOSIT / 2n);

    chain.castVotes(id, [
      [0, YES],
      [1, YES],
    ]);
    const [proposer, depositor] = [chain.balance(PROPOSER), chain.balance(DEPOSITOR)];
    chain.finish(id);
    assert.equal(chain.proposal(id).status, ProposalStatus.PROPOSAL_STATUS_PASSED);
    assert.equal(chain.balance(PROPOSER), proposer + MIN_DEPOSIT / 2n, "each depositor gets its own back");
    assert.equal(chain.balance(DEPOSITOR), depositor + MIN_DEPOSIT / 2n);
    assert.match(deposit(1n).log, /no longer takes deposits/);
  });

  it("drops a proposal that never reaches the minimum deposit, refunding it", async () => {
    const chain = await start();
    const id = chain.propose([], MIN_DEPOSIT - 1n);
    const before = chain.balance(PROPOSER);
    chain.runUntil(timestampToMs(chain.proposal(id).depositEndTime));
    assert.equal(getProposal(chain.state, id), undefined);
    assert.equal(chain.balance(PROPOSER), before + MIN_DEPOSIT - 1n);
  });

  it("refuses a vote cast once the voting period's time is up, though the proposal is not yet tallied", async () => {
    const chain = await start();
    const id = chain.propose([]);
    const endMs = timestampToMs(chain.proposal(id).votingEndTime);
    chain.runUntil(endMs - 2000n);
    chain.castVotes(id, [[0, YES]]);
    assert.equal(chain.timeMs, endMs - 1000n, "the last second of the period");
    // The block at the end time still runs its txs before the tally, with the proposal open by status.
    const last = chain.block([chain.tx(1, [chain.vote(1, id, NO)])]);
    assert.equal(chain.timeMs, endMs);
    const refused = last.txResults[0]!;
    assert.notEqual(refused.code, 0);
    assert.equal(refused.codespace, "gov");
    assert.match(
      refused.log,
      /proposal 1 is not in its voting period: it ended at 1970-01-01T00:00:\d\d\.000Z/,
    );
    assert.equal(getVote(chain.state, id, chain.accounts[1]!), undefined, "no vote stored");
    assert.equal(chain.proposal(id).finalTallyResult?.noCount, "0", "nor counted");
    assert.equal(chain.proposal(id).finalTallyResult?.yesCount, (400n * STTIA).toString());
  });

  it("runs a slash-and-jail proposal, passes a text proposal, and fails a proposal whole when one message fails", async () => {
    const chain = await start();
    const slash = chain.propose([
      packed(MsgSlashValidatorCodec, {
        authority: GOV_AUTHORITY,
        validatorAddress: chain.operator(3),
        slashFraction: "0.1",
        reason: "censorship proven off chain",
      }),
    ]);
    const textId = chain.propose([]);
    const slashingBefore = readSlashingParams(chain.state);
    const mixed = chain.propose([
      {
        typeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParams",
        value: MsgUpdateSlashingParams.encode({
          authority: GOV_AUTHORITY,
          params: toSdkSlashingParams({ ...slashingBefore, signedBlocksWindow: 777n }),
        }).finish(),
      },
      // A well-formed operator address of no validator: valid at submission, fails when run.
      packed(MsgSlashValidatorCodec, {
        authority: GOV_AUTHORITY,
        validatorAddress: operatorAddress(chain.accounts[PROPOSER]!),
        slashFraction: "0.1",
        reason: "nobody",
      }),
    ]);
    for (const id of [slash, textId, mixed]) {
      chain.castVotes(id, [
        [0, YES],
        [1, YES],
      ]);
    }
    const supply = getSupply(chain.state, DENOM);
    let block = chain.finish(slash);
    const slashEvent = block.events.find((e) => e.type === "slash");
    assert.equal(attribute(slashEvent, "reason"), "governance");
    assert.equal(attribute(slashEvent, "validator"), chain.operator(3));
    const validator = getValidator(chain.state, chain.operator(3))!;
    assert.equal(validator.jailed, true);
    assert.equal(BigInt(validator.tokens), STAKES[3]! - STAKES[3]! / 10n, "slashed the proposal's 10%");
    assert.equal(getSupply(chain.state, DENOM), supply - STAKES[3]! / 10n, "and burned");
    assert.equal(getPower(chain.state, chain.operator(3)), 0n, "jailing takes its power at once");
    assert.equal(chain.proposal(slash).status, ProposalStatus.PROPOSAL_STATUS_PASSED);

    block = chain.finish(mixed);
    assert.equal(chain.proposal(textId).status, ProposalStatus.PROPOSAL_STATUS_PASSED);
    const failed = chain.proposal(mixed);
    assert.equal(failed.status, ProposalStatus.PROPOSAL_STATUS_FAILED);
    assert.match(failed.failedReason, /validator metrovaloper1\w+ does not exist/);
    assert.deepEqual(
      readSlashingParams(chain.state),
      slashingBefore,
      "its first message's change did not stay",
    );
  });

  it("adds and removes an oracle pair by proposal: state and the validators' votes follow", async () => {
    const chain = await start();
    const prices = new Map([
      ["TIA/USD", "5.2"],
      ["ATOM/USD", "7.5"],
    ]);
    /** The extension each validator's app would sign now, over the pairs in committed state. */
    const voteNow = () => extendVote(chain.state, prices);
    /** A block whose injected commit carries `extension` from all four validators. */
    const oracleBlock = (extension: Uint8Array) => {
      const votes = STAKES.map((stake, i) => ({
        validator: { address: consensusAddress(consensusKey(i)), power: stake / STTIA },
        voteExtension: extension,
        extensionSignature: new Uint8Array(64),
        blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
      }));
      const injected = encodeInjectedCommit({ round: 0, votes });
      chain.block([], 1n, [commitmentTxFor([]), injected]);
    };
    const pairIds = () => readPairs(chain.state).map((p) => p.id);
    assert.ok(!pairIds().includes("ATOM/USD"));

    const add = chain.propose([
      packed(MsgAddCurrencyPairsCodec, {
        authority: GOV_AUTHORITY,
        pairs: [{ id: "ATOM/USD", decimals: 6 }],
      }),
    ]);
    chain.castVotes(add, [
      [0, YES],
      [1, YES],
    ]);
    chain.runUntil(timestampToMs(chain.proposal(add).votingEndTime) - 1000n);
    // Validators sign their extensions for the tallying height before it is finalized.
    const castBeforeAdd = voteNow();
    chain.block();
    assert.equal(chain.proposal(add).status, ProposalStatus.PROPOSAL_STATUS_PASSED);
    assert.ok(pairIds().includes("ATOM/USD"), "the pair is in state");
    const castAfterAdd = voteNow();
    assert.ok(castAfterAdd.length > castBeforeAdd.length, "and the validators now vote a price for it");
    oracleBlock(castBeforeAdd);
    assert.equal(
      readPrice(chain.state, "ATOM/USD"),
      undefined,
      "votes cast before the pair existed hold none",
    );
    assert.equal(readPrice(chain.state, "TIA/USD")?.price, 520_000_000n);
    oracleBlock(castAfterAdd);
    assert.equal(readPrice(chain.state, "ATOM/USD")?.price, 7_500_000n, "priced from the next votes on");

    const remove = chain.propose([
      packed(MsgRemoveCurrencyPairsCodec, { authority: GOV_AUTHORITY, pairIds: ["ATOM/USD"] }),
    ]);
    chain.castVotes(remove, [
      [0, YES],
      [1, YES],
    ]);
    chain.runUntil(timestampToMs(chain.proposal(remove).votingEndTime) - 1000n);
    const castBeforeRemove = voteNow();
    chain.block();
    assert.equal(chain.proposal(remove).status, ProposalStatus.PROPOSAL_STATUS_PASSED);
    assert.ok(!pairIds().includes("ATOM/USD"), "the pair is gone from state");
    assert.equal(readPrice(chain.state, "ATOM/USD"), undefined, "with its price");
    oracleBlock(castBeforeRemove);
    assert.equal(
      readPrice(chain.state, "ATOM/USD"),
      undefined,
      "votes cast before the removal do not bring it back",
    );
    const castAfterRemove = voteNow();
    assert.ok(castAfterRemove.length < castBeforeRemove.length, "validators stop voting for it");
    oracleBlock(castAfterRemove);
    assert.equal(readPrice(chain.state, "ATOM/USD"), undefined);
    assert.ok(readPrice(chain.state, "TIA/USD"));
  });

  it("refuses parameter changes with invalid values for staking, gov and oracle, leaving state as it was", async () => {
    const chain = await start();
    const gov = readGovParams(chain.state);
    const staking = readStakingParams(chain.state);
    const oracle = readOracleParams(chain.state);
    const cases: [string, { typeUrl: string; value: Uint8Array }, RegExp][] = [
      [
        "staking: no validators",
        packed(MsgUpdateStakingParamsCodec, {
          authority: GOV_AUTHORITY,
          params: { ...staking, maxValidators: 0 },
        }),
        /invalid staking parameters: .*\n.*→ at maxValidators/,
      ],
      [
        "gov: quorum over 1",
        govParamsChange({ ...gov, quorum: "1.5" }),
        /invalid gov parameters: .*between 0 and 1\n.*→ at quorum/,
      ],
      [
        "gov: zero threshold",
        govParamsChange({ ...gov, threshold: "0" }),
        /invalid gov parameters: .*must be above 0\n.*→ at threshold/,
      ],
      [
        "gov: minimum deposit in another denom",
        govParamsChange({ ...gov, minDeposit: [{ denom: "uatom", amount: "1" }] }),
        /invalid gov parameters: min_deposit must be one amount of/,
      ],
      [
        "oracle: band not a decimal",
        packed(MsgUpdateOracleParamsCodec, {
          authority: GOV_AUTHORITY,
          params: { ...oracle, deviationBand: "ten%" },
        }),
        /invalid oracle parameters: .*decimal.*\n.*→ at deviationBand/,
      ],
      [
        "oracle: threshold past the window",
        packed(MsgUpdateOracleParamsCodec, {
          authority: GOV_AUTHORITY,
          params: { ...oracle, maxBadBlocks: oracle.windowBlocks },
        }),
        /invalid oracle parameters: max_bad_blocks must be below window_blocks/,
      ],
    ];
    for (const [what, message, error] of cases) {
      const balance = chain.balance(PROPOSER);
      const result = chain.send(PROPOSER, [chain.submission([message])]);
      assert.equal(result.codespace, "gov", what);
      assert.match(result.log, error, what);
      assert.equal(chain.balance(PROPOSER), balance, `${what}: no deposit taken (a failed tx pays no fee)`);
    }
    assert.equal(getProposal(chain.state, 1n), undefined, "no proposal was created");
    assert.deepEqual(readGovParams(chain.state), gov);
    assert.deepEqual(readStakingParams(chain.state), staking);
    assert.deepEqual(readOracleParams(chain.state), oracle);
  });
});
