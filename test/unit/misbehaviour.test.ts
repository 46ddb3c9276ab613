/**
 * The campaign's dishonest proposer and voter (chain/app/misbehaviour.ts) must send what honest
 * validators refuse: otherwise the adversary phases would count refusals of nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { badVoteExtension, tamperedCommit } from "../../chain/app/misbehaviour.js";
import { lastCommitOf } from "../../chaos/votes/commits.js";
import { INJECTION_TAMPERS } from "../../core/fault-injection.js";
import {
  DEFAULT_PAIRS,
  decodeOracleVote,
  InjectionError,
  MAX_VOTE_BYTES,
  verifyInjectedCommit,
} from "../../oracle/index.js";
import { signedInjectedCommit } from "../support/oracle-blocks.js";
import { CHAIN, validatorSet } from "../support/signed-blocks.js";

const set = validatorSet();
const vote = new Map([["TIA/USD", 520_000_000n]]);
const honest = signedInjectedCommit(
  set,
  DEFAULT_PAIRS,
  new Map(),
  [{ vote }, { vote }, { vote }, { vote }],
  9n,
);
const context = {
  chainId: CHAIN,
  voteHeight: 9n,
  publicKeys: new Map(set.validators.map((v) => [Buffer.from(v.address).toString("hex"), v.pubKey.ed25519!])),
};

describe("misbehaviour on purpose", () => {
  it("every tampered commit fails the check ProcessProposal makes, the honest one passes", () => {
    verifyInjectedCommit(honest, lastCommitOf(honest), context);
    for (const tamper of INJECTION_TAMPERS) {
      assert.throws(
        () => verifyInjectedCommit(tamperedCommit(honest, tamper), lastCommitOf(honest), context),
        InjectionError,
        tamper,
      );
    }
  });

  it("an oversized extension is refused by the decoder every validator runs; a late one is the honest one", async () => {
    const oversized = await badVoteExtension("oversized", () => assert.fail("not asked"));
    assert.equal(oversized.voteExtension.length, MAX_VOTE_BYTES + 1);
    assert.throws(() => decodeOracleVote(DEFAULT_PAIRS, oversized.voteExtension, new Map()), /oversized/);
    const own = { voteExtension: Uint8Array.of(1, 2, 3) };
    assert.equal((await badVoteExtension("late", () => own)).voteExtension, own.voteExtension);
  });
});
