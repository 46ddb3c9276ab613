import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { multiaddr } from "@multiformats/multiaddr";
import { operatorAccountIndex, operatorAddresses, TEST_MNEMONIC } from "../../chain/client/keys.js";
import {
  queryChallenges,
  queryRollup,
  queryRollupHeader,
  queryValidatorRecord,
} from "../../chain/client/queries.js";
import { connectSigner } from "../../chain/client/signing.js";
import { challengerReward, MIN_CHALLENGE_BOND } from "../../chain/modules/challenges.js";
import { DEFAULT_PARAMS, requiredFee } from "../../chain/modules/params.js";
import { DEVNET_CHAIN_ID, loadOrCreateBlsKey } from "../../chain/node/home.js";
import { nodeStatus, waitForHeight } from "../../chain/node/rpc.js";
import { signedBlockAt } from "../../chain/node/signed-block.js";
import { buildChallenge } from "../../conductor/challenge.js";
import { Conductor } from "../../conductor/conductor.js";
import { EvmChain, genesisBlockHash } from "../../conductor/evm/chain.js";
import { EvmStore } from "../../conductor/evm/store.js";
import { HeaderSigner, headerTopic } from "../../conductor/headers.js";
import type { SignerMisbehaviour } from "../../conductor/misbehaviour.js";
import { operatorAddress } from "../../core/address.js";
import { blsKeyPair, blsSign } from "../../core/bls.js";
import { toHex } from "../../core/bytes.js";
import { parseDecimal } from "../../core/decimal.js";
import { DEFAULT_LST_DENOM } from "../../core/denom.js";
import { encodeStateWitness } from "../../core/evm/index.js";
import { createLogger } from "../../core/log.js";
import {
  HeaderSignatureCodec,
  MsgChallengeHeaderCodec,
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
/** Long enough to build and land a challenge in (1 s blocks). */
const WINDOW = 20n;
/**
 * Members 0–2 run the rollup and sign; member 3 is offline until member 0 stops. 3 of 4 equal
 * stakes meet 0.6, and so do 2 of the 3 left unjailed once member 2 is slashed for equivocating.
 */
const RUNNING = [0, 1, 2];
const QUORUM = "0.6";
/** Member 0 aggregates; member 1 backs it up (it waits its turn, then submits what is still missing). */
const AGGREGATORS = [0, 1];
/** The test mnemonic account that registers the rollup and challenges its headers. */
const CHALLENGER_ACCOUNT = 6;
const genesis = testRollupGenesis({ name: NAME });
/** Gas for a challenge: Metro charges per message and tx byte, not for the re-execution. */
const CHALLENGE_GAS = 2_000_000n;

describe("committee members sign rollup headers over libp2p; the aggregator submits them to Metro", () => {
  let net: TestNetwork;
  let da: LocalDa;
  let relaying: Relaying;
  const dir = mkdtempSync(join(tmpdir(), "metro-header-signing-"));
  const log = createLogger("header-signing-test", "error");
  /** What each member does wrong on purpose, changed by the tests below while it runs. */
  const misbehaviours: SignerMisbehaviour[] = Array.from({ length: 4 }, () => ({}));
  const members: { store: EvmStore; engine: EvmChain; signer: HeaderSigner; conductor: Conductor }[] = [];
  /** Where the members start from, what they read, and whom they gossip with. */
  let trust: { height: number; validatorsHash: string };
  let daUrl: string;
  const peers: string[] = [];
  const rollupId = rollupIdFromName(NAME);

  before(async () => {
    net = await startNetwork(4);
    da = new LocalDa({ dataDir: join(dir, "da"), blockTimeMs: 500, log });
    daUrl = `http://127.0.0.1:${await da.listen(0)}`;
    relaying = await startRelaying({
      chainId: DEVNET_CHAIN_ID,
      metroRpc: net.rpc(0),
      daUrl,
      statePath: join(dir, "relayer.json"),
      batchIntervalMs: 1000,
      log,
    });
    const creator = await connectSigner(net.rpc(0), TEST_MNEMONIC, CHALLENGER_ACCOUNT);
    const registered = await creator.client.signAndBroadcast(
      creator.address,
      [
        {
          typeUrl: MsgRegisterRollupCodec.typeUrl,
          value: {
            creator: creator.address,
            name: NAME,
            quorum: QUORUM,
            challengeWindow: WINDOW,
            executionKind: "evm",
            evmChainId: BigInt(genesis.chainId),
            genesisHash: await genesisBlockHash(genesis),
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
    trust = { height: height + 1, validatorsHash: toHex(latest.header.nextValidatorsHash) };
    for (const i of RUNNING) await startMember(i);
  });

  /** Member i's EVM node, conductor and header signer; members 0 and 1 aggregate (1 as backup). */
  async function startMember(i: number): Promise<void> {
    const operatorAccounts = await operatorAddresses(4);
    const signer = await HeaderSigner.start({
      metroRpc: net.rpc(i),
      metroChainId: DEVNET_CHAIN_ID,
      rollupName: NAME,
      operator: operatorAddress(operatorAccounts[i]!),
      blsSecretKey: loadOrCreateBlsKey(net.devnet.specs[i]!.home).secretKey,
      ...(AGGREGATORS.includes(i)
        ? { aggregator: { mnemonic: TEST_MNEMONIC, accountIndex: operatorAccountIndex(i) } }
        : {}),
      gossip: { port: 0, peers: [...peers] },
      statePath: join(dir, `member${i}`, "headers.json"),
      log,
      misbehaviour: misbehaviours[i]!,
    });
    peers.push(...signer.addresses());
    const store = new EvmStore(join(dir, `member${i}`, "evm"));
    const engine = await EvmChain.open(store, { ...genesis, sequencerStartHeight: trust.height });
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
    members[i] = { store, engine, signer, conductor };
  }

  async function stopMember(i: number): Promise<void> {
    const member = members[i];
    if (!member) return;
    delete members[i];
    await member.conductor.stop();
    await member.signer.stop();
    await member.store.close();
  }

  after(async () => {
    for (const i of members.keys()) await stopMember(i);
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
    assert.ok(members[0]!.signer.stats.submitted >= 4, "the first aggregator submits");
    assert.equal(members[2]!.signer.stats.submitted, 0, "a member that does not aggregate never does");
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

  /** Waits for Metro's header at `height` and returns it. */
  async function headerOnMetro(height: bigint) {
    await until(
      `Metro holds header ${height}`,
      async () => ((await queryRollup(net.rpc(0), rollupId))?.latestHeight ?? 0n) >= height,
      120_000,
    );
    return (await queryRollupHeader(net.rpc(0), rollupId, height))!.header!.signed!.header!;
  }

  /** Challenges header `height` from the challenger account with the minimum bond; the tx must land. */
  async function challenge(height: bigint) {
    const challenger = await connectSigner(net.rpc(0), TEST_MNEMONIC, CHALLENGER_ACCOUNT);
    try {
      const engine = members[1]!.engine; // an honest node: the committee lies, not the EVM
      const value = await buildChallenge({
        metroRpc: net.rpc(0),
        rollupName: NAME,
        rollupHeight: height,
        challenger: challenger.address,
        bond: MIN_CHALLENGE_BOND,
        proof: async (number) => {
          const { parentHeader, witness } = await engine.fraudProof(engine.store.canonicalHash(number)!);
          return { parentHeader, witness: encodeStateWitness(witness) };
        },
      });
      const fee = requiredFee(CHALLENGE_GAS, parseDecimal(DEFAULT_PARAMS.minGasPrice));
      const balance = async () =>
        BigInt((await challenger.client.getBalance(challenger.address, DEFAULT_LST_DENOM)).amount);
      const before = await balance();
      const result = await challenger.client.signAndBroadcast(
        challenger.address,
        [{ typeUrl: MsgChallengeHeaderCodec.typeUrl, value }],
        { amount: [{ denom: DEFAULT_LST_DENOM, amount: fee.toString() }], gas: CHALLENGE_GAS.toString() },
      );
      assert.equal(result.code, 0, result.rawLog);
      await waitForHeight(net.rpc(0), result.height + 1);
      const [judged] = (await queryChallenges(net.rpc(0), rollupId)).filter(
        (c) => c.rollupHeight === height && c.height === BigInt(result.height),
      );
      assert.ok(judged, "the challenge is kept for queries");
      return { judged, paid: before - (await balance()) - fee };
    } finally {
      challenger.client.disconnect();
    }
  }

  /** A rollup height no running member has signed yet (they sign as blocks turn firm). */
  const aheadOfSigners = () =>
    members.reduce(
      (newest, member) =>
        member && member.conductor.stats.firmNumber > newest ? member.conductor.stats.firmNumber : newest,
      0n,
    ) + 4n;

  const operatorOf = async (member: number) => operatorAddress((await operatorAddresses(4))[member]!);
  const record = async (member: number) =>
    (await queryValidatorRecord(net.rpc(0), await operatorOf(member)))!;

  it("lets the backup aggregator take over when the first one stops", async () => {
    await startMember(3); // its signature keeps the quorum while member 0 is gone
    await until("member 3 signs headers", async () => members[3]!.signer.stats.signed > 0, 120_000);
    await stopMember(0);
    const from = (await queryRollup(net.rpc(0), rollupId))!.latestHeight;
    await headerOnMetro(from + 3n);
    assert.ok(members[1]!.signer.stats.submitted > 0, "member 1 submitted them");
  });

  it("burns the bond of a challenge against an honest header, which stays", async () => {
    const height = (await queryRollup(net.rpc(0), rollupId))!.latestHeight;
    const { judged, paid } = await challenge(height);
    assert.equal(judged.outcome, "failed", judged.reason);
    assert.match(judged.reason, /re-execution gives the block the committee signed/);
    assert.equal(paid, MIN_CHALLENGE_BOND, "the bond is gone");
    assert.ok(await queryRollupHeader(net.rpc(0), rollupId, height), "the header stands");
  });

  it("slashes, jails and tombstones a member that signs two headers for one height", async () => {
    const tokens = BigInt((await record(2)).tokens);
    const height = aheadOfSigners();
    misbehaviours[2]!.equivocateAt = height;
    try {
      await until("the equivocating member is jailed", async () => (await record(2)).jailed, 120_000);
    } finally {
      delete misbehaviours[2]!.equivocateAt;
    }
    assert.equal(BigInt((await record(2)).tokens), tokens - tokens / 20n, "5% slashed");
    assert.equal((await record(1)).jailed, false, "the honest members are not");
    await headerOnMetro(height + 2n); // the two members left still make the quorum
  });

  it("proves a wrong state root signed by the committee majority: the signers slashed and jailed, the challenger paid, the header rejected", async () => {
    // Members 1 and 3 sign now (0 stopped, 2 jailed): 2 of the 3 unjailed stakes.
    const liars = [1, 3];
    const tokens = await Promise.all(liars.map(async (m) => BigInt((await record(m)).tokens)));
    const height = aheadOfSigners();
    for (const liar of liars) misbehaviours[liar]!.wrongStateRootAt = height;
    let lie: Awaited<ReturnType<typeof headerOnMetro>>;
    try {
      lie = await headerOnMetro(height);
    } finally {
      for (const liar of liars) delete misbehaviours[liar]!.wrongStateRootAt;
    }
    const executed = await members[1]!.engine.getBlock({ number: height, hash: new Uint8Array() });
    assert.notEqual(toHex(lie.stateRoot), toHex(executed!.stateRoot), "the committee signed a wrong root");

    const { judged, paid } = await challenge(height);
    assert.equal(judged.outcome, "fraud", judged.reason);
    assert.deepEqual(judged.signers, await Promise.all(liars.map(operatorOf)));
    assert.equal(toHex(judged.executedStateRoot), toHex(executed!.stateRoot));
    const after = await Promise.all(liars.map(record));
    let reward = 0n;
    after.forEach((validator, i) => {
      assert.equal(validator.jailed, true, `signer ${i} jailed`);
      const burned = tokens[i]! - BigInt(validator.tokens);
      assert.equal(burned, tokens[i]! / 20n, `signer ${i} slashed 5%`);
      reward += challengerReward(burned);
    });
    assert.equal(-paid, reward, "the challenger keeps its bond and is paid half of what the slashes burned");
    assert.equal(await queryRollupHeader(net.rpc(0), rollupId, height), undefined, "the header is rejected");
    assert.ok((await queryRollup(net.rpc(0), rollupId))!.latestHeight < height);
  });
});
