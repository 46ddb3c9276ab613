/**
 * Gossip messages: SequencerBlocks as a hostile peer would publish them, judged by the relayer's
 * real gossip validator (decoding, replays, the chain of trust, full verification). Cases are
 * field-level mutations of valid blocks, left with their old signatures or re-signed so that
 * verification goes past the commit, byte mutations, and replays. A block that is accepted with
 * its old signatures must say exactly what the valid block said: anything else is a forgery.
 */
import { TopicValidatorResult } from "@libp2p/gossipsub";
import fc from "fast-check";
import { CommitmentError } from "../../core/block-commitment.js";
import { bytesEqual } from "../../core/bytes.js";
import { headerHash, validatorSetHash } from "../../core/comet/hashes.js";
import { ChainOfTrust } from "../../core/comet/trust.js";
import { CommitVerificationError } from "../../core/comet/verify.js";
import { OracleStateError } from "../../core/oracle-state.js";
import { ProtoDecodeError } from "../../core/proto/codec.js";
import {
  type SequencerBlock,
  SequencerBlockCodec,
  SequencerBlockError,
  verifySequencerBlock,
} from "../../core/sequencer-block.js";
import { GossipValidator } from "../../relayer/index.js";
import { CHAIN, resign, signingKeys, validatorSet, validBlocks } from "../blocks.js";
import { requireClearMessage, requireTypedError } from "../clear.js";
import { applyByteMutations, type ByteMutation, byteMutations } from "../mutate.js";
import { type FieldMutation, fieldMutations, mutateMessage } from "../protowire.js";
import { CrashError, type Depth, surface, type Verdict } from "../surface.js";

/** What verification may throw: each module's own error, with what was wrong. */
export const VERIFY_ERRORS = [
  SequencerBlockError,
  CommitVerificationError,
  CommitmentError,
  OracleStateError,
  ProtoDecodeError,
] as const;

interface GossipCase {
  base: number;
  how: "fields" | "resigned" | "bytes" | "replay";
  fields: FieldMutation[];
  bytes: ByteMutation[];
}

const texts = fc.oneof(
  fc.constantFrom("", CHAIN, "metro-other", "x".repeat(100)),
  fc.string({ maxLength: 12 }),
);

function caseArbitrary(bases: number): fc.Arbitrary<GossipCase> {
  return fc.record({
    base: fc.nat(bases - 1),
    how: fc.oneof(
      { weight: 4, arbitrary: fc.constant("fields" as const) },
      { weight: 4, arbitrary: fc.constant("resigned" as const) },
      { weight: 2, arbitrary: fc.constant("bytes" as const) },
      { weight: 1, arbitrary: fc.constant("replay" as const) },
    ),
    fields: fieldMutations(texts),
    bytes: byteMutations(),
  });
}

/**
 * The oracle entries a block carries, by state key. Price entries may be left out (readers then
 * check the votes instead), so only those present are compared.
 */
function oracleEntries(block: SequencerBlock): Map<string, Uint8Array> {
  const state = block.oracleState;
  const entries = new Map<string, Uint8Array>();
  if (!state) return entries;
  const fixed = { pairs: state.pairs, votePairs: state.votePairs, voteBase: state.voteBase };
  for (const [key, entry] of Object.entries(fixed)) entries.set(key, entry?.value ?? new Uint8Array());
  for (const price of state.prices ?? [])
    entries.set(`price/${price.pair}`, price.entry?.value ?? new Uint8Array());
  return entries;
}

/** What a block says that its signatures and proofs vouch for. */
function sameContent(accepted: SequencerBlock, base: SequencerBlock): boolean {
  const items = (block: SequencerBlock) =>
    block.rollups.flatMap((rollup) => [rollup.rollupId, ...rollup.items]);
  const left = items(accepted);
  const right = items(base);
  const baseOracle = oracleEntries(base);
  const sameOracle = [...oracleEntries(accepted)].every(([key, value]) => {
    const expected = baseOracle.get(key);
    // An entry for another pair is proven like any: a true statement about the state.
    return expected === undefined ? key.startsWith("price/") : bytesEqual(value, expected);
  });
  return (
    bytesEqual(headerHash(accepted.header), headerHash(base.header)) &&
    bytesEqual(accepted.commitmentTx, base.commitmentTx) &&
    bytesEqual(accepted.oracleCommitTx, base.oracleCommitTx) &&
    (accepted.oracleState ? sameOracle : !base.oracleState) &&
    left.length === right.length &&
    left.every((bytes, i) => bytesEqual(bytes, right[i]!))
  );
}

