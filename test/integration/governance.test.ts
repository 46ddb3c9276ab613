import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  QueryClient,
  setupBankExtension,
  setupGovExtension,
  setupSlashingExtension,
  setupStakingExtension,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { ProposalStatus, VoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import * as govV1 from "cosmjs-types/cosmos/gov/v1/query";
import * as slashingQuery from "cosmjs-types/cosmos/slashing/v1beta1/query";
import { MsgUpdateParams as MsgUpdateSlashingParams } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { operatorAccountIndex, TEST_MNEMONIC, testAccountAddresses } from "../../chain/client/keys.js";
import { connectSigner, type MetroSigner } from "../../chain/client/signing.js";
import { GOV_AUTHORITY } from "../../chain/modules/params.js";
import { DEFAULT_SLASHING_PARAMS, toSdkSlashingParams } from "../../chain/modules/slashing.js";
import { resetCometData } from "../../chain/node/cometbft.js";
import { exportGenesis } from "../../chain/node/export.js";
import { appDataDir, genesisPath } from "../../chain/node/home.js";
import { abciQuery, nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { operatorAddress } from "../../core/address.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { MsgHaltChainCodec } from "../../core/proto/gov.js";
import { fastGovParams } from "../support/accounts.js";
import { sleep, startNetwork, type TestNetwork } from "../support/network.js";

const STTIA = 1_000_000n;
const lst = (amount: bigint) => ({ denom: DEFAULT_LST_DENOM, amount: amount.toString() });
/** Long enough for every voter's tx to land, short enough to keep the test quick. */
const VOTING_SECONDS = 15;

async function queries(rpc: string) {
  return QueryClient.withExtensions(
    await Comet38Client.connect(rpc),
    setupBankExtension,
    setupStakingExtension,
    setupSlashingExtension,
    setupGovExtension,
  );
}

function slashingWindow(window: bigint) {
  const params = toSdkSlashingParams({ ...DEFAULT_SLASHING_PARAMS, signedBlocksWindow: window });
  return {
    typeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParams",
    value: MsgUpdateSlashingParams.encode({ authority: GOV_AUTHORITY, params }).finish(),
  };
}

const failure = (outcome: unknown): string =>
  outcome instanceof Error ? outcome.message : ((outcome as { rawLog?: string }).rawLog ?? "");

describe("governance on real CometBFT: proposals, tally by stake, halt and hard fork", () => {
  let net: TestNetwork;
  let q: Awaited<ReturnType<typeof queries>>;
  const operators: MetroSigner[] = [];
  let user: MetroSigner;

  async function submit(messages: { typeUrl: string; value: Uint8Array }[], title: string): Promise<bigint> {
    const result = await user.client.signAndBroadcast(
      user.address,
      [
        {
          typeUrl: "/cosmos.gov.v1.MsgSubmitProposal",
          value: {
            messages,
            initialDeposit: [lst(10n * STTIA)],
            proposer: user.address,
            metadata: "",
            title,
            summary: `${title}, by test`,
            expedited: false,
          },
        },
      ],
      "auto",
    );
    assert.equal(result.code, 0, result.rawLog);
    const id = result.events
      .find((e) => e.type === "submit_proposal")
      ?.attributes.find((a) => a.key === "proposal_id");
    return BigInt(id!.value);
  }

  async function vote(signer: MetroSigner, proposalId: bigint, option: VoteOption) {
    return signer.client.signAndBroadcast(
      signer.address,
      [
        {
          typeUrl: "/cosmos.gov.v1.MsgVote",
          value: { proposalId, voter: signer.address, option, metadata: "" },
        },
      ],
      "auto",
    );
  }

  async function finished(proposalId: bigint) {
    for (let i = 0; i < 80; i++) {
      const { proposal } = await q.gov.proposal(proposalId.toString());
      if (proposal.status !== ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD) return proposal;
      await sleep(500);
    }
    throw new Error(`proposal ${proposalId} did not finish`);
  }

  before(async () => {
    net = await startNetwork(4, undefined, {
      gov: fastGovParams(VOTING_SECONDS),
    });
    q = await queries(net.rpc(0));
    for (let i = 0; i < 4; i++)
      operators.push(await connectSigner(net.rpc(0), TEST_MNEMONIC, operatorAccountIndex(i)));
    user = await connectSigner(net.rpc(0), TEST_MNEMONIC, 1);
  });

  async function queryPath(path: string, request: { finish(): Uint8Array }): Promise<Uint8Array> {
    const result = await abciQuery(net.rpc(0), path, request.finish());
    assert.equal(result.code, 0, `${path}: ${result.log}`);
    return result.value;
  }

  after(async () => {
    for (const signer of [...operators, user]) signer?.client.disconnect();
    await net?.stop();
  });

  it("passes a parameter change by bonded stake, a delegator's own vote overriding its validator's", async () => {
    const delegated = await user.client.delegateTokens(
      user.address,
      operatorAddress(operators[0]!.address),
      lst(2000n * STTIA),
      "auto",
    );
    assert.equal(delegated.code, 0, delegated.rawLog);
    const id = await submit([slashingWindow(200n)], "Longer liveness window");
    const results = await Promise.all([
      ...operators.map((operator) => vote(operator, id, VoteOption.VOTE_OPTION_YES)),
      vote(user, id, VoteOption.VOTE_OPTION_NO),
    ]);
    for (const result of results) assert.equal(result.code, 0, result.rawLog);
    const proposal = await finished(id);
    assert.equal(proposal.status, ProposalStatus.PROPOSAL_STATUS_PASSED);
    assert.equal(proposal.finalTallyResult.yes, (40_000n * STTIA).toString(), "the validators' own stake");
    assert.equal(
      proposal.finalTallyResult.no,
      (2000n * STTIA).toString(),
      "the delegator's stake, taken from validator 0",
    );
    const { params } = await q.slashing.params();
    assert.equal(params.signedBlocksWindow, 200n);
    assert.equal((await q.bank.balance(GOV_AUTHORITY, DEFAULT_LST_DENOM)).amount, "0", "deposit refunded");

    // The gov v1 and slashing query paths wallets call directly (cosmjs's extension asks v1beta1).
    const v1 = govV1.QueryProposalResponse.decode(
      await queryPath("/cosmos.gov.v1.Query/Proposal", govV1.QueryProposalRequest.encode({ proposalId: id })),
    ).proposal!;
    assert.equal(v1.status, ProposalStatus.PROPOSAL_STATUS_PASSED);
    assert.equal(v1.finalTallyResult?.yesCount, (40_000n * STTIA).toString());
    assert.equal(v1.messages[0]?.typeUrl, "/cosmos.slashing.v1beta1.MsgUpdateParams");
    const listed = govV1.QueryProposalsResponse.decode(
      await queryPath(
        "/cosmos.gov.v1.Query/Proposals",
        govV1.QueryProposalsRequest.encode({ proposalStatus: 0, voter: "", depositor: "" }),
      ),
    );
    assert.ok(listed.proposals.some((p) => p.id === id));
    const infos = slashingQuery.QuerySigningInfosResponse.decode(
      await queryPath(
        "/cosmos.slashing.v1beta1.Query/SigningInfos",
        slashingQuery.QuerySigningInfosRequest.encode({}),
      ),
    );
    assert.equal(infos.info.length, 4, "one signing info per validator");
    assert.ok(infos.info.every((info) => info.address.startsWith("metrovalcons1") && !info.tombstoned));
  });

  it("rejects a proposal that loses the vote, and refuses bad proposals and bad votes", async () => {
    const id = await submit([slashingWindow(300n)], "Even longer window");
    const results = await Promise.all(
      operators.map((operator, i) =>
        vote(operator, id, i === 0 ? VoteOption.VOTE_OPTION_YES : VoteOption.VOTE_OPTION_NO),
      ),
    );
    for (const result of results) assert.equal(result.code, 0, result.rawLog);
    const twice = await vote(operators[1]!, id, VoteOption.VOTE_OPTION_YES).catch((e: Error) => e);
    assert.match(failure(twice), /already voted on proposal/);
    const proposal = await finished(id);
    assert.equal(proposal.status, ProposalStatus.PROPOSAL_STATUS_REJECTED);
    assert.equal((await q.slashing.params()).params.signedBlocksWindow, 200n, "unchanged");

    const late = await vote(operators[2]!, id - 1n, VoteOption.VOTE_OPTION_YES).catch((e: Error) => e);
    assert.match(failure(late), /not in its voting period/);
    const before = (await q.gov.proposals(0, "", "")).proposals.length;
    const invalid = toSdkSlashingParams({ ...DEFAULT_SLASHING_PARAMS, minSignedPerWindow: "1.5" });
    const bad = await user.client
      .signAndBroadcast(
        user.address,
        [
          {
            typeUrl: "/cosmos.gov.v1.MsgSubmitProposal",
            value: {
              messages: [
                {
                  typeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParams",
                  value: MsgUpdateSlashingParams.encode({
                    authority: GOV_AUTHORITY,
                    params: invalid,
                  }).finish(),
                },
              ],
              initialDeposit: [lst(10n * STTIA)],
              proposer: user.address,
              metadata: "",
              title: "Broken",
              summary: "",
              expedited: false,
            },
          },
        ],
        400_000,
      )
      .catch((e: Error) => e);
    assert.match(failure(bad), /invalid slashing parameters/);
    const wrongAuthority = {
      typeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParams",
      value: MsgUpdateSlashingParams.encode({ authority: user.address, params: invalid }).finish(),
    };
    const notGov = await submit([wrongAuthority], "Not gov's").catch((e: Error) => e);
    assert.match(failure(notGov), /must have the gov module/);
    assert.equal((await q.gov.proposals(0, "", "")).proposals.length, before, "no proposal was created");
  });

  it("halts every node after committing H, and a hard fork from the export keeps balances and stake", async () => {
    const { height } = await nodeStatus(net.rpc(0));
    const haltAt = BigInt(height + VOTING_SECONDS + 12);
    const halt = {
      typeUrl: MsgHaltChainCodec.typeUrl,
      value: MsgHaltChainCodec.encode({ authority: GOV_AUTHORITY, height: haltAt }),
    };
    const id = await submit([halt], "Halt for an upgrade");
    const votes = await Promise.all(
      operators.map((operator) => vote(operator, id, VoteOption.VOTE_OPTION_YES)),
    );
    for (const result of votes) assert.equal(result.code, 0, result.rawLog);
    assert.equal((await finished(id)).status, ProposalStatus.PROPOSAL_STATUS_PASSED);

    // No txs from here on: what the chain holds now is what it holds at the halt height.
    const accounts = [...(await testAccountAddresses(14))];
    const balancesBefore = await Promise.all(
      accounts.map(async (a) => (await q.bank.balance(a, DEFAULT_LST_DENOM)).amount),
    );
    const validatorsBefore = (await q.staking.validators("")).validators.map((v) => [
      v.operatorAddress,
      v.tokens,
      v.delegatorShares,
    ]);
    const delegationsBefore = (await q.staking.delegatorDelegations(user.address)).delegationResponses;

    const deadline = Date.now() + 90_000;
    while (!net.devnet.validators.every((v) => v.halted) && Date.now() < deadline) await sleep(500);
    assert.ok(
      net.devnet.validators.every((v) => v.halted),
      "every validator stopped at the halt height",
    );
    const home = net.devnet.specs[0]!.home;
    const genesis = await exportGenesis({ home, height: haltAt, chainId: "metro-fork-1" });
    await assert.rejects(
      exportGenesis({ home, height: haltAt + 1n, chainId: "metro-fork-1" }),
      /no state at height/,
    );

    await net.devnet.stop();
    for (const spec of net.devnet.specs) {
      resetCometData(spec.home);
      rmSync(appDataDir(spec.home), { recursive: true, force: true });
      writeFileSync(genesisPath(spec.home), JSON.stringify(genesis));
    }
    await net.devnet.start();
    await waitForHeight(net.rpc(0), Number(haltAt) + 2);
    const status = await nodeStatus(net.rpc(0));
    assert.equal(status.chainId, "metro-fork-1");
    const fork = await queries(net.rpc(0));
    const balancesAfter = await Promise.all(
      accounts.map(async (a) => (await fork.bank.balance(a, DEFAULT_LST_DENOM)).amount),
    );
    assert.deepEqual(balancesAfter, balancesBefore);
    assert.deepEqual(
      (await fork.staking.validators("")).validators.map((v) => [
        v.operatorAddress,
        v.tokens,
        v.delegatorShares,
      ]),
      validatorsBefore,
    );
    assert.deepEqual(
      (await fork.staking.delegatorDelegations(user.address)).delegationResponses,
      delegationsBefore,
    );
    const sent = await (await connectSigner(net.rpc(0), TEST_MNEMONIC, 2)).client.sendTokens(
      accounts[2]!,
      accounts[3]!,
      [lst(1n)],
      "auto",
    );
    assert.equal(sent.code, 0, "the fork takes txs signed for its own chain id");
  });
});
