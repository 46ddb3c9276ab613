import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { multiaddr } from "@multiformats/multiaddr";
import { operatorAccountIndex, operatorAddresses, TEST_MNEMONIC } from "../../chain/client/keys.js";
import { queryRollup, queryRollupHeader } from "../../chain/client/queries.js";
import { connectSigner } from "../../chain/client/signing.js";
import { createLogger } from "../../chain/log.js";
import { DEVNET_CHAIN_ID, loadOrCreateBlsKey } from "../../chain/node/home.js";
import { nodeStatus } from "../../chain/node/rpc.js";
import { signedBlockAt } from "../../chain/node/signed-block.js";
import { Conductor } from "../../conductor/conductor.js";
import { EvmChain } from "../../conductor/evm/chain.js";
import { EvmStore } from "../../conductor/evm/store.js";
import { HeaderSigner, headerTopic } from "../../conductor/headers.js";
import { operatorAddress } from "../../core/address.js";
import { blsKeyPair, blsSign } from "../../core/bls.js";
import { toHex } from "../../core/bytes.js";
import {
  HeaderSignatureCodec,
  MsgJoinCommitteeCodec,
  MsgRegisterRollupCodec,
} from "../../core/proto/rollup.js";
import { rollupIdFromName } from "../../core/rollup.js";
import { bitmapIndexes, rollupHeaderHash } from "../../core/rollup-header.js";
import { LocalDa } from "../../relayer/da/server.js";
import { startGossipNode } from "../../relayer/gossip-node.js";
import { type Relaying, startRelaying } from "../../relayer/start.js";
import { testRollupGenesis } from "../support/evm.js";
import { sleep, startNetwork, type TestNetwork, until } from "../support/network.js";
import { inProcessConductorConfig } from "../support/rollups.js";

const NAME = "signed-rollup";
const WINDOW = 3n;
/** Members 0–2 run the rollup and sign; member 3 is offline, and 3 of 4 equal stakes meet 0.67. */
const RUNNING = [0, 1, 2];

