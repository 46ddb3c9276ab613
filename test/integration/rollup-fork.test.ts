import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createAddressFromString } from "@ethereumjs/util";
import { hexToBytes } from "viem";
import { TEST_MNEMONIC } from "../../chain/client/keys.js";
import { OfflineSigner } from "../../chain/client/offline.js";
import { sequenceMsg } from "../../chain/client/signing.js";
import { genesisPath } from "../../chain/node/home.js";
import { broadcastTxs, nodeStatus } from "../../chain/node/rpc.js";
import { signedBlockAt } from "../../chain/node/signed-block.js";
import { Conductor } from "../../conductor/conductor.js";
import { EvmChain } from "../../conductor/evm/chain.js";
import { EvmStore } from "../../conductor/evm/store.js";
import { toHex } from "../../core/bytes.js";
import { headerHash } from "../../core/comet/hashes.js";
import { createLogger } from "../../core/log.js";
import { type Relaying, startRelaying } from "../../relayer/start.js";
import { feeFor } from "../support/accounts.js";
import { ETHER, ethAccount, testRollupGenesis } from "../support/evm.js";
import { startNetwork, type TestNetwork, until } from "../support/network.js";
import { type RollupStack, startRollupStack } from "../support/rollups.js";

const NAME = "migrating";
const FORK_CHAIN = "metro-fork-2";
const FORK_AT = 6n;

/** The trust root for following `rpc` from its next height. */
async function nextTrust(rpc: string) {
  const { height } = await nodeStatus(rpc);
  const latest = await signedBlockAt(rpc, height);
  return { height: height + 1, validatorsHash: toHex(latest.header.nextValidatorsHash) };
}

describe("a rollup hard-forks to another Metro network at a configured rollup height", () => {
  let stack: RollupStack;
  let forkNet: TestNetwork;
  let forkRelaying: Relaying;
  let conductor: Conductor;
  let store: EvmStore;
  let engine: EvmChain;
  const dir = mkdtempSync(join(tmpdir(), "metro-rollup-fork-"));
  let startA: number;
  let startB: number;

  before(async () => {
    stack = await startRollupStack(1000);
    // A second Metro network with its own chain id: the one the rollup migrates to.
    forkNet = await startNetwork(1, (devnet) => {
      for (const spec of devnet.specs) {
        const genesis = JSON.parse(readFileSync(genesisPath(spec.home), "utf8")) as { chain_id: string };
        writeFileSync(genesisPath(spec.home), JSON.stringify({ ...genesis, chain_id: FORK_CHAIN }));
      }
    });
    forkRelaying = await startRelaying({
      chainId: FORK_CHAIN,
      metroRpc: forkNet.rpc(0),
      daUrl: stack.daUrl,
      statePath: join(dir, "fork-relayer.json"),
      batchIntervalMs: 1000,
      log: createLogger("fork-relayer", "error"),
    });
    const trustA = await nextTrust(stack.net.rpc(0));
    const trustB = await nextTrust(forkNet.rpc(0));
    startA = trustA.height;
    startB = trustB.height;
    store = new EvmStore(join(dir, "evm"));
    engine = await EvmChain.open(store, testRollupGenesis({ name: NAME, sequencerStartHeight: startA }));
    const network = (rpc: string, chainId: string, trust: typeof trustA, peers: string[]) => ({
      metroChainId: chainId,
      trust,
      metroRpc: rpc,
      daUrl: stack.daUrl,
      daStartHeight: 1,
      gossip: { port: 0, peers },
    });
    conductor = await Conductor.start({
      config: {
        ...network(
          stack.net.rpc(0),
          (await nodeStatus(stack.net.rpc(0))).chainId,
          trustA,
          stack.relaying.gossip.addresses(),
        ),
        rollupName: NAME,
        executionUrl: "http://127.0.0.1:1",
        gossipGraceMs: 1500,
        forks: [
          {
            ...network(forkNet.rpc(0), FORK_CHAIN, trustB, forkRelaying.gossip.addresses()),
            rollupHeight: Number(FORK_AT),
          },
        ],
      },
      home: join(dir, "conductor"),
      engine,
      log: createLogger("fork-conductor", "error"),
    });
  });

  after(async () => {
    await conductor?.stop();
    await store?.close();
    await forkRelaying?.stop();
    await forkNet?.stop();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("executes the first network's blocks before the fork and the new network's after it", async () => {
    await until(
      "the rollup is past the fork, soft and firm",
      () => conductor.stats.firmNumber >= FORK_AT + 2n,
    );
    assert.equal(conductor.metroChainId, FORK_CHAIN);
    for (let number = 1n; number <= FORK_AT + 2n; number++) {
      const block = await engine.getBlock({ number, hash: new Uint8Array() });
      const [rpc, height] =
        number < FORK_AT
          ? [stack.net.rpc(0), startA + Number(number - 1n)]
          : [forkNet.rpc(0), startB + Number(number - FORK_AT)];
      const metro = await signedBlockAt(rpc, height);
      assert.equal(
        toHex(block!.sequencerBlockHash),
        toHex(headerHash(metro.header)),
        `rollup block ${number}`,
      );
    }
  });

  it("takes txs sequenced on the new network, and no longer those on the old one", async () => {
    const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 2);
    const transfer = async (nonce: number, to: number) =>
      hexToBytes(
        await ethAccount(0).signTransaction({
          chainId: 1337,
          type: "eip1559",
          to: ethAccount(to).address,
          value: ETHER,
          nonce,
          gas: 21_000n,
          maxFeePerGas: 10n ** 10n,
          maxPriorityFeePerGas: 1n,
        }),
      );
    const sequence = async (rpc: string, chainId: string, data: Uint8Array) => {
      const [outcome] = await broadcastTxs(rpc, [
        signer.signTx({
          chainId,
          accountNumber: 2n,
          sequence: 0n,
          fee: feeFor(200_000n),
          messages: [sequenceMsg(signer.address, NAME, data)],
        }),
      ]);
      assert.ok(outcome?.kind === "checked" && outcome.code === 0, JSON.stringify(outcome));
    };
    await sequence(stack.net.rpc(0), (await nodeStatus(stack.net.rpc(0))).chainId, await transfer(0, 8));
    await sequence(forkNet.rpc(0), FORK_CHAIN, await transfer(0, 9));
    const balance = async (index: number) => {
      const state = await engine.getCommitmentState();
      const vm = await engine.vmAt(state.soft.hash);
      return (await vm.stateManager.getAccount(createAddressFromString(ethAccount(index).address)))?.balance;
    };
    await until("the new network's tx executes", async () => (await balance(9)) === ETHER);
    assert.equal((await balance(8)) ?? 0n, 0n, "the old network's tx never runs after the fork");
  });
});
