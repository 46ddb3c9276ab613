/**
 * The EVM half of `npm run bench -- composer`: a rollup per composer mode on one rollup stack
 * (one validator, the relayer, the local DA), fed by 200 senders that each send pre-signed
 * transfers to eth_sendRawTransaction one at a time (a sender's nonces must arrive in order).
 * The ten funded accounts first fund the other 190 through the same RPC. Rollup txs per second
 * are the bench's transfers in the EVM node's blocks against when each block was first seen.
 */
import { type Hex, keccak256, stringToHex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import type { RollupProcesses } from "../conductor/rollup-home.js";
import { ethAccount } from "../test/support/evm.js";
import { rollupClients, startRollupStack } from "../test/support/rollups.js";
import {
  type ComposerBenchRow,
  type ComposerMode,
  MODES,
  ratePerSecond,
  SECONDS,
  SendTally,
  sleep,
} from "./composer-common.js";

const FUNDED = 10;
const SENDERS = Number(process.env.BENCH_COMPOSER_EVM_SENDERS ?? 200);
/**
 * Pre-signed per sender (viem signs ~2 ms each here): 2.5 a second of the run, about twice what
 * the EVM node executes; a sender that runs out early just stops, the rate is over the blocks.
 */
const TXS_PER_SENDER = Number(process.env.BENCH_COMPOSER_EVM_TXS ?? Math.ceil(2.5 * SECONDS));
const SINK = "0x000000000000000000000000000000000000dEaD";

type Sender = { sign: (tx: TransferFields) => Promise<Hex>; address: string; nonce: number };
type TransferFields = Parameters<PrivateKeyAccount["signTransaction"]>[0];

const ReplySchema = z.object({
  result: z.unknown().optional(),
  error: z.object({ message: z.string() }).optional(),
});

async function call(url: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const reply = ReplySchema.parse(await response.json());
  if (reply.error) throw new Error(reply.error.message);
  return reply.result;
}

function transfer(chainId: number, sender: Sender, to: string, value: bigint): Promise<Hex> {
  return sender.sign({
    chainId,
    type: "eip1559",
    to: to as Hex,
    value,
    nonce: sender.nonce++,
    gas: 21_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 1n,
  });
}

/** The ten funded accounts, then new ones they fund (one ETH each), all ready to send. */
async function fundSenders(rollup: RollupProcesses): Promise<Sender[]> {
  const { chainId } = rollup.home.genesis;
  const funders: Sender[] = Array.from({ length: FUNDED }, (_, i) => {
    const account = ethAccount(i);
    return { sign: (tx) => account.signTransaction(tx), address: account.address, nonce: 0 };
  });
  const fresh: Sender[] = Array.from({ length: SENDERS - FUNDED }, (_, i) => {
    const account = privateKeyToAccount(keccak256(stringToHex(`composer-bench-${i}`)));
    return { sign: (tx) => account.signTransaction(tx), address: account.address, nonce: 0 };
  });
  const last = await Promise.all(
    funders.map(async (funder, f) => {
      let hash: unknown;
      for (let i = f; i < fresh.length; i += FUNDED) {
        const raw = await transfer(chainId, funder, fresh[i]!.address, 10n ** 18n);
        hash = await call(rollup.rpcUrl, "eth_sendRawTransaction", [raw]);
      }
      return hash;
    }),
  );
  const { publicClient } = rollupClients(rollup);
  for (const hash of last) {
    await publicClient.waitForTransactionReceipt({ hash: hash as Hex, timeout: 120_000 });
  }
  return [...funders, ...fresh];
}

/** Each EVM block's number and when it was first seen, while `watching()` holds. */
async function watchBlocks(url: string, watching: () => boolean, seen: Map<number, number>): Promise<void> {
  while (watching()) {
    const head = Number(await call(url, "eth_blockNumber", []).catch(() => "0x0"));
    for (let n = Math.max(...seen.keys()) + 1; n <= head; n++) seen.set(n, Date.now());
    await sleep(100);
  }
}

/** Bench transfers per block, in block order. */
async function countEvm(url: string, seen: Map<number, number>, ours: Set<string>) {
  const blocks: { txs: number; seenAt: number }[] = [];
  for (const [number, seenAt] of [...seen.entries()].sort((a, b) => a[0] - b[0])) {
    const block = (await call(url, "eth_getBlockByNumber", [`0x${number.toString(16)}`, false])) as {
      transactions: string[];
    };
    blocks.push({ txs: block.transactions.filter((hash) => ours.has(hash)).length, seenAt });
  }
  return blocks;
}

async function runEvm(rollup: RollupProcesses, mode: ComposerMode): Promise<ComposerBenchRow> {
  const { chainId } = rollup.home.genesis;
  const senders = await fundSenders(rollup);
  const lanes = await Promise.all(
    senders.map(async (sender) => {
      const raws: Hex[] = [];
      for (let i = 0; i < TXS_PER_SENDER; i++) raws.push(await transfer(chainId, sender, SINK, 1n));
      return raws;
    }),
  );
  const ours = new Set(lanes.flat().map((raw) => keccak256(raw)));
  const seen = new Map<number, number>([
    [Number(await call(rollup.rpcUrl, "eth_blockNumber", [])), Date.now()],
  ]);
  let watching = true;
  const watcher = watchBlocks(rollup.rpcUrl, () => watching, seen);
  const tally = new SendTally();
  const deadline = Date.now() + SECONDS * 1000;
  await Promise.all(
    lanes.map(async (raws) => {
      for (const raw of raws) {
        if (Date.now() >= deadline) return;
        const send = call(rollup.rpcUrl, "eth_sendRawTransaction", [raw]);
        tally.track(send);
        // A refused tx leaves a nonce gap: this sender's later txs could never run.
        if (!(await send.then(() => true).catch(() => false))) return;
      }
    }),
  );
  await tally.drain();
  await sleep(5_000); // the last accepted txs reach a block
  watching = false;
  await watcher;
  const blocks = await countEvm(rollup.rpcUrl, seen, ours);
  const landed = blocks.reduce((sum, block) => sum + block.txs, 0);
  return {
    rollup: "evm",
    mode,
    payloadBytes: (lanes[0]![0]!.length - 2) / 2,
    sent: tally.sent,
    refused: tally.refused,
    landed,
    lost: tally.accepted - landed,
    txPerSecond: ratePerSecond(blocks),
    ...(tally.firstRefusal ? { firstRefusal: tally.firstRefusal } : {}),
  };
}

export async function benchEvmComposer(): Promise<ComposerBenchRow[]> {
  const stack = await startRollupStack(2000);
  const rows: ComposerBenchRow[] = [];
  try {
    for (const [i, mode] of MODES.entries()) {
      const rollup = await stack.addRollup(`bench-evm-${i}`, 4_243_000 + i, 9 - i, mode.tuning);
      try {
        const row = await runEvm(rollup, mode);
        console.error(`  evm, ${mode.name}: ${row.txPerSecond.toFixed(0)} rollup tx/s`);
        rows.push(row);
      } finally {
        await rollup.stop();
      }
    }
  } finally {
    await stack.stop();
  }
  return rows;
}
