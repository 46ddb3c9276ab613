/**
 * Fraud challenges against pending rollup headers. A challenger disputes a header's execution
 * and brings what Metro lacks: the parent block's header and a pre-state witness. Metro brings
 * the rest from its own record: the block at the header's Metro height (checked against the
 * hash it recorded then) gives the rollup's items, the time and the prices. The block is
 * re-executed over the witness alone; a header that differs from the result (or whose data
 * root is not the hash of Metro's items) is a proven fraud: its signers are slashed, jailed
 * and tombstoned at the end of the block, the challenger is paid part of what that burns, and
 * the header and its descendants are rejected. A challenge that proves nothing burns its bond.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesEqual, toHex } from "../../core/bytes.js";
import type {
  Challenge,
  ChallengeOutcome,
  MsgChallengeHeader,
  StoredHeader,
} from "../../core/proto/rollup.js";
import { ChallengeCodec } from "../../core/proto/rollup.js";
import {
  bitmapIndexes,
  type RollupHeader,
  rollupDataRoot,
  rollupHeaderHash,
} from "../../core/rollup-header.js";
import { RollupSliceCodec, SequencerBlockError, verifyRollupSlice } from "../../core/sequencer-block.js";
import { BlockPricesError, blockPriceList } from "../../oracle/index.js";
import { orderedKeyPart } from "../store/integers.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import { moduleError, RollupCode } from "../tx/errors.js";
import { burn, getBalance } from "./bank.js";
import type { Reexecutor } from "./reexecute.js";
import { getHeader, markForSlashing, rejectFrom, requireRollup } from "./rollups.js";

/** The least a challenge puts at stake (base units of the fee denom): a frivolous one costs this. */
export const MIN_CHALLENGE_BOND = 1_000_000n;
/** The part of each fraudulent signer's slash the challenger who proved the fraud is paid. */
export const CHALLENGER_SHARE = { numerator: 1n, denominator: 2n } as const;

export function challengerReward(burned: bigint): bigint {
  return (burned * CHALLENGER_SHARE.numerator) / CHALLENGER_SHARE.denominator;
}

/** Metro block hashes kept for judging challenges; a header must be challengeable within it. */
export const BLOCK_HASH_HISTORY = 100_000n;

const BLOCK_HASH = "rollup/block-hash/";
const CHALLENGES = "rollup/challenge/";

const challengeError = (message: string) => moduleError("rollup", RollupCode.InvalidChallenge, message);

/** Records this block's hash (FinalizeBlock's) and forgets the one that fell out of the history. */
export function recordBlockHash(state: StateOverlay, height: bigint, hash: Uint8Array): void {
  state.set(`${BLOCK_HASH}${orderedKeyPart(height)}`, hash);
  if (height > BLOCK_HASH_HISTORY)
    state.delete(`${BLOCK_HASH}${orderedKeyPart(height - BLOCK_HASH_HISTORY)}`);
}

export function recordedBlockHash(state: StateReader, height: bigint): Uint8Array | undefined {
  return state.get(`${BLOCK_HASH}${orderedKeyPart(height)}`);
}

export interface ChallengeContext {
  /** The height of the block the challenge is in. */
  height: bigint;
  chainId: string;
  feeDenom: string;
  reexecute: Reexecutor;
}

/**
 * Judges a challenge and carries out its outcome. Throws a TxError (nothing changes, no bond
 * taken) when the challenge is not well-formed: no pending header in its window, a Metro block
 * that is not the one recorded, a parent that is not the signed one, a bond too small.
 */
export function challengeHeader(
  state: StateOverlay,
  message: MsgChallengeHeader,
  context: ChallengeContext,
): Challenge {
  const rollup = requireRollup(state, message.rollupId);
  if (rollup.executionKind !== "evm") {
    throw challengeError(
      `rollup ${rollup.name} has execution kind "${rollup.executionKind}": Metro cannot re-execute it, so its faults go to a governance slash proposal`,
    );
  }
  const stored = pendingHeader(state, message, rollup.challengeWindow, context.height);
  const header = stored.signed!.header!;
  const bond = parseBond(state, message, context.feeDenom);
  const parentHash =
    header.rollupHeight === 1n
      ? rollup.genesisHash
      : getHeader(state, rollup.id, header.rollupHeight - 1n)?.signed?.header?.blockHash;
  if (!parentHash || !bytesEqual(keccak_256(message.parentHeader), parentHash)) {
    throw challengeError("the parent header does not hash to the parent block the committee signed");
  }
  const inputs = metroInputs(state, header, message.metroBlock, context.chainId);
  const verdict = judge(header, inputs, message, rollup.evmChainId, context.reexecute);
  const signers = bitmapIndexes(stored.signed!.signerBitmap).map((index) => rollup.committee[index]!);
  const challenge: Challenge = {
    rollupId: rollup.id,
    rollupHeight: header.rollupHeight,
    challenger: message.challenger,
    bond: bond.toString(),
    height: context.height,
    outcome: verdict.outcome,
    reason: verdict.reason,
    signers: verdict.outcome === "fraud" ? signers : [],
    headerHash: rollupHeaderHash(header),
    executedBlockHash: verdict.blockHash ?? new Uint8Array(),
    executedStateRoot: verdict.stateRoot ?? new Uint8Array(),
  };
  if (verdict.outcome === "fraud") {
    for (const operator of signers) {
      markForSlashing(state, { operator, reason: "rollup_fraud", beneficiary: message.challenger });
    }
    rejectFrom(state, rollup.id, header.rollupHeight);
  } else {
    burn(state, message.challenger, context.feeDenom, bond);
  }
  state.set(challengeKey(rollup.id, header.rollupHeight, context.height), ChallengeCodec.encode(challenge));
  return challenge;
}