describe("committee members sign rollup headers over libp2p; the aggregator submits them to Metro", () => {
  let net: TestNetwork;
  let da: LocalDa;
  let relaying: Relaying;
  const dir = mkdtempSync(join(tmpdir(), "metro-header-signing-"));
  const log = createLogger("header-signing-test", "error");
  const members: { store: EvmStore; engine: EvmChain; signer: HeaderSigner; conductor: Conductor }[] = [];
  const rollupId = rollupIdFromName(NAME);

  before(async () => {
    net = await startNetwork(4);
    da = new LocalDa({ dataDir: join(dir, "da"), blockTimeMs: 500, log });
    const daUrl = `http://127.0.0.1:${await da.listen(0)}`;
    relaying = await startRelaying({
      chainId: DEVNET_CHAIN_ID,
      metroRpc: net.rpc(0),
      daUrl,
      statePath: join(dir, "relayer.json"),
      batchIntervalMs: 1000,
      log,
    });
    const creator = await connectSigner(net.rpc(0), TEST_MNEMONIC, 6);
    const registered = await creator.client.signAndBroadcast(
      creator.address,
      [
        {
          typeUrl: MsgRegisterRollupCodec.typeUrl,
          value: {
            creator: creator.address,
            name: NAME,
            quorum: "0.67",
            challengeWindow: WINDOW,
            executionKind: "evm",
          },
        },
      ],
      "auto",
    );
    creator.client.disconnect();
    assert.equal(registered.code, 0, registered.rawLog);
    for (let i = 0; i < 4; i++) {
      const operator = await connectSigner(net.rpc(0), TEST_MNEMONIC, operatorAccountIndex(i));
      const joined = await operator.client.signAndBroadcast(
        operator.address,
        [
          {
            typeUrl: MsgJoinCommitteeCodec.typeUrl,
            value: { validatorAddress: operatorAddress(operator.address), rollupId },
          },
        ],
        "auto",
      );
      operator.client.disconnect();
      assert.equal(joined.code, 0, joined.rawLog);
    }

    const { height } = await nodeStatus(net.rpc(0));
    const latest = await signedBlockAt(net.rpc(0), height);
    const trust = { height: height + 1, validatorsHash: toHex(latest.header.nextValidatorsHash) };
    const peers: string[] = [];
    const operatorAccounts = await operatorAddresses(4);
    for (const i of RUNNING) {
      const signer = await HeaderSigner.start({
        metroRpc: net.rpc(i),
        metroChainId: DEVNET_CHAIN_ID,
        rollupName: NAME,
        operator: operatorAddress(operatorAccounts[i]!),
        blsSecretKey: loadOrCreateBlsKey(net.devnet.specs[i]!.home).secretKey,
        ...(i === 0
          ? { aggregator: { mnemonic: TEST_MNEMONIC, accountIndex: operatorAccountIndex(0) } }
          : {}),
        gossip: { port: 0, peers: [...peers] },
        statePath: join(dir, `member${i}`, "headers.json"),
        log,
      });
      peers.push(...signer.addresses());
      const store = new EvmStore(join(dir, `member${i}`, "evm"));
      const engine = await EvmChain.open(
        store,
        testRollupGenesis({ name: NAME, sequencerStartHeight: trust.height }),
      );
      const conductor = await Conductor.start({
        config: inProcessConductorConfig({
          rollupName: NAME,
          metroChainId: DEVNET_CHAIN_ID,
          trust,
          metroRpc: net.rpc(i),
          daUrl,
          gossip: { port: 0, peers: relaying.gossip.addresses() },
        }),
        home: join(dir, `member${i}`, "conductor"),
        engine,
        onFirm: (blocks, daHeight) => signer.onFirm(blocks, daHeight),
        log,
      });
      members.push({ store, engine, signer, conductor });
    }
  });

  after(async () => {
    for (const member of members) {
      await member.conductor.stop();
      await member.signer.stop();
      await member.store.close();
    }
    await relaying?.stop();
    await da?.close();
    await net?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gets each firm block's header onto Metro with a quorum of signers, its state root the executed one", async () => {
    await until(
      "Metro holds four headers of the rollup",
      async () => ((await queryRollup(net.rpc(0), rollupId))?.latestHeight ?? 0n) >= 4n,
      120_000,
    );
    for (let height = 1n; height <= 4n; height++) {
      const stored = await queryRollupHeader(net.rpc(0), rollupId, height);
      const header = stored!.header!.signed!.header!;
      const executed = await members[0]!.engine.getBlock({ number: height, hash: new Uint8Array() });
      assert.equal(toHex(header.stateRoot), toHex(executed!.stateRoot), `header ${height}'s state root`);
      assert.equal(header.metroHeight, executed!.sequencerHeight);
      assert.equal(toHex(header.dataRoot), toHex(executed!.dataHash));
      const signers = bitmapIndexes(stored!.header!.signed!.signerBitmap);
      assert.ok(signers.length >= 3 && !signers.includes(3), `signers ${signers}: the running members only`);
    }
    assert.ok(members.every((member) => member.signer.stats.signed >= 4));
    assert.ok(
      members.slice(1).every((member) => member.signer.stats.submitted === 0),
      "only the aggregator submits",
    );
  });

  it("rejects a forged signature gossiped in a member's name", async () => {
    const topic = headerTopic(DEVNET_CHAIN_ID, rollupId);
    const rogue = await startGossipNode({ topic, maxMessageBytes: 4096 });
    try {
      rogue.services.pubsub.subscribe(topic);
      await rogue.dial(multiaddr(members[0]!.signer.addresses()[0]!));
      const before = members[0]!.signer.stats.rejected;
      const header = (await queryRollupHeader(net.rpc(0), rollupId, 1n))!.header!.signed!.header!;
      const wrongKey = blsKeyPair(new Uint8Array(48).fill(9)).secretKey;
      for (let attempt = 0; members[0]!.signer.stats.rejected === before; attempt++) {
        assert.ok(attempt < 50, "the forged signature never arrived");
        const forged = { ...header, daHeight: header.daHeight + BigInt(attempt + 1) };
        const message = HeaderSignatureCodec.encode({
          header: forged,
          member: 3,
          signature: blsSign(wrongKey, rollupHeaderHash(forged)),
        });
        await rogue.services.pubsub.publish(topic, message).catch(() => undefined);
        await sleep(200);
      }
      assert.ok(members[0]!.signer.stats.rejected > before);
    } finally {
      await rogue.stop();
    }
  });

  it("makes the headers final once the challenge window passes", async () => {
    await until(
      "header 1 is final",
      async () => (await queryRollupHeader(net.rpc(0), rollupId, 1n))?.header?.final === true,
      60_000,
    );
  });
});
