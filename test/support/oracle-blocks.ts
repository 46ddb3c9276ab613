/**
 * Oracle fixtures for blocks signed by a made-up validator set (signed-blocks.ts): a chain state
 * holding the oracle entries with its root and the entries' proofs, and injected commits whose
 * vote extensions are really signed.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import type { ExtendedCommitInfo } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { toTreeChanges } from "../../chain/store/committed.js";
import type { StateOverlay } from "../../chain/store/overlay.js";
import { StateTree } from "../../chain/store/tree.js";
import { utf8 } from "../../core/bytes.js";
import type { Validator } from "../../core/comet/types.js";
import {
  ORACLE_STATE_KEYS,
  type OracleStateMessage,
  priceStateKey,
  stateEntry,
} from "../../core/oracle-state.js";
import { EMPTY_HASH, encodeSmtProof } from "../../core/smt.js";
import { extensionSignBytes } from "../../oracle/injection.js";
import { pairsFrom, votePairsFrom } from "../../oracle/state.js";
import { type CurrencyPair, encodeOracleVote } from "../../oracle/vote.js";
import { memoryState } from "./memory-state.js";
import { CHAIN } from "./signed-blocks.js";

/** A state made by `setup`, its root (the next block's app_hash) and its proven oracle and price entries. */
export function oracleChainState(setup: (state: StateOverlay) => void) {
  const state = memoryState();
  setup(state);
  const tree = new StateTree({ getNode: () => undefined });
  const appHash = tree.update(EMPTY_HASH, toTreeChanges(state.changes()));
  const entry = (key: string) => {
    const { value, proof } = tree.prove(appHash, utf8(key));
    return stateEntry(appHash, key, value ?? new Uint8Array(), encodeSmtProof(proof));
  };
  // As the relayer lists them (chain/node/signed-block.ts): every pair in pairs or vote pairs.
  const get = (key: string) => state.get(key);
  const ids = [...new Set([...pairsFrom(get), ...(votePairsFrom(get) ?? [])].map((pair) => pair.id))];
  const oracleState: OracleStateMessage = {
    pairs: entry(ORACLE_STATE_KEYS.pairs),
    votePairs: entry(ORACLE_STATE_KEYS.votePairs),
    voteBase: entry(ORACLE_STATE_KEYS.voteBase),
    prices: ids.sort().map((pair) => ({ pair, entry: entry(priceStateKey(pair)) })),
  };
  return { state, appHash, oracleState };
}

export interface Ballot {
  /** Prices, or raw extension bytes (which need not decode). */
  vote: Map<string, bigint> | Uint8Array;
  flag?: BlockIDFlag;
}

/** The precommits of `voteHeight` as a block at voteHeight + 1 injects them, extensions signed. */
export function signedInjectedCommit(
  set: { keys: Uint8Array[]; validators: Validator[] },
  votePairs: readonly CurrencyPair[],
  base: ReadonlyMap<string, bigint>,
  ballots: readonly Ballot[],
  voteHeight: bigint,
  round = 0,
): ExtendedCommitInfo {
  return {
    round,
    votes: ballots.map(({ vote, flag = BlockIDFlag.BLOCK_ID_FLAG_COMMIT }, i) => {
      const validator = set.validators[i]!;
      const committed = flag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT;
      const extension = !committed
        ? new Uint8Array()
        : vote instanceof Uint8Array
          ? vote
          : encodeOracleVote(votePairs, vote, base);
      const signBytes = extensionSignBytes(CHAIN, voteHeight, round, extension);
      return {
        validator: { address: validator.address, power: validator.votingPower },
        voteExtension: extension,
        extensionSignature: committed ? ed25519.sign(signBytes, set.keys[i]!) : new Uint8Array(),
        blockIdFlag: flag,
      };
    }),
  };
}
