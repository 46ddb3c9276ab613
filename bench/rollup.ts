/**
 * The rollup stack's numbers: soft and firm latency of an EVM transfer sent to a rollup's
 * Ethereum JSON-RPC on a real one-validator Metro network (composer → Metro → gossip →
 * conductor → EVM node; firm through the relayer and the local DA), the conductor's
 * verification work per Metro block at 4 and 100 validators, and the reference EVM engine's
 * throughput for transfers against plain in-memory ethereumjs on the same txs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBlock } from "@ethereumjs/block";
import { createTxFromRLP } from "@ethereumjs/tx";
import { Account, createAddressFromString } from "@ethereumjs/util";
import { createVM, runTx } from "@ethereumjs/vm";
import { type Hex, hexToBytes, keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { writePairs, writePrice, writeVotePairs } from "../chain/modules/oracle.js";
import {
  EvmChain,
  EvmStore,
  type ExecutedBlock,
  type RollupGenesis,
  TrustStore,
  verifyHeight,
} from "../conductor/index.js";
import type { RollupItem } from "../core/block-commitment.js";
import { toHex } from "../core/bytes.js";
import { headerHash } from "../core/comet/hashes.js";
import { rollupCommon } from "../core/evm/index.js";
import { rollupIdFromName } from "../core/rollup.js";
import { type SequencerBlock, sliceForRollup } from "../core/sequencer-block.js";
import { DEFAULT_PAIRS } from "../oracle/index.js";
import { encodeInjectedCommit } from "../oracle/injection.js";
import { ETHER, ethAccount, testRollupGenesis } from "../test/support/evm.js";
import { oracleChainState, signedInjectedCommit } from "../test/support/oracle-blocks.js";
import { rollupClients, startRollupStack } from "../test/support/rollups.js";
import { CHAIN, signedBlock, validatorSet } from "../test/support/signed-blocks.js";
import { evmTxs } from "./relayer.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], q: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
}

export interface LatencyBench {
  txs: number;
  received: number;
  finalized: number;
  sendIntervalMs: number;
  batchIntervalMs: number;
  soft: { p50Ms: number; p99Ms: number };
  firm: { p50Ms: number; p99Ms: number };
}

export interface VerifyBenchRow {
  validators: number;
  /** Whether each block carries an oracle commit (every validator's signed price votes). */
  priced: boolean;
  /** The firm copy of a height already verified softly: only its proofs are checked again. */
  recheck: boolean;
  /**
   * Prices proven by the next height's block (at hand): its commit, checked once for both
   * heights, vouches for the app hash that proves what FinalizeBlock wrote; no vote is checked.
   */
  proof: boolean;
  blocks: number;
  ms: number;
}

export interface ExecutionBench {
  txsPerBlock: number;
  blocks: number;
  senders: number;
  engineTxPerSecond: number;
  inMemoryTxPerSecond: number;
}

export interface RollupBench {
  latency: LatencyBench;
  verify: VerifyBenchRow[];
  execution: ExecutionBench;
}

const LATENCY_CHAIN_ID = 4_242_001;
const POLL_MS = 20;

/**
 * Pre-signed transfers sent one every `intervalMs` with eth_sendRawTransaction, each timed to
 * its receipt (soft) and to the `finalized` head covering its block (firm).
 */
