/**
 * Vote extensions on a 4-validator in-process chain with extensions on from height 1:
 * hostile extensions through VerifyVoteExtension (checked against the decoder), hostile sidecar
 * prices through ExtendVote (whose extension must pass VerifyVoteExtension), and forged
 * injected commits through ProcessProposal (checked against the injection check) and, when
 * accepted, FinalizeBlock. Every hundred cases the honest proposer makes a block with prices.
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import {
  type CommitInfo,
  type ExtendedCommitInfo,
  ResponseProcessProposal_ProposalStatus,
  ResponseVerifyVoteExtension_VerifyStatus,
} from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import fc from "fast-check";
import { commitmentTxFor } from "../../chain/app/block-layout.js";
import { injectedCommitProblem } from "../../chain/app/oracle.js";
import { currentPrices, readPairs, readPrice } from "../../chain/modules/oracle.js";
import { bytesEqual, toHex } from "../../core/bytes.js";
import {
  type CurrencyPair,
  DEFAULT_PAIRS,
  type DecimalPrices,
  decodeInjectedCommit,
  decodeOracleVote,
  encodeInjectedCommit,
  encodeOracleVote,
  fromFixedPoint,
  InjectionError,
} from "../../oracle/index.js";
import { extensionSignBytes } from "../../oracle/injection.js";
import { OracleVoteError } from "../../oracle/vote.js";
import { CHAIN, validatorSet } from "../../test/support/signed-blocks.js";
import { signingKeys } from "../blocks.js";
import { ChaosChain, type LastCommit } from "../chain.js";
import { requireTypedError } from "../clear.js";
import { applyByteMutations, type ByteMutation, byteMutations, sometimes } from "../mutate.js";
import { CrashError, type Depth, surface, type Verdict } from "../surface.js";
import { type CommitCase, commitCaseArbitrary, forged, lastCommitOf, signedCommit } from "./commits.js";
import { hostileExtension } from "./extensions.js";

const BLOCK_EVERY = 100;

type VoteCase =
  | { kind: "verify"; extension: Uint8Array }
  | { kind: "extend"; prices: [string, string][] }
  | { kind: "proposal"; commit: CommitCase; txMutations: ByteMutation[] | null };

/** Decimal strings as the sidecar serves them (its schema's form), of every magnitude. */
const decimal = fc.oneof(
  fc.constantFrom(
    "0",
    "0.0",
    "1",
    "0.00000001",
    "0.000000000000000001",
    "9".repeat(40),
    `1${"0".repeat(30)}.5`,
    "97000.12",
  ),
  fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 25n }), fc.option(fc.nat(10 ** 9)))
    .map(([whole, fraction]) => (fraction === null ? whole.toString() : `${whole}.${fraction}`)),
);

function voteCaseArbitrary(
  pairs: readonly CurrencyPair[],
  base: ReadonlyMap<string, bigint>,
  validators: number,
) {
  const extension = hostileExtension(pairs, base);
  const pairId = fc.oneof(
    fc.constantFrom(...pairs.map((pair) => pair.id)),
    fc.constantFrom("X/USD", "", "BTC/USD "),
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("verify" as const), extension }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("extend" as const),
        prices: fc.array(fc.tuple(pairId, decimal), { maxLength: 6 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("proposal" as const),
        commit: commitCaseArbitrary(validators, extension),
        txMutations: sometimes(byteMutations(), 0.15),
      }),
    },
  );
}

class VoteTarget {
  private sidecar: DecimalPrices | undefined;
  private sinceBlock = 0;
  readonly set: ReturnType<typeof validatorSet>;
  private readonly keys: ReturnType<typeof signingKeys>;
  /** The honest validators' prices: the same every block, so the vote base stays put. */
  readonly honest: Map<string, bigint>;
  readonly pairs: readonly CurrencyPair[];
  chain!: ChaosChain;

  /** Each validator's ed25519 public key by address (hex), for node:crypto. */
  private readonly publicKeys: Map<string, KeyObject>;

  constructor(pairs: readonly CurrencyPair[]) {
    this.pairs = pairs;
    this.set = validatorSet(4, 3);
    this.keys = signingKeys(this.set.keys);
    this.publicKeys = new Map(
      this.set.validators.map((v, i) => [toHex(v.address), createPublicKey(this.keys[i]!)]),
    );
    this.honest = new Map(pairs.map((pair, i) => [pair.id, BigInt(i + 2) * 10n ** BigInt(pair.decimals)]));
  }

