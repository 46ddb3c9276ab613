/**
 * Hard forks: writing the state at a height as a genesis `app_state`, and starting a chain from
 * one. The new chain keeps every key (balances, accounts and their sequences, validators,
 * delegations, unbondings, rewards, prices); only the chain id, the halt height, the evidence
 * max age and when vote extensions start follow the new genesis.
 */
import type { RequestInitChain, ValidatorUpdate } from "cosmjs-types/tendermint/abci/types";
import { toHex, utf8 } from "../../core/bytes.js";
import { keyPath } from "../../core/smt.js";
import { writeHaltHeight } from "../modules/gov.js";
import { writeVoteExtensionsHeight } from "../modules/oracle.js";
import { currentPowers, getValidator } from "../modules/staking.js";
import type { CommittedState } from "../store/committed.js";
import type { StateOverlay, StateReader } from "../store/overlay.js";
import type { ExportedState } from "./genesis.js";
import { GenesisError } from "./genesis.js";
import { adoptEvidenceMaxAge } from "./validators.js";

export class ExportError extends Error {
  override name = "ExportError";
}

/** How far an export is: keys read, and the whole state's estimated size. */
export interface ExportProgress {
  done: number;
  estimatedTotal: number;
}

const PROGRESS_EVERY_KEYS = 1000;

/**
 * Keys sit in the tree at their sha256 path, spread evenly, and are read in path order: the
 * share of path space passed is the share of keys done, so no counting pass is needed.
 */
function estimatedTotal(done: number, key: Uint8Array): number {
  const fraction = (Buffer.from(keyPath(key)).readUIntBE(0, 6) + 1) / 2 ** 48;
  return Math.max(done, Math.round(done / fraction));
}

/** The committed state at `height`, every key in order; `onProgress` hears every thousand keys, and the end. */
export function exportState(
  store: CommittedState,
  height: bigint,
  chainId: string,
  onProgress?: (progress: ExportProgress) => void,
): ExportedState {
  const root = store.rootAt(height);
  if (!root) {
    throw new ExportError(
      `no state at height ${height} (latest ${store.height}); older heights are pruned past METRO_KEEP_VERSIONS`,
    );
  }
  const entries: [string, string][] = [];
  for (const { key, value } of store.tree().entries(root)) {
    entries.push([Buffer.from(key).toString("utf8"), Buffer.from(value).toString("base64")]);
    if (onProgress && entries.length % PROGRESS_EVERY_KEYS === 0) {
      onProgress({ done: entries.length, estimatedTotal: estimatedTotal(entries.length, key) });
    }
  }
  onProgress?.({ done: entries.length, estimatedTotal: entries.length });
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { height: height.toString(), chain_id: chainId, app_hash: toHex(root), entries };
}

/** The validator set an exported state had: what CometBFT's genesis and InitChain must say. */
export function exportedValidators(state: StateReader & { scan: NonNullable<StateReader["scan"]> }): {
  pubKey: Uint8Array;
  power: bigint;
  moniker: string;
}[] {
  return [...currentPowers(state)].map(([operator, power]) => {
    const validator = getValidator(state, operator);
    if (!validator) throw new ExportError(`validator ${operator} has power but no record`);
    return { pubKey: validator.consensusPubkey, power, moniker: validator.moniker };
  });
}

/** InitChain from an export: the state as it was, under the new chain's id and parameters. */
export function importState(
  state: StateOverlay,
  exported: ExportedState,
  request: RequestInitChain,
  chainIdKey: string,
): ValidatorUpdate[] {
  if (request.chainId === exported.chain_id) {
    throw new GenesisError(
      `a hard fork needs a new chain id; ${request.chainId} is the exported chain's own`,
    );
  }
  for (const [key, value] of exported.entries) state.set(key, Buffer.from(value, "base64"));
  state.set(chainIdKey, utf8(request.chainId));
  // The fork's CometBFT enforces its own genesis's evidence age, not the exported chain's.
  adoptEvidenceMaxAge(state, request);
  writeHaltHeight(state, 0n);
  writeVoteExtensionsHeight(state, request.consensusParams?.abci?.voteExtensionsEnableHeight ?? 0n);
  return [...currentPowers(state)].map(([operator, power]) => ({
    pubKey: { ed25519: getValidator(state, operator)!.consensusPubkey },
    power,
  }));
}
