import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { endBlock } from "../../chain/app/end-block.js";
import type { StakingEnv } from "../../chain/modules/delegations.js";
import { DEFAULT_PARAMS } from "../../chain/modules/params.js";
import {
  getHeader,
  joinCommittee,
  registerRollup,
  submitEquivocation,
  submitHeader,
} from "../../chain/modules/rollups.js";
import { getSigningInfo } from "../../chain/modules/slashing.js";
import { consensusAddress, getValidator } from "../../chain/modules/staking.js";
import type { StateOverlay } from "../../chain/store/overlay.js";
import { blsAggregateSignatures, blsSign } from "../../core/bls.js";
import {
  type RollupHeader,
  rollupHeaderHash,
  type SignedHeader,
  signerBitmap,
} from "../../core/rollup-header.js";
import { memoryState } from "../support/memory-state.js";
import { bondTestValidator, evmRollup, testBlsKeys } from "../support/validators.js";

const DENOM = "ulst";
const env: StakingEnv = { height: 1n, timeMs: 1000n, denom: DENOM };

/** Four validators with stakes 40, 30, 20 and 10, all in rollup "evm-1"'s committee (window 3). */
function setup(): { state: StateOverlay; operators: string[]; rollupId: Uint8Array } {
  const state = memoryState();
  const operators = [40n, 30n, 20n, 10n].map((stake, i) =>
    bondTestValidator(state, i, stake * 1_000_000n, "0.1", env),
  );
  const rollupId = registerRollup(state, operators[0]!, evmRollup("evm-1"));
  for (const operator of operators) joinCommittee(state, operator, rollupId);
  return { state, operators, rollupId };
}

function header(rollupId: Uint8Array, height: bigint, parentHash: Uint8Array, stateByte = 1): RollupHeader {
  return {
    rollupId,
    rollupHeight: height,
    parentHash,
    metroHeight: 5n,
    daHeight: 2n,
    dataRoot: new Uint8Array(32).fill(9),
    stateRoot: new Uint8Array(32).fill(stateByte),
    blockHash: new Uint8Array(32).fill(stateByte ^ 0xff),
  };
}

function sign(h: RollupHeader, signers: number[], size = 4): SignedHeader {
  const hash = rollupHeaderHash(h);
  return {
    header: h,
    aggregateSignature: blsAggregateSignatures(signers.map((i) => blsSign(testBlsKeys(i).secretKey, hash))),
    signerBitmap: signerBitmap(size, signers),
  };
}

const endOf = (state: StateOverlay, height: bigint) =>
  endBlock(
    state,
    { height, timeMs: height * 1000n, decidedLastCommit: undefined, misbehavior: [] },
    { ...DEFAULT_PARAMS, feeDenom: DENOM },
  );

describe("rollup headers signed by a BLS committee (in process)", () => {
  it("keeps a quorum-signed header pending through the challenge window, then makes it final", () => {
    const { state, rollupId } = setup();
    const first = header(rollupId, 1n, new Uint8Array(32));
    submitHeader(state, sign(first, [0, 1]), 10n); // 70 of 100: over 0.67
    assert.equal(getHeader(state, rollupId, 1n)?.final, false);
    endOf(state, 12n);
    assert.equal(getHeader(state, rollupId, 1n)?.final, false, "still in the window");
    endOf(state, 13n);
    assert.equal(getHeader(state, rollupId, 1n)?.final, true);
    const second = header(rollupId, 2n, rollupHeaderHash(first));
    submitHeader(state, sign(second, [0, 2, 3]), 14n);
    assert.equal(getHeader(state, rollupId, 2n)?.final, false);
  });

  it("refuses bad signatures, a bitmap below quorum, non-members, broken chains and unknown rollups", () => {
    const { state, rollupId } = setup();
    const h = header(rollupId, 1n, new Uint8Array(32));
    assert.throws(() => submitHeader(state, sign(h, [1, 2]), 10n), /below the quorum/);
    const forged = { ...sign(h, [0, 1]), signerBitmap: signerBitmap(4, [0, 1, 2]) };
    assert.throws(() => submitHeader(state, forged, 10n), /does not verify/);
    assert.throws(
      () => submitHeader(state, sign(h, [0, 1, 5], 8), 10n),
      /bitmap is 1 bytes|not in the committee/,
    );
    assert.throws(
      () => submitHeader(state, sign(header(rollupId, 2n, new Uint8Array(32)), [0, 1]), 10n),
      /expected rollup height 1/,
    );
    assert.throws(
      () => submitHeader(state, sign(header(rollupId, 1n, new Uint8Array(32).fill(1)), [0, 1]), 10n),
      /parent hash/,
    );
    assert.throws(
      () => submitHeader(state, sign(header(new Uint8Array(32), 1n, new Uint8Array(32)), [0, 1]), 10n),
      /not registered/,
    );
    assert.throws(() => registerRollup(state, "x", evmRollup("evm-1")), /already registered/);
    assert.throws(() => registerRollup(state, "x", evmRollup("evm-2", "0.4")), /more than 0.5/);
    assert.equal(getHeader(state, rollupId, 1n), undefined, "nothing stored");
  });

  it("slashes, jails and tombstones every member who signed two headers for one height, with or without a quorum, and only them", () => {
    const { state, operators, rollupId } = setup();
    const honest = header(rollupId, 1n, new Uint8Array(32), 1);
    const lie = header(rollupId, 1n, new Uint8Array(32), 2);
    assert.throws(() => submitEquivocation(state, sign(honest, [0, 1]), sign(honest, [0, 1])), /same header/);
    assert.throws(
      () => submitEquivocation(state, sign(honest, [0, 1]), sign(lie, [2, 3])),
      /no committee member signed both/,
    );
    const forged = { ...sign(lie, [3]), aggregateSignature: sign(lie, [2]).aggregateSignature };
    assert.throws(() => submitEquivocation(state, sign(honest, [3]), forged), /does not verify/);
    const tokens = operators.map((op) => BigInt(getValidator(state, op)!.tokens));
    const both = submitEquivocation(state, sign(honest, [0, 1, 2]), sign(lie, [0, 1]));
    assert.deepEqual(both, [operators[0], operators[1]]);
    // No quorum is needed to equivocate: one member's two signatures are evidence enough.
    assert.deepEqual(submitEquivocation(state, sign(honest, [3]), sign(lie, [3])), [operators[3]]);
    endOf(state, 20n);
    for (const [i, operator] of operators.entries()) {
      const validator = getValidator(state, operator)!;
      const punished = i !== 2;
      assert.equal(validator.jailed, punished, `validator ${i} jailed`);
      assert.equal(BigInt(validator.tokens), punished ? tokens[i]! - tokens[i]! / 20n : tokens[i]!);
      assert.equal(
        getSigningInfo(state, consensusAddress(validator.consensusPubkey))?.tombstoned ?? false,
        punished,
      );
    }
  });
});