  async open(): Promise<void> {
    this.chain = await ChaosChain.open({
      chainId: CHAIN,
      validators: this.set.validators.map((v) => ({
        pubKey: { ed25519: v.pubKey.ed25519 },
        power: v.votingPower,
      })),
      voteExtensionsEnableHeight: 1n,
      prices: () => this.sidecar,
    });
    this.chain.makeBlock([]);
    this.block();
  }

  /** What VerifyVoteExtension reads: the chain's pairs and its last prices. */
  private voteInputs() {
    const pairs = readPairs(this.chain.app.store);
    return { pairs, base: currentPrices(this.chain.app.store, pairs) };
  }

  /** Every validator's honest, signed vote for the last height: the next block's injection. */
  private honestCommit(): LastCommit {
    const { pairs, base } = this.voteInputs();
    const extension = encodeOracleVote(pairs, this.honest, base);
    const ballots = this.set.validators.map(() => ({ flag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT, extension }));
    const local = signedCommit(ballots, this.set.validators, this.keys, CHAIN, this.chain.height);
    return { local, proposed: lastCommitOf(local) };
  }

  block(): void {
    this.chain.makeBlock([], this.honestCommit());
    this.sinceBlock = 0;
  }

  verify(extension: Uint8Array): Verdict {
    const status = this.chain.app.verifyVoteExtension({
      hash: new Uint8Array(32),
      validatorAddress: this.set.validators[0]!.address,
      height: this.chain.height + 1n,
      voteExtension: extension,
    }).status;
    const { pairs, base } = this.voteInputs();
    let decoded = true;
    let depth: Depth = 2;
    try {
      decodeOracleVote(pairs, extension, base);
    } catch (error) {
      decoded = false;
      const { message } = requireTypedError(error, [OracleVoteError], "decodeOracleVote");
      depth = /malformed|not canonically|oversized/.test(message) ? 0 : 1;
    }
    const accepted = status === ResponseVerifyVoteExtension_VerifyStatus.ACCEPT;
    if (accepted !== decoded)
      throw new CrashError(
        `VerifyVoteExtension says ${status}, the decoder ${decoded ? "accepts" : "refuses"}`,
      );
    return { accepted, depth };
  }

  async extend(prices: [string, string][]): Promise<Verdict> {
    this.sidecar = new Map(prices);
    const { voteExtension } = await this.chain.app.extendVote({
      hash: new Uint8Array(32),
      height: this.chain.height + 1n,
      time: { seconds: 0n, nanos: 0 },
      txs: [],
      proposedLastCommit: { round: 0, votes: [] },
      misbehavior: [],
      nextValidatorsHash: new Uint8Array(32),
      proposerAddress: new Uint8Array(20),
    });
    this.sidecar = undefined;
    if (voteExtension.length === 0) return { accepted: false, depth: 1 };
    const verdict = this.verify(voteExtension);
    if (!verdict.accepted) throw new CrashError("ExtendVote made an extension VerifyVoteExtension refuses");
    const { pairs, base } = this.voteInputs();
    const sent = new Map(prices);
    for (const [pair, price] of decodeOracleVote(pairs, voteExtension, base)) {
      const decimals = pairs.find((p) => p.id === pair)!.decimals;
      if (!sent.has(pair)) {
        throw new CrashError(
          `ExtendVote voted ${pair} at ${fromFixedPoint(price, decimals)}, which the sidecar did not price`,
        );
      }
    }
    return { accepted: true, depth: 2 };
  }

  propose(test: CommitCase, txMutations: ByteMutation[] | null): Verdict {
    const height = this.chain.height + 1n;
    const commit = signedCommit(test.ballots, this.set.validators, this.keys, CHAIN, this.chain.height);
    const { injected, lastCommit } = forged(commit, test);
    const encoded = encodeInjectedCommit(injected);
    const tx = txMutations ? applyByteMutations(encoded, txMutations) : encoded;
    const request = this.chain.request([commitmentTxFor([]), tx], { local: injected, proposed: lastCommit });
    const status = this.chain.app.processProposal(request).status;
    const accepted = status === ResponseProcessProposal_ProposalStatus.ACCEPT;
    let problem: string | undefined;
    try {
      problem = injectedCommitProblem(this.chain.app.store, CHAIN, height, tx, lastCommit);
    } catch (error) {
      requireTypedError(error, [InjectionError], "injectedCommitProblem");
      throw new CrashError("injectedCommitProblem threw instead of naming the problem", { cause: error });
    }
    if (accepted !== (problem === undefined)) {
      throw new CrashError(`ProcessProposal says ${status}; the injection check says ${problem ?? "fine"}`);
    }
    if (accepted) {
      this.requireUnforged(decodeInjectedCommit(tx), lastCommit);
      this.finalize(request);
    }
    return { accepted, depth: accepted ? 2 : this.decodes(tx) ? 1 : 0 };
  }