function pendingHeader(
  state: StateReader,
  message: MsgChallengeHeader,
  window: bigint,
  height: bigint,
): StoredHeader {
  const stored = getHeader(state, message.rollupId, message.rollupHeight);
  if (!stored?.signed?.header) throw challengeError(`no header at rollup height ${message.rollupHeight}`);
  if (stored.final) throw challengeError(`the header at rollup height ${message.rollupHeight} is final`);
  const closes = stored.submittedHeight + window;
  if (height >= closes) {
    throw challengeError(
      `the challenge window of rollup height ${message.rollupHeight} closed at height ${closes}`,
    );
  }
  return stored;
}

function parseBond(state: StateReader, message: MsgChallengeHeader, denom: string): bigint {
  if (!/^\d{1,30}$/.test(message.bond)) throw challengeError(`bond "${message.bond}" is not an amount`);
  const bond = BigInt(message.bond);
  if (bond < MIN_CHALLENGE_BOND)
    throw challengeError(`bond ${bond}${denom} is below the minimum ${MIN_CHALLENGE_BOND}${denom}`);
  const balance = getBalance(state, message.challenger, denom);
  if (balance < bond)
    throw challengeError(`bond ${bond}${denom} exceeds the challenger's balance ${balance}${denom}`);
  return bond;
}

interface MetroInputs {
  items: Uint8Array[];
  timestamp: bigint;
  prices: ReturnType<typeof blockPriceList>;
  metroBlockHash: Uint8Array;
}

/** What the rollup block ran on, from the Metro block the challenger sent, checked against Metro's own record. */
function metroInputs(
  state: StateReader,
  header: RollupHeader,
  metroBlock: Uint8Array,
  chainId: string,
): MetroInputs {
  const recorded = recordedBlockHash(state, header.metroHeight);
  if (!recorded) throw challengeError(`Metro keeps no block hash for height ${header.metroHeight}`);
  try {
    const slice = RollupSliceCodec.decode(metroBlock);
    const { block, items } = verifyRollupSlice(slice, header.rollupId, {
      chainId,
      trustedHeaderHash: recorded,
    });
    const prices = blockPriceList(slice, { chainId });
    return { items, timestamp: block.header.time.seconds, prices, metroBlockHash: recorded };
  } catch (error) {
    if (error instanceof SequencerBlockError || error instanceof BlockPricesError) {
      throw challengeError(`Metro block ${header.metroHeight}: ${error.message}`);
    }
    throw challengeError(`Metro block ${header.metroHeight} does not decode: ${(error as Error).message}`);
  }
}

interface Verdict {
  outcome: ChallengeOutcome;
  reason: string;
  blockHash?: Uint8Array;
  stateRoot?: Uint8Array;
}

function judge(
  header: RollupHeader,
  inputs: MetroInputs,
  message: MsgChallengeHeader,
  evmChainId: bigint,
  reexecute: Reexecutor,
): Verdict {
  if (!bytesEqual(rollupDataRoot(inputs.items), header.dataRoot)) {
    return {
      outcome: "fraud",
      reason: `the data root is not that of the rollup's items at Metro height ${header.metroHeight}`,
    };
  }
  const result = reexecute({
    evmChainId,
    parentHeader: message.parentHeader,
    witness: message.witness,
    transactions: inputs.items,
    timestamp: inputs.timestamp,
    prices: inputs.prices,
    sequencerHeight: header.metroHeight,
    sequencerBlockHash: inputs.metroBlockHash,
  });
  if (!result.ok) return { outcome: "failed", reason: result.reason };
  const executed = { blockHash: result.blockHash, stateRoot: result.stateRoot };
  if (bytesEqual(result.blockHash, header.blockHash) && bytesEqual(result.stateRoot, header.stateRoot)) {
    return { outcome: "failed", reason: "re-execution gives the block the committee signed", ...executed };
  }
  return {
    outcome: "fraud",
    reason: `re-execution gives block ${toHex(result.blockHash)} with state root ${toHex(result.stateRoot)}; the committee signed block ${toHex(header.blockHash)} with state root ${toHex(header.stateRoot)}`,
    ...executed,
  };
}

const challengeKey = (id: Uint8Array, rollupHeight: bigint, height: bigint) =>
  `${CHALLENGES}${toHex(id)}/${orderedKeyPart(rollupHeight)}/${orderedKeyPart(height)}`;

/** Every judged challenge of a rollup, by rollup height then Metro height. */
export function challengesOf(state: StateReader, id: Uint8Array): Challenge[] {
  if (!state.scan) throw new Error("listing challenges needs a scannable state");
  return Array.from(state.scan(`${CHALLENGES}${toHex(id)}/`), ([, value]) => ChallengeCodec.decode(value));
}
