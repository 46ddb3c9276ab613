/**
 * FinalizeBlock + Commit with 100 validators as the number of delegators grows: 1k, 10k, 100k.
 * Per-block work (fee allocation, liveness, penalties, epochs) touches validators, never
 * delegators, so the time should stay flat. In process, no CometBFT: the app's own cost.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { MetroApp } from "../chain/app/app.js";
import { FEE_COLLECTOR } from "../chain/app/execute.js";
import type { AppState } from "../chain/app/genesis.js";
import { blockRequest, inProcessApp } from "../chain/app/in-process.js";
import { credit, mint } from "../chain/modules/bank.js";
import { delegate } from "../chain/modules/delegations.js";
import { allValidators, consensusAddress } from "../chain/modules/staking.js";
import { devnetAppState } from "../chain/node/home.js";
import { toTreeChanges } from "../chain/store/committed.js";
import { StateOverlay } from "../chain/store/overlay.js";
import { moduleAddress } from "../core/address.js";
import { blsKeyPair, blsProvePOP } from "../core/bls.js";
import { toHex } from "../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../core/denom.js";
import { sha256 } from "../core/hash.js";
import { createLogger } from "../core/log.js";

export interface StakingBenchRow {
  delegators: number;
  /** Mean and worst FinalizeBlock + Commit over the measured blocks (two are epoch boundaries). */
  meanMs: number;
  maxMs: number;
  blocks: number;
}

const VALIDATORS = 100;
const SIZES = [1_000, 10_000, 100_000];
const MEASURED_BLOCKS = 20;
/** Blocks run after seeding and before measuring: the disk settles after the seed's big write. */
const WARMUP_BLOCKS = 30;

function genesis(): AppState {
  const base = devnetAppState([]);
  return {
    ...base,
    staking: {
      params: {
        unbonding_time_seconds: "1814400",
        max_validators: VALIDATORS,
        max_entries: 7,
        epoch_length: "10",
        min_self_delegation: "1000000",
        min_commission_rate: "0",
      },
      validators: Array.from({ length: VALIDATORS }, (_, i) => {
        const bls = blsKeyPair(new Uint8Array(48).fill(i + 1));
        const operator = moduleAddress(`bench-operator-${i}`);
        return {
          operator,
          moniker: `v${i}`,
          commission_rate: "0.05",
          min_self_delegation: "1000000",
          self_bond: String(10_000_000_000 + i),
          consensus_pubkey: Buffer.from(sha256(Buffer.from(`consensus ${i}`))).toString("base64"),
          bls_pubkey: toHex(bls.publicKey),
          bls_proof_of_possession: toHex(blsProvePOP(bls)),
        };
      }),
    },
  };
}

/** Writes `mutate`'s changes straight to disk as one height, as if a block had made them. */
function seed(app: MetroApp, mutate: (state: StateOverlay) => void): void {
  const state = new StateOverlay(app.store);
  mutate(state);
  const tree = app.store.tree();
  const root = tree.update(app.store.root, toTreeChanges(state.changes()));
  app.store.commit({
    height: app.store.height + 1n,
    root,
    nodes: tree.pending,
    orphaned: tree.orphaned(),
    writes: state.changes(),
    index: [],
  });
}

function block(app: MetroApp, height: bigint, signers: Uint8Array[]): number {
  const request = blockRequest(height, []);
  request.decidedLastCommit = {
    round: 0,
    votes: signers.map((address) => ({
      validator: { address, power: 10_000n },
      blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
    })),
  };
  const started = performance.now();
  app.finalizeBlock(request);
  app.commit();
  return performance.now() - started;
}

/**
 * Seeding writes a hundred thousand delegations in a few huge transactions, which leaves LMDB a
 * free-page list no real chain builds up, and every later commit pays for it. Measuring on a
 * compacted copy gives the steady state a long-running node is in.
 */
async function compacted(app: MetroApp): Promise<MetroApp> {
  const dir = mkdtempSync(join(tmpdir(), "metro-bench-compact-"));
  await app.store.compactTo(dir);
  await app.close();
  return new MetroApp(dir, createLogger("bench", "silent"), {});
}

export async function benchStaking(): Promise<StakingBenchRow[]> {
  const opened = await inProcessApp({ appState: genesis() });
  let app = opened.app;
  const dirs: string[] = [];
  const rows: StakingBenchRow[] = [];
  try {
    block(app, 1n, []);
    const reader = new StateOverlay(app.store);
    const operators = allValidators(reader).map((v) => v.operatorAddress);
    const signers = allValidators(reader).map((v) => consensusAddress(v.consensusPubkey));
    let delegators = 0;
    for (const size of SIZES) {
      while (delegators < size) {
        const batch = Math.min(10_000, size - delegators);
        seed(app, (state) => {
          for (let i = delegators; i < delegators + batch; i++) {
            const delegator = moduleAddress(`bench-delegator-${i}`);
            mint(state, delegator, DEFAULT_LST_DENOM, 5_000_000n);
            const env = { height: app.store.height + 1n, timeMs: 0n, denom: DEFAULT_LST_DENOM };
            delegate(state, delegator, operators[i % VALIDATORS]!, 1_000_000n + BigInt(i % 997), env);
          }
        });
        delegators += batch;
      }
      app = await compacted(app);
      dirs.push(app.store.directory);
      const times: number[] = [];
      for (let n = 0; n < WARMUP_BLOCKS + MEASURED_BLOCKS; n++) {
        seed(app, (state) => credit(state, FEE_COLLECTOR, DEFAULT_LST_DENOM, 1_234_567n));
        const height = app.store.height + 1n;
        const ms = block(app, height, signers);
        if (n >= WARMUP_BLOCKS) times.push(ms);
      }
      rows.push({
        delegators: size,
        meanMs: times.reduce((a, b) => a + b, 0) / times.length,
        maxMs: Math.max(...times),
        blocks: times.length,
      });
    }
  } finally {
    await app.close();
    for (const dir of [opened.dir, ...dirs]) rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
