/**
 * The app without CometBFT, for tests and benchmarks: a fresh data folder, the devnet genesis,
 * and block requests shaped as CometBFT sends them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  RequestFinalizeBlock,
  RequestProcessProposal,
  ValidatorUpdate,
} from "cosmjs-types/tendermint/abci/types";
import { utf8 } from "../../core/bytes.js";
import { sha256 } from "../../core/hash.js";
import { createLogger } from "../../core/log.js";
import { testAccountAddresses } from "../client/keys.js";
import type { PruningSettings } from "../node/app-config.js";
import { DEVNET_CHAIN_ID, devnetAppState } from "../node/home.js";
import { MetroApp, type MetroAppOptions } from "./app.js";
import type { AppState } from "./genesis.js";

export interface InProcessApp {
  app: MetroApp;
  /** The app's data folder (deleted by close). */
  dir: string;
  close: () => Promise<void>;
}

/** A MetroApp in a temporary folder, after InitChain with the devnet's genesis. */
export async function inProcessApp(
  options: {
    initialHeight?: bigint;
    pruning?: PruningSettings;
    appState?: AppState;
    blockMaxBytes?: bigint;
    evidenceMaxAgeBlocks?: bigint;
    /** Where the store lives (default: a new temporary folder, deleted on close). */
    dataDir?: string;
    onStoreFailure?: MetroAppOptions["onStoreFailure"];
    chainId?: string;
    /** CometBFT's genesis validators (their keys check vote extensions when genesis bonds none). */
    validators?: ValidatorUpdate[];
    /** 0 (the default) leaves vote extensions off. */
    voteExtensionsEnableHeight?: bigint;
    prices?: MetroAppOptions["prices"];
  } = {},
): Promise<InProcessApp> {
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), "metro-app-"));
  const app = new MetroApp(dir, createLogger("in-process", "silent"), {
    ...(options.pruning ? { pruning: options.pruning } : {}),
    ...(options.onStoreFailure ? { onStoreFailure: options.onStoreFailure } : {}),
    prices: options.prices,
  });
  const appState = utf8(JSON.stringify(options.appState ?? devnetAppState(await testAccountAddresses())));
  app.initChain({
    time: { seconds: 0n, nanos: 0 },
    chainId: options.chainId ?? DEVNET_CHAIN_ID,
    validators: options.validators ?? [],
    appStateBytes: appState,
    initialHeight: options.initialHeight ?? 1n,
    // Evidence must outlive unbonding (21 days by default), as a real genesis says.
    consensusParams: {
      abci: { voteExtensionsEnableHeight: options.voteExtensionsEnableHeight ?? 0n },
      ...(options.blockMaxBytes === undefined
        ? {}
        : { block: { maxBytes: options.blockMaxBytes, maxGas: -1n } }),
      evidence: {
        maxAgeNumBlocks: options.evidenceMaxAgeBlocks ?? 1_000_000n,
        maxAgeDuration: { seconds: 30n * 86_400n, nanos: 0 },
        maxBytes: 1_048_576n,
      },
    },
  });
  return {
    app,
    dir,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A block at `height` holding `txs`, as FinalizeBlock and ProcessProposal receive it. */
export function blockRequest(
  height: bigint,
  txs: Uint8Array[],
): RequestFinalizeBlock & RequestProcessProposal {
  return {
    txs,
    decidedLastCommit: { round: 0, votes: [] },
    proposedLastCommit: { round: 0, votes: [] },
    misbehavior: [],
    hash: sha256(utf8(`block ${height}`), ...txs),
    height,
    time: { seconds: height, nanos: 0 },
    nextValidatorsHash: new Uint8Array(32),
    proposerAddress: new Uint8Array(20),
  };
}
