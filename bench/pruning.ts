/**
 * Disk use after 10,000 blocks under load, with and without pruning: one validator on real
 * CometBFT (timeout_commit 10 ms), every block carrying rollup data, run to BENCH_PRUNE_BLOCKS
 * heights twice: keeping everything, then with pruning on in `<home>/config/app.json`.
 */
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TEST_MNEMONIC } from "../chain/client/keys.js";
import { fetchAccount, LoadGenerator } from "../chain/client/load.js";
import { OfflineSigner } from "../chain/client/offline.js";
import { sequenceMsg } from "../chain/client/signing.js";
import { appConfigPath } from "../chain/node/app-config.js";
import { configureComet } from "../chain/node/cometbft.js";
import { startTemporaryDevnet } from "../chain/node/devnet.js";
import { DEVNET_CHAIN_ID } from "../chain/node/home.js";
import { waitForHeight } from "../chain/node/rpc.js";
import { DEFAULT_LST_DENOM } from "../core/denom.js";
import { createLogger } from "../core/log.js";

const BLOCKS = Number(process.env.BENCH_PRUNE_BLOCKS ?? 10_000);
const PAYLOAD_BYTES = 1024;
const PORT_BASE = 41_500;
/** What the pruned run keeps: state versions and blocks, pruned every 100 heights. */
const PRUNING = { pruning_keep_recent: 1000, pruning_interval: 100, min_retain_blocks: 1000 };
/** Evidence names blocks as far back as unbonding lasts in seconds; 600 lets 1000 blocks be the floor. */
const STAKING = {
  unbonding_time_seconds: "600",
  max_validators: 100,
  max_entries: 7,
  epoch_length: "10",
  min_self_delegation: "1000000",
  min_commission_rate: "0",
};

/** Where a validator home's bytes are, by what writes them. */
const PARTS = {
  "CometBFT blocks (blockstore.db)": "data/blockstore.db",
  "CometBFT state (state.db)": "data/state.db",
  "CometBFT tx index (tx_index.db)": "data/tx_index.db",
  "Metro app (metro-data)": "metro-data",
} as const;
type Part = keyof typeof PARTS;

export interface PruningBenchRun {
  pruned: boolean;
  height: number;
  txs: number;
  bytes: Record<Part | "whole home", number>;
}

/** Bytes allocated on disk under `path` (sparse files count what they use). */
function diskBytes(path: string): number {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.blocks * 512;
  return readdirSync(path).reduce((sum, name) => sum + diskBytes(join(path, name)), 0);
}

async function run(pruned: boolean): Promise<PruningBenchRun> {
  const { devnet, home, stop } = await startTemporaryDevnet(
    1,
    PORT_BASE,
    createLogger("bench", "error"),
    (created) => {
      const spec = created.specs[0]!;
      configureComet(spec.home, { "consensus.timeout_commit": "10ms" });
      writeFileSync(appConfigPath(spec.home), JSON.stringify(pruned ? PRUNING : {}));
    },
    { staking: STAKING },
  );
  const rpcUrl = devnet.rpcUrl(0);
  const signers = await Promise.all([1, 2, 3].map((i) => OfflineSigner.fromMnemonic(TEST_MNEMONIC, i)));
  const load = new LoadGenerator({
    rpcUrl,
    chainId: DEVNET_CHAIN_ID,
    accounts: await Promise.all(signers.map((signer) => fetchAccount(rpcUrl, signer))),
    messages: (signer, n) => [sequenceMsg(signer.address, `rollup-${n % 4}`, new Uint8Array(PAYLOAD_BYTES))],
    fee: { amount: [{ denom: DEFAULT_LST_DENOM, amount: "1000" }], gas: 100_000n },
    txsPerAccountPerTick: 4,
    tickMs: 100,
  });
  try {
    load.start();
    await waitForHeight(rpcUrl, BLOCKS, BLOCKS * 1000);
    await load.stop();
    const nodeHome = join(home, "node0");
    const bytes = { "whole home": diskBytes(nodeHome) } as PruningBenchRun["bytes"];
    for (const [part, path] of Object.entries(PARTS)) bytes[part as Part] = diskBytes(join(nodeHome, path));
    return { pruned, height: BLOCKS, txs: load.accepted.length, bytes };
  } finally {
    await load.stop();
    await stop();
  }
}

export async function benchPruning(): Promise<PruningBenchRun[]> {
  return [await run(false), await run(true)];
}

export function printPruning(runs: PruningBenchRun[]): void {
  const [all, pruned] = runs as [PruningBenchRun, PruningBenchRun];
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console.log(
    `\nDisk after ${all.height} blocks, 1 validator, ${all.txs} and ${pruned.txs} txs of ${PAYLOAD_BYTES} B rollup data`,
  );
  console.log(`pruned: ${JSON.stringify(PRUNING)}`);
  console.log("| part | everything kept (MiB) | pruned (MiB) | pruned / kept |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const part of [...Object.keys(PARTS), "whole home"] as (Part | "whole home")[]) {
    const kept = all.bytes[part];
    const ratio = kept > 0 ? `${(pruned.bytes[part] / kept).toFixed(2)}×` : "–";
    console.log(`| ${part} | ${mib(kept)} | ${mib(pruned.bytes[part])} | ${ratio} |`);
  }
}