  /**
   * An accepted injection is the block's LastCommit with every committed extension signed by
   * its validator: checked here independently of the app (node:crypto, not the app's verifier).
   */
  private requireUnforged(injected: ExtendedCommitInfo, lastCommit: CommitInfo): void {
    const forgery = (why: string) =>
      new CrashError(`ProcessProposal accepted a forged injected commit: ${why}`);
    if (injected.round !== lastCommit.round || injected.votes.length !== lastCommit.votes.length) {
      throw forgery("round or vote count differs from the LastCommit");
    }
    injected.votes.forEach((vote, i) => {
      const expected = lastCommit.votes[i]!;
      if (
        !bytesEqual(vote.validator.address, expected.validator.address) ||
        vote.validator.power !== expected.validator.power ||
        vote.blockIdFlag !== expected.blockIdFlag
      ) {
        throw forgery(`vote ${i} differs from the LastCommit`);
      }
      if (vote.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_COMMIT) return;
      const key = this.publicKeys.get(toHex(vote.validator.address));
      const message = extensionSignBytes(CHAIN, this.chain.height, injected.round, vote.voteExtension);
      if (!key || !verify(null, message, key, vote.extensionSignature))
        throw forgery(`vote ${i}'s extension is not signed`);
    });
  }

  private decodes(tx: Uint8Array): boolean {
    try {
      decodeInjectedCommit(tx);
      return true;
    } catch (error) {
      requireTypedError(error, [InjectionError], "decodeInjectedCommit");
      return false;
    }
  }

  /** An accepted proposal must finalize: the price aggregation over its (hostile) votes included. */
  private finalize(request: ReturnType<ChaosChain["request"]>): void {
    const response = this.chain.app.finalizeBlock(request);
    if (response.appHash.length !== 32 || response.txResults.some((result) => result.code !== 0)) {
      throw new CrashError("FinalizeBlock of an accepted proposal failed a tx or gave no app hash");
    }
  }

  async run(input: VoteCase): Promise<Verdict> {
    let verdict: Verdict;
    try {
      if (input.kind === "verify") verdict = this.verify(input.extension);
      else if (input.kind === "extend") verdict = await this.extend(input.prices);
      else verdict = this.propose(input.commit, input.txMutations);
    } catch (error) {
      if (error instanceof CrashError) throw error;
      throw new CrashError(`${input.kind} threw: ${(error as Error).message}`, { cause: error });
    }
    if (++this.sinceBlock >= BLOCK_EVERY) this.block();
    return verdict;
  }

  /** The honest proposer's next block still lands, with the honest prices written. */
  stillWorks(): void {
    this.block();
    for (const pair of this.pairs) {
      const written = readPrice(this.chain.app.store, pair.id);
      if (written?.price !== this.honest.get(pair.id)) {
        throw new CrashError(
          `${pair.id}: price ${written?.price} after an honest block, expected ${this.honest.get(pair.id)}`,
        );
      }
    }
  }
}

export const voteSurface = surface({
  name: "vote-extensions",
  description:
    "vote extensions (VerifyVoteExtension against the decoder), sidecar prices (ExtendVote), forged injected commits with validly signed extensions (ProcessProposal, FinalizeBlock) on a 4-validator in-process chain",
  deep: "decoded into prices, or an injected commit whose every signature verified",
  async setup() {
    const pairs = DEFAULT_PAIRS;
    const target = new VoteTarget(pairs);
    await target.open();
    const base = currentPrices(target.chain.app.store, pairs);
    return {
      arbitrary: voteCaseArbitrary(pairs, base, target.set.validators.length),
      run: async (input: VoteCase) => target.run(input),
      stillWorks: async () => target.stillWorks(),
      close: () => target.chain.close(),
    };
  },
});
