import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { hexToBytes } from "viem";
import { endBlock } from "../../chain/app/end-block.js";
import { getBalance, getSupply, mint } from "../../chain/modules/bank.js";
import { CHAIN_ID_KEY } from "../../chain/modules/chain-id.js";
import {
  challengeHeader,
  challengerReward,
  challengesOf,
  MIN_CHALLENGE_BOND,
  recordBlockHash,
} from "../../chain/modules/challenges.js";
import type { StakingEnv } from "../../chain/modules/delegations.js";
import { DEFAULT_PARAMS } from "../../chain/modules/params.js";
import { type Reexecutor, reexecuteOnWorker } from "../../chain/modules/reexecute.js";
import {
  getHeader,
  joinCommittee,
  latestHeight,
  registerRollup,
  submitHeader,
} from "../../chain/modules/rollups.js";
import { getSigningInfo } from "../../chain/modules/slashing.js";
import { consensusAddress, getValidator } from "../../chain/modules/staking.js";
import type { StateOverlay } from "../../chain/store/overlay.js";
import { EvmChain, genesisBlockHash } from "../../conductor/evm/chain.js";
import { EvmStore } from "../../conductor/evm/store.js";
import type { ExecutedBlock } from "../../conductor/execution/api.js";
import { moduleAddress } from "../../core/address.js";
import { blsAggregateSignatures, blsSign } from "../../core/bls.js";
import { utf8 } from "../../core/bytes.js";
import { headerHash } from "../../core/comet/hashes.js";
import { decodeStateWitness, encodeStateWitness } from "../../core/evm/index.js";
import type { MsgChallengeHeader } from "../../core/proto/rollup.js";
import { rollupIdFromName } from "../../core/rollup.js";
import {
  type RollupHeader,
  rollupDataRoot,
  rollupHeaderHash,
  type SignedHeader,
  signerBitmap,
} from "../../core/rollup-header.js";
import {
  type RollupSlice,
  RollupSliceCodec,
  type SequencerBlock,
  sliceForRollup,
} from "../../core/sequencer-block.js";
import { ETHER, ethAccount, testRollupGenesis } from "../support/evm.js";
import { memoryState } from "../support/memory-state.js";
import { CHAIN, signedBlock, validatorSet } from "../support/signed-blocks.js";
import { bondTestValidator, testBlsKeys } from "../support/validators.js";

const DENOM = "ulst";
const PARAMS = { ...DEFAULT_PARAMS, feeDenom: DENOM };
const env: StakingEnv = { height: 1n, timeMs: 1000n, denom: DENOM };
const genesis = testRollupGenesis({ name: "fraud-test" });
const rollupId = rollupIdFromName(genesis.name);
const other = rollupIdFromName("someone-else");
const challenger = moduleAddress("challenger");
const BOND = MIN_CHALLENGE_BOND * 3n;
const WINDOW = 3n;
/** Metro heights of the two rollup blocks; their headers are submitted at SUBMITTED. */
const METRO = [5n, 6n] as const;
const SUBMITTED = 10n;

const transfer = (nonce: number) =>
  ethAccount(0)
    .signTransaction({
      chainId: genesis.chainId,
      type: "eip1559",
      to: ethAccount(1).address,
      value: ETHER,
      nonce,
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
    })
    .then(hexToBytes);

interface RollupBlock {
  metro: SequencerBlock;
  slice: RollupSlice;
  executed: ExecutedBlock;
}

let dir: string;
let store: EvmStore;
let evm: EvmChain;
let genesisHash: Uint8Array;
const blocks: RollupBlock[] = [];

