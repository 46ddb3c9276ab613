/** `metro export`: a genesis file for a hard fork, from a validator home's state at a height. */
import { readFileSync } from "node:fs";
import { toHex } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import { type ExportProgress, exportedValidators, exportState } from "../app/hard-fork.js";
import { CommittedState } from "../store/committed.js";
import { StateOverlay } from "../store/overlay.js";
import { appDataDir, genesisPath } from "./home.js";

export interface ExportOptions {
  home: string;
  height: bigint;
  /** The fork's chain id; it must differ from the exported chain's. */
  chainId: string;
  onProgress?: (progress: ExportProgress) => void;
}

/**
 * The fork's genesis: the old genesis's consensus parameters, the state at `height`, the
 * validator set it had, and an initial height of `height + 1`. Vote extensions restart at the
 * first block, as they must on a chain whose first block has no extended commit to inject.
 */
export async function exportGenesis(options: ExportOptions): Promise<Record<string, unknown>> {
  const template = JSON.parse(readFileSync(genesisPath(options.home), "utf8")) as Record<string, unknown>;
  const store = new CommittedState(appDataDir(options.home));
  try {
    const oldChainId = String(template.chain_id);
    const exported = exportState(store, options.height, oldChainId, options.onProgress);
    const state = new StateOverlay({ get: () => undefined, scan: () => [] });
    for (const [key, value] of exported.entries) state.set(key, Buffer.from(value, "base64"));
    const validators = exportedValidators(state);
    const first = options.height + 1n;
    const consensus = (template.consensus_params ?? {}) as Record<string, Record<string, unknown>>;
    const extensionsOn = String(consensus.abci?.vote_extensions_enable_height ?? "0") !== "0";
    return {
      ...template,
      genesis_time: new Date().toISOString(),
      chain_id: options.chainId,
      initial_height: first.toString(),
      consensus_params: {
        ...consensus,
        abci: { ...consensus.abci, vote_extensions_enable_height: extensionsOn ? first.toString() : "0" },
      },
      validators: validators.map((v) => ({
        address: toHex(sha256(v.pubKey).subarray(0, 20)).toUpperCase(),
        pub_key: { type: "tendermint/PubKeyEd25519", value: Buffer.from(v.pubKey).toString("base64") },
        power: v.power.toString(),
        name: v.moniker,
      })),
      app_hash: "",
      app_state: { metro_export: exported },
    };
  } finally {
    await store.close();
  }
}
