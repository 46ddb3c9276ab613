/**
 * Steady load for the campaign, and a record of what the system reported committed: Metro txs
 * sequencing data into three rollups (one in four an atomic bundle across all three), seen in a
 * committed block; and EVM transfers on each rollup, seen with a receipt.
 */
import type { PublicClient } from "viem";
import { parseEther } from "viem";
import { TEST_MNEMONIC } from "../chain/client/keys.js";
import { fetchAccount, LoadGenerator } from "../chain/client/load.js";
import { OfflineSigner } from "../chain/client/offline.js";
import { sequenceMsg } from "../chain/client/signing.js";
import { DEVNET_CHAIN_ID } from "../chain/node/home.js";
import { blockAt, nodeStatus } from "../chain/node/rpc.js";
import { decodeTx, MSG_SEQUENCE_TYPE_URL } from "../chain/tx/decode.js";
import { BackgroundLoop } from "../core/background-loop.js";
import { toHex, utf8 } from "../core/bytes.js";
import { DEFAULT_LST_DENOM } from "../core/denom.js";
import { sha256 } from "../core/hash.js";
import { ethAccount } from "../test/support/evm.js";
import { rollupClients } from "../test/support/rollups.js";
import { type ChaosRollup, DATA_ROLLUP, EVM_ROLLUPS } from "./stack.js";

/** One rollup's share of a committed Metro tx. */
export interface SequencedItem {
  rollupId: string;
  data: Uint8Array;
}

export interface CommittedTx {
  hash: string;
  height: number;
  items: SequencedItem[];
}

const ROLLUP_NAMES = [...EVM_ROLLUPS.map((rollup) => rollup.name), DATA_ROLLUP];

/** The n-th tx's messages: one rollup in turn, or every fourth a bundle into all three. */
function chaosMessages(signer: OfflineSigner, n: number) {
  const data = (rollup: string) => utf8(`chaos ${signer.address} ${n} ${rollup}`);
  const rollups = n % 4 === 3 ? ROLLUP_NAMES : [ROLLUP_NAMES[n % 3]!];
  return rollups.map((rollup) => sequenceMsg(signer.address, rollup, data(rollup)));
}

export class MetroLoad {
  readonly committed = new Map<string, CommittedTx>();
  private generator: LoadGenerator | undefined;
  private followed = 0;
  /** Reads each new block from whichever node answers, noting the campaign's txs in it. */
  private readonly follower = new BackgroundLoop(
    () => this.catchUp().catch(() => undefined),
    () => 500,
  );

  constructor(private readonly rpcUrls: string[]) {}

  async start(): Promise<void> {
    const signers = await Promise.all([1, 2, 3].map((i) => OfflineSigner.fromMnemonic(TEST_MNEMONIC, i)));
    const [first, ...rest] = this.rpcUrls;
    this.generator = new LoadGenerator({
      rpcUrl: first!,
      fallbackRpcUrls: rest,
      chainId: DEVNET_CHAIN_ID,
      accounts: await Promise.all(signers.map((signer) => fetchAccount(first!, signer))),
      messages: chaosMessages,
      fee: { amount: [{ denom: DEFAULT_LST_DENOM, amount: "1000" }], gas: 200_000n },
      txsPerAccountPerTick: 2,
      tickMs: 500,
    });
    this.followed = (await nodeStatus(first!)).height;
    this.generator.start();
    this.follower.start();
  }

  /** Txs CheckTx accepted: committed ones, and those a crashed node's mempool lost. */
  get accepted(): number {
    return this.generator?.accepted.length ?? 0;
  }

  async stop(): Promise<void> {
    await this.generator?.stop();
    await this.follower.stop();
    await this.catchUp();
  }

  private async catchUp(): Promise<void> {
    for (const url of this.rpcUrls) {
      try {
        const { height } = await nodeStatus(url);
        while (this.followed < height) {
          const block = await blockAt(url, this.followed + 1);
          for (const tx of block.txs) this.note(tx, block.height);
          this.followed++;
        }
        return;
      } catch {
        // This node is down: try the next.
      }
    }
  }

  private note(tx: Uint8Array, height: number): void {
    const items = campaignItems(tx);
    if (items.length === 0) return;
    const hash = toHex(sha256(tx)).toUpperCase();
    this.committed.set(hash, { hash, height, items });
  }
}

/** The rollup data a campaign tx sequences (none: not the campaign's, or not a Metro tx). */
function campaignItems(tx: Uint8Array): SequencedItem[] {
  let messages: ReturnType<typeof decodeTx>["messages"];
  try {
    messages = decodeTx(tx).messages;
  } catch {
    return [];
  }
  return messages.flatMap((message) =>
    message.typeUrl === MSG_SEQUENCE_TYPE_URL &&
    Buffer.from(message.value.data).toString().startsWith("chaos ")
      ? [{ rollupId: toHex(message.value.rollupId), data: message.value.data }]
      : [],
  );
}

/** Value transfers on one EVM rollup, one at a time; a receipt counts as reported committed. */
export class EvmLoad {
  /** Hashes of transfers whose receipt the rollup's RPC returned. */
  readonly receipts: `0x${string}`[] = [];
  refused = 0;
  private readonly loop: BackgroundLoop;

  constructor(rollup: ChaosRollup, accountIndex: number) {
    const { publicClient, wallet } = rollupClients(rollup.primary, accountIndex);
    const to = ethAccount(30 + accountIndex).address;
    this.loop = new BackgroundLoop(
      async () => {
        try {
          const hash = await wallet.sendTransaction({ to, value: parseEther("0.001") });
          const receipt = await (publicClient as PublicClient).waitForTransactionReceipt({
            hash,
            timeout: 30_000,
            pollingInterval: 200,
          });
          if (receipt.status === "success") this.receipts.push(hash);
        } catch {
          // The node is down or dropped the tx with its composer: the sender was told.
          this.refused++;
        }
      },
      () => 300,
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