/** Metro blocks 5 and 6, each with two transfers for the rollup (and an item for another), run by the EVM. */
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "metro-challenges-"));
  store = new EvmStore(join(dir, "evm"));
  evm = await EvmChain.open(store, genesis);
  genesisHash = await genesisBlockHash(genesis);
  assert.deepEqual(genesisHash, evm.info.genesisHash, "the registration's genesis hash is the node's");
  let parentHash = genesisHash;
  for (const [i, height] of METRO.entries()) {
    const data = [await transfer(2 * i), await transfer(2 * i + 1)];
    const items = [...data.map((d) => ({ rollupId, data: d })), { rollupId: other, data: utf8("not ours") }];
    const metro = signedBlock({ set: validatorSet(4), height, items });
    const { block: executed } = await evm.executeBlock({
      parentHash,
      transactions: data,
      timestamp: metro.header.time.seconds,
      prices: [],
      sequencerHeight: height,
      sequencerBlockHash: headerHash(metro.header),
    });
    blocks.push({ metro, slice: sliceForRollup(metro, rollupId), executed });
    parentHash = executed.hash;
  }
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Four validators (stakes 40, 30, 20, 10) in the rollup's committee; Metro's blocks 5 and 6 recorded. */
function setup(): { state: StateOverlay; operators: string[] } {
  const state = memoryState();
  state.set(CHAIN_ID_KEY, utf8(CHAIN));
  const operators = [40n, 30n, 20n, 10n].map((stake, i) =>
    bondTestValidator(state, i, stake * 1_000_000n, "0.1", env),
  );
  registerRollup(state, operators[0]!, {
    name: genesis.name,
    quorum: "0.67",
    challengeWindow: WINDOW,
    executionKind: "evm",
    evmChainId: BigInt(genesis.chainId),
    genesisHash,
  });
  for (const operator of operators) joinCommittee(state, operator, rollupId);
  for (const { metro } of blocks) recordBlockHash(state, metro.header.height, headerHash(metro.header));
  mint(state, challenger, DENOM, 100n * MIN_CHALLENGE_BOND);
  return { state, operators };
}

/** The honest header of rollup block `index` (0 or 1), with `changes` applied. */
function honestHeader(
  index: number,
  parentHash: Uint8Array,
  changes: Partial<RollupHeader> = {},
): RollupHeader {
  const { executed } = blocks[index]!;
  return {
    rollupId,
    rollupHeight: BigInt(index + 1),
    parentHash,
    metroHeight: METRO[index]!,
    daHeight: 3n,
    dataRoot: executed.dataHash,
    stateRoot: executed.stateRoot,
    blockHash: executed.hash,
    ...changes,
  };
}

function sign(header: RollupHeader, signers: number[]): SignedHeader {
  const hash = rollupHeaderHash(header);
  return {
    header,
    aggregateSignature: blsAggregateSignatures(signers.map((i) => blsSign(testBlsKeys(i).secretKey, hash))),
    signerBitmap: signerBitmap(4, signers),
  };
}

async function challengeOf(
  index: number,
  changes: Partial<MsgChallengeHeader> = {},
): Promise<MsgChallengeHeader> {
  const { parentHeader, witness } = await evm.fraudProof(blocks[index]!.executed.hash);
  return {
    challenger,
    rollupId,
    rollupHeight: BigInt(index + 1),
    bond: BOND.toString(),
    metroBlock: RollupSliceCodec.encode(blocks[index]!.slice),
    parentHeader,
    witness: encodeStateWitness(witness),
    ...changes,
  };
}

const context = (height: bigint, reexecute: Reexecutor = reexecuteOnWorker) => ({
  height,
  chainId: CHAIN,
  feeDenom: DENOM,
  reexecute,
});

const endOf = (state: StateOverlay, height: bigint) =>
  endBlock(state, { height, timeMs: height * 1000n, decidedLastCommit: undefined, misbehavior: [] }, PARAMS);