async function benchLatency(
  txCount: number,
  intervalMs: number,
  batchIntervalMs: number,
): Promise<LatencyBench> {
  const stack = await startRollupStack(batchIntervalMs);
  try {
    const rollup = await stack.addRollup("bench", LATENCY_CHAIN_ID, 9);
    const { publicClient, wallet } = rollupClients(rollup);
    const senders = [0, 1, 2, 3, 4].map(ethAccount);
    const to = ethAccount(5).address;
    const raws: Hex[] = [];
    for (let i = 0; i < txCount; i++) {
      raws.push(
        await senders[i % senders.length]!.signTransaction({
          chainId: LATENCY_CHAIN_ID,
          type: "eip1559",
          to,
          value: 1n,
          nonce: Math.floor(i / senders.length),
          gas: 21_000n,
          maxFeePerGas: 10n ** 10n,
          maxPriorityFeePerGas: 1n,
        }),
      );
    }
    // Soft: first receipt seen. Firm: first time `finalized` reaches the receipt's block.
    const finalizedSeen: { number: bigint; at: number }[] = [];
    let watching = true;
    const finalizedWatch = (async () => {
      let last = -1n;
      while (watching) {
        const block = await publicClient.getBlock({ blockTag: "finalized" }).catch(() => undefined);
        if (block && block.number > last) {
          last = block.number;
          finalizedSeen.push({ number: block.number, at: performance.now() });
        }
        await sleep(POLL_MS);
      }
    })();
    const results: { sentAt: number; softMs?: number; block?: bigint }[] = [];
    const measureOne = async (raw: Hex) => {
      const result: (typeof results)[number] = { sentAt: performance.now() };
      results.push(result);
      const hash = await wallet.sendRawTransaction({ serializedTransaction: raw });
      const deadline = result.sentAt + 30_000;
      while (performance.now() < deadline) {
        const receipt = await publicClient.request({ method: "eth_getTransactionReceipt", params: [hash] });
        if (receipt) {
          result.softMs = performance.now() - result.sentAt;
          result.block = BigInt(receipt.blockNumber);
          return;
        }
        await sleep(POLL_MS);
      }
    };
    const inFlight: Promise<void>[] = [];
    for (const raw of raws) {
      inFlight.push(measureOne(raw));
      await sleep(intervalMs);
    }
    await Promise.all(inFlight);
    const highest = results.reduce((max, r) => (r.block !== undefined && r.block > max ? r.block : max), 0n);
    const deadline = performance.now() + 60_000;
    while (performance.now() < deadline && (finalizedSeen.at(-1)?.number ?? -1n) < highest) await sleep(50);
    watching = false;
    await finalizedWatch;
    const soft: number[] = [];
    const firm: number[] = [];
    for (const result of results) {
      if (result.softMs === undefined || result.block === undefined) continue;
      soft.push(result.softMs);
      const covered = finalizedSeen.find((seen) => seen.number >= result.block! && seen.at >= result.sentAt);
      if (covered) firm.push(covered.at - result.sentAt);
    }
    soft.sort((a, b) => a - b);
    firm.sort((a, b) => a - b);
    return {
      txs: txCount,
      received: soft.length,
      finalized: firm.length,
      sendIntervalMs: intervalMs,
      batchIntervalMs,
      soft: { p50Ms: percentile(soft, 0.5), p99Ms: percentile(soft, 0.99) },
      firm: { p50Ms: percentile(firm, 0.5), p99Ms: percentile(firm, 0.99) },
    };
  } finally {
    await stack.stop();
  }
}

/**
 * Blocks at heights 1..count signed by `set`, each naming the one before; with `priced`, each
 * carries every validator's price votes and, as the relayer builds them, its oracle state and
 * the price entries the previous block wrote (every pair priced at every height).
 */
function benchBlocks(
  set: ReturnType<typeof validatorSet>,
  count: number,
  items: RollupItem[],
  priced: boolean,
) {
  const pairs = DEFAULT_PAIRS;
  const blocks: SequencerBlock[] = [];
  for (let i = 0; i < count; i++) {
    const height = BigInt(i + 1);
    const previous = blocks[i - 1];
    const lastBlockHash = previous ? headerHash(previous.header) : undefined;
    const linked = { set, height, items, ...(lastBlockHash ? { lastBlockHash } : {}) };
    if (!priced) {
      blocks.push(signedBlock(linked));
      continue;
    }
    const { appHash, oracleState } = oracleChainState((state) => {
      writePairs(state, pairs);
      writeVotePairs(state, pairs);
      if (height < 2n) return;
      for (const [p, pair] of pairs.entries()) {
        const price = 1_000_000n * BigInt(p + 1);
        writePrice(state, pair.id, {
          price,
          decimals: pair.decimals,
          height: height - 2n,
          timeMs: 1n,
          nonce: height,
        });
      }
    });
    const ballots = set.validators.map((_, v) => ({
      vote: new Map(pairs.map((pair, p) => [pair.id, 1_000_000n * BigInt(p + 1) + BigInt(v)])),
    }));
    const tx = encodeInjectedCommit(signedInjectedCommit(set, pairs, new Map(), ballots, height - 1n));
    blocks.push(signedBlock({ ...linked, appHash, oracleCommitTx: tx, oracleState }));
  }
  return blocks;
}

