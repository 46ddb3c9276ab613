/**
 * The relayer's numbers: SequencerBlock verification at 4 and 100 validators, the compression
 * ratio of DA submissions holding realistic rollup txs (signed EVM transactions), the relayer's
 * CPU time for a maximum-size block against the 1 s block interval, and gossip latency from a
 * block's commit (first seen over RPC) to a peer's receipt, on a real one-validator devnet.
 */
import { randomBytes } from "node:crypto";
import { encodeFunctionData, parseAbi, parseGwei } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { TEST_MNEMONIC } from "../chain/client/keys.js";
import { fetchAccount } from "../chain/client/load.js";
import { OfflineSigner } from "../chain/client/offline.js";
import { sequenceMsg } from "../chain/client/signing.js";
import { startTemporaryDevnet } from "../chain/node/devnet.js";
import { DEVNET_CHAIN_ID } from "../chain/node/home.js";
import { broadcastTxs, nodeStatus } from "../chain/node/rpc.js";
import type { SignedBlockData } from "../chain/node/signed-block.js";
import { validatorsAt } from "../chain/node/signed-block.js";
import { blockCommitment, encodeCommitmentTx, groupByRollup } from "../core/block-commitment.js";
import { concatBytes, fromHex } from "../core/bytes.js";
import { validatorSetHash } from "../core/comet/hashes.js";
import { DEFAULT_LST_DENOM } from "../core/denom.js";
import { createLogger } from "../core/log.js";
import { rollupIdFromName } from "../core/rollup.js";
import { verifySequencerBlock } from "../core/sequencer-block.js";
import { CelestiaClient } from "../relayer/celestia/client.js";
import { LocalDa } from "../relayer/da/server.js";
import { planSubmissions } from "../relayer/da-batch.js";
import { BlockGossip } from "../relayer/gossip.js";
import { Relayer } from "../relayer/relayer.js";
import { buildSequencerBlock } from "../relayer/sequencer-block.js";
import { DEFAULT_MAX_BLOB_BYTES } from "../relayer/start.js";
import { CHAIN, signedBlock, validatorSet } from "../test/support/signed-blocks.js";

export interface RelayerBench {
  verify: { validators: number; ms: number }[];
  compression: { txs: number; rawBytes: number; compressedBytes: number };
  fullBlock: { txBytes: number; buildMs: number; planMs: number };
  gossip: { blocks: number; p50Ms: number; p99Ms: number };
}

const ERC20 = parseAbi(["function transfer(address to, uint256 amount) returns (bool)"]);

/** Signed EIP-1559 txs as a rollup's users would send them: 60% ETH transfers, 40% ERC-20 transfers. */
export async function evmTxs(count: number): Promise<Uint8Array[]> {
  const senders = Array.from({ length: 50 }, () => privateKeyToAccount(generatePrivateKey()));
  const recipients = Array.from({ length: 200 }, () => privateKeyToAccount(generatePrivateKey()).address);
  const token = privateKeyToAccount(generatePrivateKey()).address;
  const nonces = new Map<string, number>();
  const txs: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const sender = senders[i % senders.length]!;
    const nonce = nonces.get(sender.address) ?? 0;
    nonces.set(sender.address, nonce + 1);
    const to = recipients[Math.floor(Math.random() * recipients.length)]!;
    const erc20 = i % 5 < 2;
    const signed = await sender.signTransaction({
      type: "eip1559",
      chainId: 1_337_001,
      nonce,
      to: erc20 ? token : to,
      value: erc20 ? 0n : BigInt(Math.floor(Math.random() * 1e18)),
      data: erc20
        ? encodeFunctionData({
            abi: ERC20,
            functionName: "transfer",
            args: [to, BigInt(Math.floor(Math.random() * 1e9))],
          })
        : undefined,
      gas: erc20 ? 65_000n : 21_000n,
      maxFeePerGas: parseGwei("2"),
      maxPriorityFeePerGas: parseGwei("0.1"),
    });
    txs.push(fromHex(signed.slice(2)));
  }
  return txs;
}

function timeMs(iterations: number, work: () => void): number {
  const started = performance.now();
  for (let i = 0; i < iterations; i++) work();
  return (performance.now() - started) / iterations;
}

function benchVerify(): RelayerBench["verify"] {
  return [4, 100].map((validators) => {
    const block = signedBlock({ set: validatorSet(validators, 3) });
    verifySequencerBlock(block, { chainId: CHAIN });
    return {
      validators,
      ms: timeMs(validators > 10 ? 20 : 200, () => verifySequencerBlock(block, { chainId: CHAIN })),
    };
  });
}

/** Ten blocks of 100 EVM txs each, spread over three rollups, in one DA submission. */
async function benchCompression(): Promise<RelayerBench["compression"]> {
  const txs = await evmTxs(1000);
  const rollups = ["evm-a", "evm-b", "evm-c"].map(rollupIdFromName);
  const blocks = Array.from({ length: 10 }, (_, b) =>
    signedBlock({
      height: BigInt(b + 1),
      items: txs.slice(b * 100, (b + 1) * 100).map((data, i) => ({ rollupId: rollups[i % 3]!, data })),
    }),
  );
  const [submission] = planSubmissions(CHAIN, blocks, { maxBlobBytes: DEFAULT_MAX_BLOB_BYTES });
  return { txs: txs.length, rawBytes: submission!.rawBytes, compressedBytes: submission!.compressedBytes };
}