describe("fraud challenges against rollup headers (in process, real EVM re-execution)", () => {
  it("fails a challenge of an honest header and burns its bond; the header stays pending", async () => {
    const { state } = setup();
    submitHeader(state, sign(honestHeader(0, new Uint8Array(32)), [0, 1, 2]), SUBMITTED);
    const supply = getSupply(state, DENOM);
    const balance = getBalance(state, challenger, DENOM);
    const challenge = challengeHeader(state, await challengeOf(0), context(SUBMITTED + 1n));
    assert.equal(challenge.outcome, "failed");
    assert.match(challenge.reason, /re-execution gives the block the committee signed/);
    assert.deepEqual(challenge.executedBlockHash, blocks[0]!.executed.hash);
    assert.equal(getBalance(state, challenger, DENOM), balance - BOND);
    assert.equal(getSupply(state, DENOM), supply - BOND);
    assert.equal(getHeader(state, rollupId, 1n)?.final, false);
    assert.deepEqual(
      challengesOf(state, rollupId).map((c) => [c.rollupHeight, c.outcome]),
      [[1n, "failed"]],
    );
  });

  it("proves a wrong state root: signers slashed, jailed and tombstoned, the challenger paid, the header and its descendants rejected", async () => {
    const { state, operators } = setup();
    const wrongRoot = new Uint8Array(32).fill(0xee);
    const lie = honestHeader(0, new Uint8Array(32), { stateRoot: wrongRoot });
    submitHeader(state, sign(lie, [0, 1, 2]), SUBMITTED);
    submitHeader(state, sign(honestHeader(1, rollupHeaderHash(lie)), [0, 1, 2]), SUBMITTED);
    const tokensBefore = operators.map((op) => BigInt(getValidator(state, op)!.tokens));
    const balance = getBalance(state, challenger, DENOM);

    const challenge = challengeHeader(state, await challengeOf(0), context(SUBMITTED + 1n));
    assert.equal(challenge.outcome, "fraud", challenge.reason);
    assert.deepEqual(challenge.signers, operators.slice(0, 3));
    assert.deepEqual(challenge.executedStateRoot, blocks[0]!.executed.stateRoot);
    assert.equal(getHeader(state, rollupId, 1n), undefined, "the fraudulent header is gone");
    assert.equal(getHeader(state, rollupId, 2n), undefined, "and so is its descendant");
    assert.equal(latestHeight(state, rollupId), 0n);
    assert.equal(getBalance(state, challenger, DENOM), balance, "a proven fraud keeps the bond");

    const { events } = endOf(state, SUBMITTED + 1n);
    let paid = 0n;
    operators.forEach((operator, i) => {
      const validator = getValidator(state, operator)!;
      const burned = tokensBefore[i]! - BigInt(validator.tokens);
      if (i === 3) {
        assert.equal(burned, 0n, "the member who did not sign keeps its stake");
        assert.equal(validator.jailed, false);
        return;
      }
      assert.equal(burned, tokensBefore[i]! / 20n, "5%, the double-sign fraction");
      assert.equal(validator.jailed, true);
      assert.equal(getSigningInfo(state, consensusAddress(validator.consensusPubkey))?.tombstoned, true);
      paid += challengerReward(burned);
    });
    assert.equal(getBalance(state, challenger, DENOM), balance + paid);
    assert.ok(paid > 0n);
    assert.equal(events.filter((e) => e.type === "challenge_reward").length, 3);

    // The last honest member alone is now the committee's whole unjailed stake: it resubmits,
    // and the rejected submission's finality entry (due at SUBMITTED + WINDOW) does not apply.
    const resubmitted = SUBMITTED + 2n;
    submitHeader(state, sign(honestHeader(0, new Uint8Array(32)), [3]), resubmitted);
    endOf(state, SUBMITTED + WINDOW);
    assert.equal(getHeader(state, rollupId, 1n)?.final, false, "not final on the old schedule");
    endOf(state, resubmitted + WINDOW);
    assert.equal(getHeader(state, rollupId, 1n)?.final, true);
  });

  it("fails a challenge whose witness leaves out a trie node, and burns its bond", async () => {
    const { state } = setup();
    submitHeader(
      state,
      sign(honestHeader(0, new Uint8Array(32), { stateRoot: new Uint8Array(32).fill(1) }), [0, 1, 2]),
      SUBMITTED,
    );
    const message = await challengeOf(0);
    const witness = decodeStateWitness(message.witness);
    witness.nodes = witness.nodes.slice(1);
    const balance = getBalance(state, challenger, DENOM);
    const challenge = challengeHeader(
      state,
      { ...message, witness: encodeStateWitness(witness) },
      context(SUBMITTED + 1n),
    );
    assert.equal(challenge.outcome, "failed");
    assert.match(challenge.reason, /witness/i);
    assert.equal(getBalance(state, challenger, DENOM), balance - BOND);
    assert.ok(getHeader(state, rollupId, 1n), "the header stands");

    const garbage = challengeHeader(
      state,
      { ...message, witness: Uint8Array.of(1, 2, 3) },
      context(SUBMITTED + 1n),
    );
    assert.equal(garbage.outcome, "failed");
    assert.match(garbage.reason, /malformed witness/);
    assert.equal(getBalance(state, challenger, DENOM), balance - 2n * BOND);
  });

  it("proves a data root that is not the hash of Metro's items without re-executing", async () => {
    const { state } = setup();
    const wrongData = rollupDataRoot([utf8("something else")]);
    submitHeader(
      state,
      sign(honestHeader(0, new Uint8Array(32), { dataRoot: wrongData }), [0, 1, 2]),
      SUBMITTED,
    );
    const refuse: Reexecutor = () => assert.fail("no re-execution is needed");
    const challenge = challengeHeader(state, await challengeOf(0), context(SUBMITTED + 1n, refuse));
    assert.equal(challenge.outcome, "fraud");
    assert.match(challenge.reason, /data root/);
  });

  it("refuses challenges it cannot judge, and changes nothing", async () => {
    const { state } = setup();
    submitHeader(state, sign(honestHeader(0, new Uint8Array(32)), [0, 1, 2]), SUBMITTED);
    const message = await challengeOf(0);
    const never: Reexecutor = () => assert.fail("a refused challenge is never re-executed");
    const at = context(SUBMITTED + 1n, never);
    const otherBlock = sliceForRollup(
      signedBlock({ set: validatorSet(4), height: METRO[0], items: [] }),
      rollupId,
    );
    const cases: [Partial<MsgChallengeHeader>, RegExp, bigint?][] = [
      [{}, /window of rollup height 1 closed at height 13/, SUBMITTED + WINDOW],
      [{ rollupHeight: 2n }, /no header at rollup height 2/],
      [{ bond: (MIN_CHALLENGE_BOND - 1n).toString() }, /below the minimum/],
      [{ bond: (1000n * MIN_CHALLENGE_BOND).toString() }, /exceeds the challenger's balance/],
      [{ bond: "-5" }, /not an amount/],
      [{ metroBlock: RollupSliceCodec.encode(otherBlock) }, /not the block this chain recorded/],
      [{ metroBlock: RollupSliceCodec.encode(blocks[1]!.slice) }, /not the block this chain recorded/],
      [{ metroBlock: Uint8Array.of(1, 2, 3) }, /does not decode/],
      [{ parentHeader: (await evm.fraudProof(blocks[1]!.executed.hash)).parentHeader }, /parent header/],
    ];
    const balance = getBalance(state, challenger, DENOM);
    for (const [changes, error, height] of cases) {
      assert.throws(
        () => challengeHeader(state, { ...message, ...changes }, { ...at, height: height ?? at.height }),
        error,
      );
    }
    assert.equal(getBalance(state, challenger, DENOM), balance);
    assert.equal(getHeader(state, rollupId, 1n)?.final, false);
    assert.deepEqual(challengesOf(state, rollupId), []);
  });

  it("refuses a challenge against a rollup Metro cannot re-execute, pointing to governance", () => {
    const state = memoryStateWithChain();
    const id = registerRollup(state, "x", {
      name: "headers-only",
      quorum: "0.67",
      challengeWindow: WINDOW,
      executionKind: "none",
      evmChainId: 0n,
      genesisHash: new Uint8Array(),
    });
    assert.throws(
      () =>
        challengeHeader(
          state,
          {
            challenger,
            rollupId: id,
            rollupHeight: 1n,
            bond: BOND.toString(),
            metroBlock: new Uint8Array(),
            parentHeader: new Uint8Array(),
            witness: new Uint8Array(),
          },
          context(5n),
        ),
      /governance slash proposal/,
    );
  });
});

function memoryStateWithChain(): StateOverlay {
  const state = memoryState();
  state.set(CHAIN_ID_KEY, utf8(CHAIN));
  return state;
}