/**
 * What the conductor does to trust one Metro block before executing it (conductor/verify.ts):
 * verify its rollup's slice (commit signatures, commitment and data proofs), recompute the
 * prices from the signed votes (every extension signature checked against the previous set) and
 * follow the validator set. With `proof`, each height is verified with the next one at hand, as
 * a conductor behind the chain does: the next block's commit is checked once (it then serves
 * that height too) and its app hash proves the prices, so no vote is checked; per block.
 */
export async function benchVerify(): Promise<VerifyBenchRow[]> {
  const rollups = ["bench-a", "bench-b", "bench-c"].map(rollupIdFromName);
  const ours = rollups[0]!;
  const txs = await evmTxs(60);
  const items = txs.map((data, i) => ({ rollupId: rollups[i % rollups.length]!, data }));
  const dir = mkdtempSync(join(tmpdir(), "metro-bench-trust-"));
  const cases = [
    ...[4, 100].flatMap((validators) =>
      [false, true].map((priced) => ({ validators, priced, recheck: false, proof: false })),
    ),
    { validators: 100, priced: true, recheck: false, proof: true },
    { validators: 100, priced: true, recheck: true, proof: false },
  ];
  try {
    return cases.map(({ validators, priced, recheck, proof }) => {
      const set = validatorSet(validators, 3);
      const count = validators > 10 ? 20 : 50;
      const passes = validators > 10 ? 3 : 4;
      const slices = benchBlocks(set, count, items, priced).map((block) => sliceForRollup(block, ours));
      const root = { height: 1n, validatorsHash: slices[0]!.header.validatorsHash };
      const verified = new Set(recheck ? slices.map((slice) => toHex(headerHash(slice.header))) : []);
      // With proof, the last block (no next at hand) is left out.
      const timed = proof ? count - 1 : count;
      const pass = () => {
        const trust = new TrustStore(join(dir, `trust-${validators}.json`), root);
        const validatorsAt = () => set.validators;
        const signedHeaders = new Set<string>();
        const context = {
          chainId: CHAIN,
          rollupId: ours,
          trust,
          validatorsAt,
          verifiedHeaders: verified,
          signedHeaders,
        };
        for (let i = 0; i < timed; i++) {
          const height = verifyHeight(slices[i]!, context, proof ? slices[i + 1] : undefined);
          if (proof && height.pricesBy !== "proof") throw new Error(`bench: ${height.proofRefused}`);
          if (height.signedNext) signedHeaders.add(toHex(height.signedNext));
        }
      };
      pass(); // warm-up, and the helper thread starts
      const started = performance.now();
      for (let p = 0; p < passes; p++) pass();
      const ms = (performance.now() - started) / (timed * passes);
      return { validators, priced, recheck, proof, blocks: timed * passes, ms };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EXEC_CHAIN_ID = 4_242_002;

/** `blocks` blocks of `perBlock` signed EIP-1559 transfers from `senders` funded accounts. */
export async function transferBlocks(blocks: number, perBlock: number, senders: number) {
  const accounts = Array.from({ length: senders }, (_, i) =>
    privateKeyToAccount(keccak256(stringToHex(`metro bench sender ${i}`))),
  );
  const recipients = Array.from(
    { length: 1000 },
    (_, i): Hex => keccak256(stringToHex(`metro bench recipient ${i}`)).slice(0, 42) as Hex,
  );
  const alloc: RollupGenesis["alloc"] = {};
  for (const account of accounts) alloc[account.address] = { balance: (1000n * ETHER).toString(), nonce: 0 };
  const genesis = testRollupGenesis({ name: "bench-exec", chainId: EXEC_CHAIN_ID, alloc });
  const txs: Uint8Array[][] = [];
  for (let b = 0; b < blocks; b++) {
    const block: Uint8Array[] = [];
    for (let i = 0; i < perBlock; i++) {
      const n = b * perBlock + i;
      const raw = await accounts[n % senders]!.signTransaction({
        chainId: EXEC_CHAIN_ID,
        type: "eip1559",
        to: recipients[(n * 7) % recipients.length]!,
        value: BigInt(1 + (n % 1000)) * 10n ** 12n,
        nonce: Math.floor(n / senders),
        gas: 21_000n,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 10n ** 8n,
      });
      block.push(hexToBytes(raw));
    }
    txs.push(block);
  }
  return { genesis, txs };
}

/** Our engine: executeBlock + updateCommitmentState on LMDB, the way the conductor calls it. */
export async function engineTxPerSecond(genesis: RollupGenesis, blocks: Uint8Array[][], warmup: number) {
  const dir = mkdtempSync(join(tmpdir(), "metro-bench-evm-"));
  const store = new EvmStore(dir);
  try {
    const chain = await EvmChain.open(store, genesis);
    let state = await chain.getCommitmentState();
    let parent: ExecutedBlock = state.soft;
    let elapsed = 0;
    let timed = 0;
    for (const [b, transactions] of blocks.entries()) {
      const started = performance.now();
      const { block, skipped } = await chain.executeBlock({
        parentHash: parent.hash,
        transactions,
        timestamp: BigInt(genesis.timestamp + b + 1),
        prices: [],
        sequencerHeight: BigInt(genesis.sequencerStartHeight + b),
        sequencerBlockHash: hexToBytes(keccak256(stringToHex(`metro block ${b}`))),
      });
      state = await chain.updateCommitmentState({ ...state, soft: block });
      if (b >= warmup) {
        elapsed += performance.now() - started;
        timed += transactions.length;
      }
      if (skipped.length > 0) throw new Error(`engine skipped ${skipped.length} txs of block ${b}`);
      parent = block;
    }
    return (timed * 1000) / elapsed;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Plain ethereumjs: decode and runTx each tx on createVM's in-memory state, state root per block. */
export async function inMemoryTxPerSecond(genesis: RollupGenesis, blocks: Uint8Array[][], warmup: number) {
  const common = rollupCommon(genesis.chainId);
  const vm = await createVM({ common });
  for (const [address, entry] of Object.entries(genesis.alloc)) {
    await vm.stateManager.putAccount(
      createAddressFromString(address),
      new Account(BigInt(entry.nonce), BigInt(entry.balance)),
    );
  }
  await vm.stateManager.getStateRoot();
  let elapsed = 0;
  let timed = 0;
  for (const [b, transactions] of blocks.entries()) {
    const block = createBlock(
      {
        header: {
          number: BigInt(b + 1),
          timestamp: BigInt(genesis.timestamp + b + 1),
          gasLimit: BigInt(genesis.gasLimit),
          baseFeePerGas: common.param("initialBaseFee"),
          coinbase: createAddressFromString(genesis.feeRecipient),
          parentBeaconBlockRoot: new Uint8Array(32),
        },
      },
      { common },
    );
    const started = performance.now();
    let gasUsed = 0n;
    for (const raw of transactions) {
      const tx = createTxFromRLP(raw, { common });
      const result = await runTx(vm, { tx, block, blockGasUsed: gasUsed });
      if (result.execResult.exceptionError) throw new Error("in-memory transfer failed");
      gasUsed += result.totalGasSpent;
    }
    await vm.stateManager.getStateRoot();
    if (b >= warmup) {
      elapsed += performance.now() - started;
      timed += transactions.length;
    }
  }
  return (timed * 1000) / elapsed;
}

async function benchExecution(perBlock = 500, timedBlocks = 3, senders = 200): Promise<ExecutionBench> {
  const warmup = 1;
  const { genesis, txs } = await transferBlocks(warmup + timedBlocks, perBlock, senders);
  return {
    txsPerBlock: perBlock,
    blocks: timedBlocks,
    senders,
    engineTxPerSecond: await engineTxPerSecond(genesis, txs, warmup),
    inMemoryTxPerSecond: await inMemoryTxPerSecond(genesis, txs, warmup),
  };
}

export async function benchRollup(latencyTxs = 60, sendIntervalMs = 300): Promise<RollupBench> {
  return {
    verify: await benchVerify(),
    execution: await benchExecution(),
    latency: await benchLatency(latencyTxs, sendIntervalMs, 2000),
  };
}