/** Copies of signed EVM txs with fresh random signatures: as incompressible as real ones. */
function resigned(templates: readonly Uint8Array[], count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const tx = new Uint8Array(templates[i % templates.length]!);
    tx.set(randomBytes(64), tx.length - 64);
    return tx;
  });
}

/** A block near CometBFT's 21 MiB limit: Metro txs each carrying a batch of 40 EVM txs. */
async function benchFullBlock(): Promise<RelayerBench["fullBlock"]> {
  const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 0);
  const templates = await evmTxs(400);
  const userTxs: Uint8Array[] = [];
  const payloads: Uint8Array[] = [];
  let bytes = 0;
  for (let n = 0; bytes < 20 * 1024 * 1024; n++) {
    const payload = concatBytes(...resigned(templates, 40));
    const tx = signer.signTx({
      chainId: DEVNET_CHAIN_ID,
      accountNumber: 0n,
      sequence: BigInt(n),
      fee: { amount: [{ denom: DEFAULT_LST_DENOM, amount: "9000" }], gas: 4_000_000n },
      messages: [sequenceMsg(signer.address, `rollup-${n % 8}`, payload)],
    });
    userTxs.push(tx);
    payloads.push(payload);
    bytes += tx.length;
  }
  const items = userTxs.map((_, n) => ({
    rollupId: rollupIdFromName(`rollup-${n % 8}`),
    data: payloads[n % payloads.length]!,
  }));
  const commitmentTx = encodeCommitmentTx(blockCommitment(groupByRollup(items)));
  const template = signedBlock();
  const data: SignedBlockData = {
    header: template.header,
    commit: template.commit,
    validators: template.validators,
    txs: [commitmentTx, ...userTxs],
  };
  let built = buildSequencerBlock(data);
  const buildMs = timeMs(3, () => {
    built = buildSequencerBlock(data);
  });
  const planMs = timeMs(3, () => planSubmissions(CHAIN, [built], { maxBlobBytes: DEFAULT_MAX_BLOB_BYTES }));
  return { txBytes: bytes, buildMs, planMs };
}

/** Commit (height first reported by RPC) to receipt by a gossip peer, on a real devnet. */
async function benchGossip(seconds: number): Promise<RelayerBench["gossip"]> {
  const log = createLogger("bench", "error");
  const { devnet, home, stop } = await startTemporaryDevnet(1, 43_000, log);
  const rpc = devnet.rpcUrl(0);
  const da = new LocalDa({ dataDir: `${home}/da`, blockTimeMs: 1000, log });
  const daPort = await da.listen(0);
  const trust = { height: 1n, validatorsHash: validatorSetHash(await validatorsAt(rpc, 1)) };
  const peer = await BlockGossip.start({ chainId: DEVNET_CHAIN_ID, trust, log });
  const source = await BlockGossip.start({ chainId: DEVNET_CHAIN_ID, trust, log });
  await source.dial(peer.addresses()[0]!);
  await source.waitForTopicPeers(1, 5000);
  const received = new Map<bigint, number>();
  peer.onBlock((block) => received.set(block.header.height, performance.now()));
  const relayer = new Relayer({
    chainId: DEVNET_CHAIN_ID,
    metroRpc: rpc,
    da: new CelestiaClient({ url: `http://127.0.0.1:${daPort}` }),
    statePath: `${home}/relayer/state.json`,
    batchIntervalMs: 1000,
    limits: { maxBlobBytes: DEFAULT_MAX_BLOB_BYTES },
    gossip: source,
    log,
  });
  const committed = new Map<bigint, number>();
  try {
    await relayer.start();
    const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 0);
    let { sequence } = await fetchAccount(rpc, signer);
    const deadline = performance.now() + seconds * 1000;
    let lastHeight = (await nodeStatus(rpc)).height;
    let lastLoad = 0;
    while (performance.now() < deadline) {
      const { height } = await nodeStatus(rpc);
      for (let h = lastHeight + 1; h <= height; h++) committed.set(BigInt(h), performance.now());
      lastHeight = height;
      if (performance.now() - lastLoad > 250) {
        lastLoad = performance.now();
        const tx = signer.signTx({
          chainId: DEVNET_CHAIN_ID,
          accountNumber: 0n,
          sequence: sequence++,
          fee: { amount: [{ denom: DEFAULT_LST_DENOM, amount: "400" }], gas: 200_000n },
          messages: [sequenceMsg(signer.address, "gossip-bench", new Uint8Array(512).fill(1))],
        });
        await broadcastTxs(rpc, [tx], "async");
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
  } finally {
    await relayer.stop();
    await source.stop();
    await peer.stop();
    await da.close();
    await stop();
  }
  const latencies = [...committed]
    .filter(([height]) => received.has(height))
    .map(([height, at]) => received.get(height)! - at)
    .sort((a, b) => a - b);
  const pick = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN);
  return { blocks: latencies.length, p50Ms: pick(0.5), p99Ms: pick(0.99) };
}

export async function benchRelayer(gossipSeconds = 20): Promise<RelayerBench> {
  return {
    verify: benchVerify(),
    compression: await benchCompression(),
    fullBlock: await benchFullBlock(),
    gossip: await benchGossip(gossipSeconds),
  };
}
