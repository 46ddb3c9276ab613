/**
 * The prices Metro agreed at a height, recomputed from a SequencerBlock (or a RollupSlice, or a
 * DA BlockSummary) alone: its injected commit holds the signed votes, and its oracle state the
 * vote base and pairs they are read against, proven against the header's app_hash. The result
 * is exactly what the chain's FinalizeBlock wrote for that block (oracle/aggregate.ts is the
 * one computation both run), so a rollup can feed it to its execution.
 */
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { toHex } from "../core/bytes.js";
import type { Header, Validator } from "../core/comet/types.js";
import type { Price } from "../core/evm/index.js";
import { OracleStateError, type OracleStateMessage, provenOracleState } from "../core/oracle-state.js";
import { type AgreedPrice, aggregateVotes } from "./aggregate.js";
import { decodeInjectedCommit, InjectionError, verifyInjectedCommit } from "./injection.js";
import { oracleInputs } from "./state.js";

/** The part of a SequencerBlock, RollupSlice or BlockSummary the prices come from. */
export interface PricedBlock {
  header: Header;
  /** Empty when the block has no oracle commit (vote extensions off at its height). */
  oracleCommitTx: Uint8Array;
  oracleState?: OracleStateMessage | null;
}

export interface BlockPricesOptions {
  chainId: string;
  /**
   * The validator set of the previous height (the one that cast these votes), from the
   * previous verified block. When given, every committed vote must be one of its validators
   * with its power, and every vote extension's signature is checked. Without it, the votes
   * are taken as the block (whose commit the caller verified) carries them.
   */
  previousValidators?: readonly Validator[];
}

export class BlockPricesError extends Error {
  override name = "BlockPricesError";
}

/**
 * The prices the chain wrote at the block's height, by pair id: only the pairs that got a new
 * price (2/3 of the power reported them); empty when the block has no oracle commit. Throws
 * BlockPricesError when the block lacks its oracle state, the state's proofs do not hold
 * against the header's app_hash, or (with `previousValidators`) a vote is not the set's or
 * its extension signature is invalid: a block to refuse.
 */
export function blockPrices(block: PricedBlock, options: BlockPricesOptions): Map<string, AgreedPrice> {
  if (block.oracleCommitTx.length === 0) return new Map();
  const height = block.header.height;
  if (!block.oracleState) throw new BlockPricesError(`height ${height}: oracle state missing`);
  let state: Map<string, Uint8Array>;
  try {
    state = provenOracleState(block.header.appHash, block.oracleState);
  } catch (error) {
    if (!(error instanceof OracleStateError)) throw error;
    throw new BlockPricesError(`height ${height}: oracle state: ${error.message}`);
  }
  try {
    const commit = decodeInjectedCommit(block.oracleCommitTx);
    if (options.previousValidators) {
      const validators = options.previousValidators;
      if (commit.votes.length !== validators.length) {
        throw new InjectionError(`${commit.votes.length} votes for ${validators.length} validators`);
      }
      // The votes must be the previous set's, in its order, with its powers: the same check
      // ProcessProposal makes against the block's LastCommit, and each extension's signature.
      verifyInjectedCommit(
        commit,
        {
          round: commit.round,
          votes: validators.map((validator, i) => ({
            validator: { address: validator.address, power: validator.votingPower },
            blockIdFlag: commit.votes[i]?.blockIdFlag ?? BlockIDFlag.UNRECOGNIZED,
          })),
        },
        {
          chainId: options.chainId,
          voteHeight: height - 1n,
          publicKeys: new Map(
            validators.flatMap((v): [string, Uint8Array][] =>
              v.pubKey.ed25519 ? [[toHex(v.address), v.pubKey.ed25519]] : [],
            ),
          ),
        },
      );
    }
    return aggregateVotes(
      commit,
      oracleInputs((key) => state.get(key)),
    ).prices;
  } catch (error) {
    if (error instanceof InjectionError) throw new BlockPricesError(`height ${height}: ${error.message}`);
    throw error;
  }
}

/**
 * blockPrices as the list every rollup block is executed with: sorted by pair id, so the
 * conductor and Metro (re-executing a challenged block) feed the EVM exactly the same input.
 */
export function blockPriceList(block: PricedBlock, options: BlockPricesOptions): Price[] {
  return [...blockPrices(block, options)]
    .map(([pair, agreed]) => ({ pair, decimals: agreed.decimals, price: agreed.price }))
    .sort((a, b) => (a.pair < b.pair ? -1 : a.pair > b.pair ? 1 : 0));
}