class GossipTarget {
  private readonly set = validatorSet(4, 5);
  private readonly keys = signingKeys(this.set.keys);
  private readonly validatorsHash = validatorSetHash(this.set.validators);
  readonly bases = validBlocks(this.set);
  private readonly encoded = this.bases.map((block) => SequencerBlockCodec.encode(block));

  private hostile(test: GossipCase): { data: Uint8Array; signedAnew: boolean } {
    const valid = this.encoded[test.base]!;
    if (test.how === "bytes") return { data: applyByteMutations(valid, test.bytes), signedAnew: false };
    const mutated = mutateMessage(valid, test.fields);
    if (test.how !== "resigned") return { data: mutated, signedAnew: false };
    let block: SequencerBlock;
    try {
      block = SequencerBlockCodec.decode(mutated);
    } catch {
      return { data: mutated, signedAnew: false };
    }
    return { data: SequencerBlockCodec.encode(resign(block, this.keys)), signedAnew: true };
  }

  /** A fresh validator whose chain of trust names the set at the block's height. */
  private validator(height: bigint): GossipValidator {
    return new GossipValidator(CHAIN, new ChainOfTrust([{ height, validatorsHash: this.validatorsHash }]));
  }

  run(test: GossipCase): Verdict {
    const base = this.bases[test.base]!;
    const validator = this.validator(base.header.height);
    if (test.how === "replay") {
      const first = validator.judge(this.encoded[test.base]!);
      if (first.result !== TopicValidatorResult.Accept)
        throw new CrashError(`a valid block was ${first.reason}`);
    }
    const { data, signedAnew } = this.hostile(test);
    let block: SequencerBlock | undefined;
    try {
      block = SequencerBlockCodec.decode(data);
    } catch (error) {
      requireTypedError(error, [ProtoDecodeError], "SequencerBlock decode");
    }
    if (block?.header && test.how !== "replay") {
      const trusted = this.validator(block.header.height);
      return this.judged(trusted, data, block, signedAnew, base);
    }
    return this.judged(validator, data, block, signedAnew, base);
  }

  private judged(
    validator: GossipValidator,
    data: Uint8Array,
    block: SequencerBlock | undefined,
    signedAnew: boolean,
    base: SequencerBlock,
  ): Verdict {
    const judgement = validator.judge(data);
    if (judgement.result === TopicValidatorResult.Reject)
      requireClearMessage(judgement.reason, "gossip rejection");
    const depth: Depth = !block ? 0 : this.verifies(block) ? 2 : 1;
    const accepted = judgement.result === TopicValidatorResult.Accept;
    if (accepted && !signedAnew && !sameContent(judgement.block!, base)) {
      throw new CrashError("gossip accepted a block whose content its signatures do not vouch for");
    }
    return { accepted, depth };
  }

  /** Runs verification on its own: it either passes or throws one of the verifier's errors. Returns whether it ran past the header. */
  private verifies(block: SequencerBlock): boolean {
    if (!block.header || !block.commit) return false;
    try {
      verifySequencerBlock(block, { chainId: CHAIN });
    } catch (error) {
      requireTypedError(error, VERIFY_ERRORS, "verifySequencerBlock");
    }
    return true;
  }
}

export const gossipSurface = surface({
  name: "gossip",
  description:
    "gossiped SequencerBlocks (field-mutated with old or fresh signatures, byte-mutated, replayed), the relayer's gossip validator and the block verifier",
  deep: "decoded with a header and commit, and run through full verification",
  async setup() {
    const target = new GossipTarget();
    return {
      arbitrary: caseArbitrary(target.bases.length),
      run: async (test: GossipCase) => target.run(test),
      stillWorks: async () => {
        for (const block of target.bases) {
          const judgement = new GossipValidator(
            CHAIN,
            new ChainOfTrust([
              { height: block.header.height, validatorsHash: validatorSetHash(block.validators) },
            ]),
          ).judge(SequencerBlockCodec.encode(block));
          if (judgement.result !== TopicValidatorResult.Accept)
            throw new CrashError(`a valid block: ${judgement.reason}`);
        }
      },
      close: async () => {},
    };
  },
});
