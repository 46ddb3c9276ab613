/** The worker of reexecute.ts: runs a challenged block statelessly and answers what it produced. */

import { parentPort, workerData } from "node:worker_threads";
import { createBlockHeaderFromRLP } from "@ethereumjs/block";
import { fromHex, toHex, utf8 } from "../../core/bytes.js";
import {
  decodeStateWitness,
  IncompleteWitnessError,
  reexecuteStateless,
  rollupCommon,
  type StateWitness,
} from "../../core/evm/index.js";
import { serveSynchronously } from "../../core/sync-worker.js";
import type { WireJob, WireReexecution } from "./reexecute.js";

async function run(job: WireJob): Promise<WireReexecution> {
  let witness: StateWitness;
  try {
    witness = decodeStateWitness(fromHex(job.witness));
  } catch (error) {
    return { ok: false, reason: `malformed witness: ${(error as Error).message}` };
  }
  const parentHeader = fromHex(job.parentHeader);
  const chainId = BigInt(job.evmChainId);
  // Every block names the rollup's fee recipient, its parent (bound by hash) included.
  const inputs = {
    transactions: job.transactions.map(fromHex),
    timestamp: BigInt(job.timestamp),
    prices: job.prices.map((p) => ({ pair: p.pair, decimals: p.decimals, price: BigInt(p.price) })),
    sequencerHeight: BigInt(job.sequencerHeight),
    sequencerBlockHash: fromHex(job.sequencerBlockHash),
  };
  try {
    const common = rollupCommon(Number(chainId));
    const coinbase = createBlockHeaderFromRLP(parentHeader, { common }).coinbase;
    const result = await reexecuteStateless(parentHeader, { ...inputs, coinbase }, witness, chainId);
    return { ok: true, blockHash: toHex(result.blockHash), stateRoot: toHex(result.stateRoot) };
  } catch (error) {
    // Deterministic like the run itself: whatever a witness makes the EVM throw fails the
    // challenge on every validator alike, and no input can stop the chain.
    const reason = error instanceof IncompleteWitnessError ? error.message : `execution failed: ${error}`;
    return { ok: false, reason };
  }
}

serveSynchronously(workerData, parentPort, async (request) => {
  const job = JSON.parse(new TextDecoder().decode(request)) as WireJob;
  return utf8(JSON.stringify(await run(job)));
});
