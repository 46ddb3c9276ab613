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
import {
  OracleStateError,
  type OracleStateMessage,
  provenOracleState,
  provenPriceEntries,
} from "../core/oracle-state.js";
import { type Aggregation, type AgreedPrice, aggregateVotes } from "./aggregate.js";
import { decodeInjectedCommit, InjectionError, verifyInjectedCommit } from "./injection.js";
import { decodePriceRecord, type OracleInputs, oracleInputs, type PriceRecord } from "./state.js";

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
  const state = provenInputs(block);
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
 * The block's committed votes, each decoded, and the prices they agree on: what blockPrices
 * returns, without its checks of the votes' validators and signatures (for auditing a chain
 * whose blocks were verified already, such as the fault campaign's honest-range check).
 */
export function blockAggregation(block: PricedBlock): Aggregation {
  if (block.oracleCommitTx.length === 0) return { prices: new Map(), votes: [] };
  const state = provenInputs(block);
  return aggregateVotes(
    decodeInjectedCommit(block.oracleCommitTx),
    oracleInputs((key) => state.get(key)),
  );
}

/**
 * blockPrices as the list every rollup block is executed with: sorted by pair id, so the
 * conductor and Metro (re-executing a challenged block) feed the EVM exactly the same input.
 */
export function blockPriceList(block: PricedBlock, options: BlockPricesOptions): Price[] {
  return priceList(blockPrices(block, options));
}

/**
 * The same list as blockPriceList, read instead from what the block's FinalizeBlock wrote:
 * `next` is the following height's block, whose header (its commit verified by the caller, and
 * its last_block_id this block's hash) has as app_hash the root of the state FinalizeBlock left.
 * A pair the votes could price (in the vote pairs and still in the pairs) got a price exactly
 * when its entry there is present and made by this block's votes (its height is this block's
 * height - 1, which only this block's FinalizeBlock writes). A pair with no entry there got none
 * unless governance removed it in the same block after its price was written: the block's
 * aggregation (deterministic, so FinalizeBlock's own, signatures aside) tells the two apart.
 * Throws BlockPricesError when the entries cannot say: one missing, a proof that does not hold,
 * a record that cannot be this chain's, or a pair the votes priced with no price after the
 * block; the checked votes must decide then.
 */
export function writtenPriceList(block: PricedBlock, next: PricedBlock): Price[] {
  if (block.oracleCommitTx.length === 0) return [];
  const height = block.header.height;
  if (next.header.height !== height + 1n) {
    throw new BlockPricesError(`height ${height}: height ${next.header.height} is not the next one`);
  }
  const state = provenInputs(block);
  const inputs = oracleInputs((key) => state.get(key));
  let written: Map<string, Uint8Array | undefined>;
  try {
    written = provenPriceEntries(next.header.appHash, next.oracleState ?? {});
  } catch (error) {
    if (!(error instanceof OracleStateError)) throw error;
    throw new BlockPricesError(`height ${height}: written prices: ${error.message}`);
  }
  let aggregated: Map<string, AgreedPrice> | undefined;
  const prices = new Map<string, AgreedPrice>();
  for (const pair of inputs.votePairs) {
    if (!inputs.pairs.some((p) => p.id === pair.id)) continue; // as aggregateVotes: no price
    if (!written.has(pair.id)) {
      throw new BlockPricesError(`height ${height}: the next block carries no price entry for ${pair.id}`);
    }
    const bytes = written.get(pair.id);
    if (!bytes) {
      aggregated ??= unsignedPrices(block, inputs);
      if (!aggregated.has(pair.id)) continue; // never priced, and not by this block
      throw new BlockPricesError(`height ${height}: ${pair.id} was priced but has no price after the block`);
    }
    const record = writtenRecord(height, pair.id, bytes);
    if (record.height > height - 1n || record.decimals !== pair.decimals) {
      throw new BlockPricesError(`height ${height}: ${pair.id}'s record cannot be this chain's`);
    }
    if (record.height === height - 1n)
      prices.set(pair.id, { price: record.price, decimals: record.decimals });
  }
  return priceList(prices);
}

/** The block's aggregation with no signature checked: only to tell which pairs it priced. */
function unsignedPrices(block: PricedBlock, inputs: OracleInputs): Map<string, AgreedPrice> {
  try {
    return aggregateVotes(decodeInjectedCommit(block.oracleCommitTx), inputs).prices;
  } catch (error) {
    if (error instanceof InjectionError)
      throw new BlockPricesError(`height ${block.header.height}: ${error.message}`);
    throw error;
  }
}

function writtenRecord(height: bigint, pair: string, bytes: Uint8Array): PriceRecord {
  try {
    return decodePriceRecord(bytes);
  } catch (error) {
    throw new BlockPricesError(`height ${height}: ${pair}'s record: ${(error as Error).message}`);
  }
}

/** The block's oracle inputs, proven against its own app_hash. */
function provenInputs(block: PricedBlock): Map<string, Uint8Array> {
  const height = block.header.height;
  if (!block.oracleState) throw new BlockPricesError(`height ${height}: oracle state missing`);
  try {
    return provenOracleState(block.header.appHash, block.oracleState);
  } catch (error) {
    if (!(error instanceof OracleStateError)) throw error;
    throw new BlockPricesError(`height ${height}: oracle state: ${error.message}`);
  }
}

/** Sorted by pair id, so every path feeds the EVM exactly the same input. */
function priceList(prices: Map<string, AgreedPrice>): Price[] {
  return [...prices]
    .map(([pair, agreed]) => ({ pair, decimals: agreed.decimals, price: agreed.price }))
    .sort((a, b) => (a.pair < b.pair ? -1 : a.pair > b.pair ? 1 : 0));
}
