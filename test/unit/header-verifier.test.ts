import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { NobleBLS } from "@ethereumjs/evm";
import { createAddressFromString, bytesToHex as ejsBytesToHex, hexToBytes } from "@ethereumjs/util";
import { createVM, type VM } from "@ethereumjs/vm";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import {
  type Address,
  decodeErrorResult,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  type Hex,
  toHex,
} from "viem";
import type { StakingEnv } from "../../chain/modules/delegations.js";
import { getRollup, joinCommittee, registerRollup, verifySignedHeader } from "../../chain/modules/rollups.js";
import { getValidator } from "../../chain/modules/staking.js";
import type { StateOverlay } from "../../chain/store/overlay.js";
import {
  encodeHeaderVerify,
  encodeHeaderVerifyFields,
  g1ToEip2537,
  g2ToEip2537,
  headerVerifierDeployData,
  headerVerifierTuple,
  loadArtifact,
  type VerifierMember,
} from "../../contracts/index.js";
import {
  BLS_SIGNATURE_DST,
  blsAggregateSignatures,
  blsFastAggregateVerify,
  blsSign,
} from "../../core/bls.js";
import {
  type RollupHeader,
  rollupHeaderHash,
  type SignedHeader,
  signerBitmap,
} from "../../core/rollup-header.js";
import { memoryState } from "../support/memory-state.js";
import { bondTestValidator, evmRollup, testBlsKeys } from "../support/validators.js";

const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });
const verifierAbi = loadArtifact("RollupHeaderVerifier").abi;
const DEPLOYER: Address = "0x00000000000000000000000000000000000a11ce";
const DENOM = "ulst";
const env: StakingEnv = { height: 1n, timeMs: 1000n, denom: DENOM };

interface CallResult {
  ok: boolean;
  data: Hex;
  gas: bigint;
  created?: Address;
}

async function call(vm: VM, to: Address | undefined, data: Hex): Promise<CallResult> {
  const result = await vm.evm.runCall({
    caller: createAddressFromString(DEPLOYER),
    ...(to === undefined ? {} : { to: createAddressFromString(to) }),
    data: hexToBytes(data),
    gasLimit: 30_000_000n,
  });
  const created = result.createdAddress?.toString() as Address | undefined;
  return {
    ok: result.execResult.exceptionError === undefined,
    data: ejsBytesToHex(result.execResult.returnValue) as Hex,
    gas: result.execResult.executionGasUsed,
    ...(created === undefined ? {} : { created }),
  };
}

async function deploy(vm: VM, data: Hex): Promise<Address> {
  const result = await call(vm, undefined, data);
  assert.ok(result.ok && result.created, `deployment reverted: ${result.data}`);
  return result.created;
}

/** Calls a view and decodes its result; fails the test if it reverts. */
async function read(vm: VM, to: Address, functionName: string, args: readonly unknown[]): Promise<unknown> {
  const result = await call(vm, to, encodeFunctionData({ abi: verifierAbi, functionName, args }));
  assert.ok(result.ok, `${functionName} reverted: ${result.data}`);
  return decodeFunctionResult({ abi: verifierAbi, functionName, data: result.data });
}

/** verify() as the chain would be asked, with its result and the gas it took. */
async function verifyOnEvm(
  vm: VM,
  verifier: Address,
  signed: SignedHeader,
): Promise<{ ok: boolean; gas: bigint }> {
  const data = encodeHeaderVerify(
    rollupHeaderHash(signed.header!),
    signed.aggregateSignature,
    signed.signerBitmap,
  );
  return verifyCall(vm, verifier, data);
}

async function verifyCall(vm: VM, verifier: Address, data: Hex): Promise<{ ok: boolean; gas: bigint }> {
  const result = await call(vm, verifier, data);
  assert.ok(result.ok, `verify reverted: ${result.data}`);
  const ok = decodeFunctionResult({ abi: verifierAbi, functionName: "verify", data: result.data });
  return { ok: ok as boolean, gas: result.gas };
}

/** verify() with the signature given directly in EIP-2537 encoding (for malformed ones). */
const rawVerify = (hash: Uint8Array, signature: Hex, bitmap: Uint8Array): Hex =>
  encodeFunctionData({
    abi: verifierAbi,
    functionName: "verify",
    args: [toHex(hash), signature, toHex(bitmap)],
  });

function header(rollupId: Uint8Array, height: bigint, stateByte = 1): RollupHeader {
  return {
    rollupId,
    rollupHeight: height,
    parentHash: new Uint8Array(32),
    metroHeight: 5n,
    daHeight: 2n,
    dataRoot: new Uint8Array(32).fill(9),
    stateRoot: new Uint8Array(32).fill(stateByte),
    blockHash: new Uint8Array(32).fill(stateByte ^ 0xff),
  };
}

/** Signed the way Metro's committee signs: each member over the header hash, then aggregated. */
function sign(h: RollupHeader, signers: number[], size: number): SignedHeader {
  const hash = rollupHeaderHash(h);
  return {
    header: h,
    aggregateSignature: blsAggregateSignatures(signers.map((i) => blsSign(testBlsKeys(i).secretKey, hash))),
    signerBitmap: signerBitmap(size, signers),
  };
}

/** A Metro chain state with `stakes.length` bonded validators, all in one rollup's committee. */
function chainCommittee(name: string, stakes: bigint[], quorum: string) {
  const state: StateOverlay = memoryState();
  const operators = stakes.map((stake, i) => bondTestValidator(state, i, stake * 1_000_000n, "0.1", env));
  const rollupId = registerRollup(state, operators[0]!, evmRollup(name, quorum));
  for (const operator of operators) joinCommittee(state, operator, rollupId);
  const rollup = getRollup(state, rollupId)!;
  // The snapshot the verifier is deployed with: registered keys and tokens, in committee order.
  const members: VerifierMember[] = rollup.committee.map((operator) => {
    const validator = getValidator(state, operator)!;
    return { publicKey: validator.blsPubkey, stake: BigInt(validator.tokens) };
  });
  const chainAccepts = (signed: SignedHeader): boolean => {
    try {
      verifySignedHeader(state, rollup, signed);
      return true;
    } catch {
      return false;
    }
  };
  return { rollupId, members, chainAccepts };
}

const fieldElement = (v: bigint): string => v.toString(16).padStart(128, "0");

/** An EIP-2537 G1 point on the curve but outside the prime-order subgroup. */
function g1OutsideSubgroup(): Hex {
  const { Fp } = bls12_381.fields;
  for (let x = 1n; ; x++) {
    let y: bigint;
    try {
      y = Fp.sqrt(Fp.add(Fp.mul(Fp.sqr(x), x), 4n));
    } catch {
      continue;
    }
    if (bls12_381.G1.Point.fromAffine({ x, y }).isTorsionFree()) continue;
    return `0x${fieldElement(x)}${fieldElement(y)}`;
  }
}

/** An EIP-2537 G2 point on the curve but outside the prime-order subgroup. */
function g2OutsideSubgroup(): Hex {
  const { Fp2 } = bls12_381.fields;
  const b = Fp2.fromBigTuple([4n, 4n]);
  for (let k = 1n; ; k++) {
    const x = Fp2.fromBigTuple([k, 0n]);
    let y: ReturnType<typeof Fp2.sqrt>;
    try {
      y = Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), b));
    } catch {
      continue;
    }
    if (bls12_381.G2.Point.fromAffine({ x, y }).isTorsionFree()) continue;
    return `0x${fieldElement(x.c0)}${fieldElement(x.c1)}${fieldElement(y.c0)}${fieldElement(y.c1)}`;
  }
}

describe("RollupHeaderVerifier: Metro rollup headers checked on an EVM chain (EIP-2537, Prague)", () => {
  let vm: VM;

  before(async () => {
    vm = await createVM({ common, evmOpts: { bls: new NobleBLS() } });
  });

  it("encodes G1 and G2 points as EIP-2537 does, and hashes to G2 as the signers do", async () => {
    const keys = testBlsKeys(0);
    const g1 = g1ToEip2537(keys.publicKey);
    assert.equal(g1.length, 2 + 256);
    assert.match(g1, /^0x0{32}[0-9a-f]{96}0{32}[0-9a-f]{96}$/);
    assert.equal(g1ToEip2537(bls12_381.G1.Point.ZERO.toBytes(true)), `0x${"0".repeat(256)}`);
    const sig = blsSign(keys.secretKey, new Uint8Array(32).fill(3));
    assert.match(g2ToEip2537(sig), /^0x(0{32}[0-9a-f]{96}){4}$/);
    assert.throws(() => g1ToEip2537(new Uint8Array(47)), RangeError);
    assert.throws(() => g2ToEip2537(new Uint8Array(96).fill(0xff)), RangeError);

    const { members, rollupId } = chainCommittee("evm-enc", [40n, 30n, 20n, 10n], "0.67");
    const verifier = await deploy(vm, headerVerifierDeployData(rollupId, members, "0.67"));
    for (const message of [
      new Uint8Array(32),
      new Uint8Array(32).fill(0xab),
      rollupHeaderHash(header(rollupId, 1n)),
    ]) {
      const expected = bls12_381.G2.hashToCurve(message, { DST: BLS_SIGNATURE_DST });
      const onChain = await read(vm, verifier, "hashToG2", [toHex(message)]);
      assert.equal(onChain, g2ToEip2537(expected.toBytes(true)));
    }
    for (const [i, m] of members.entries()) {
      const [publicKey, stake] = (await read(vm, verifier, "member", [BigInt(i)])) as [Hex, bigint];
      assert.equal(publicKey, g1ToEip2537(m.publicKey!));
      assert.equal(stake, m.stake);
    }
    assert.equal(await read(vm, verifier, "totalStake", []), 100_000_000n);
    assert.equal(await read(vm, verifier, "quorumNumerator", []), 67n);
    assert.equal(await read(vm, verifier, "quorumDenominator", []), 100n);
  });

  it("recomputes Metro's rollup header hash on chain (canonical protobuf, zero fields left out)", async () => {
    const { members, rollupId } = chainCommittee("evm-hash", [40n, 30n, 20n, 10n], "0.67");
    const verifier = await deploy(vm, headerVerifierDeployData(rollupId, members, "0.67"));
    const headers: RollupHeader[] = [
      header(rollupId, 1n),
      { ...header(rollupId, 0n), metroHeight: 0n, daHeight: 0n, parentHash: new Uint8Array(0) },
      {
        ...header(rollupId, (1n << 64n) - 1n),
        metroHeight: (1n << 63n) - 1n,
        daHeight: 300n,
        dataRoot: new Uint8Array(200).fill(7),
      },
      { ...header(rollupId, 2n), metroHeight: -1n },
    ];
    for (const h of headers) {
      assert.equal(
        await read(vm, verifier, "rollupHeaderHash", [headerVerifierTuple(h)]),
        toHex(rollupHeaderHash(h)),
      );
    }
  });

  it("accepts exactly the headers Metro's chain accepts (4 members, stakes 40/30/20/10, quorum 0.67)", async () => {
    const { members, rollupId, chainAccepts } = chainCommittee("evm-4", [40n, 30n, 20n, 10n], "0.67");
    const verifier = await deploy(vm, headerVerifierDeployData(rollupId, members, "0.67"));
    const h = header(rollupId, 1n);
    const hash = rollupHeaderHash(h);

    // 70, 100, 70, 80 and 90 of 100.
    for (const signers of [
      [0, 1],
      [0, 1, 2, 3],
      [0, 2, 3],
      [0, 1, 3],
      [0, 1, 2],
    ]) {
      const signed = sign(h, signers, 4);
      const keys = signers.map((i) => testBlsKeys(i).publicKey);
      assert.equal(chainAccepts(signed), true, `chain accepts ${signers}`);
      assert.equal(blsFastAggregateVerify(signed.aggregateSignature, hash, keys), true);
      assert.equal((await verifyOnEvm(vm, verifier, signed)).ok, true, `EVM accepts ${signers}`);
      const fields = encodeHeaderVerifyFields(h, signed.aggregateSignature, signed.signerBitmap);
      assert.equal((await verifyCall(vm, verifier, fields)).ok, true, `verifyHeader accepts ${signers}`);
    }
    // Below the quorum: 60, 50, 50, 40 and 60 of 100, each properly signed.
    for (const signers of [[1, 2, 3], [0, 3], [1, 2], [0], [0, 2]]) {
      const signed = sign(h, signers, 4);
      assert.equal(chainAccepts(signed), false, `chain refuses ${signers}`);
      assert.equal((await verifyOnEvm(vm, verifier, signed)).ok, false, `EVM refuses ${signers}`);
    }
    // An empty bitmap (no signer at all), with the identity as signature.
    assert.equal(
      (await verifyCall(vm, verifier, rawVerify(hash, `0x${"0".repeat(512)}`, new Uint8Array(1)))).ok,
      false,
    );

    const good = sign(h, [0, 1], 4);
    // A wrong header hash, and verifyHeader with one field changed.
    const other = rollupHeaderHash(header(rollupId, 1n, 2));
    assert.equal(
      (await verifyCall(vm, verifier, encodeHeaderVerify(other, good.aggregateSignature, good.signerBitmap)))
        .ok,
      false,
    );
    const changed = { ...h, daHeight: 3n };
    assert.equal(chainAccepts({ ...good, header: changed }), false);
    assert.equal(
      (
        await verifyCall(
          vm,
          verifier,
          encodeHeaderVerifyFields(changed, good.aggregateSignature, good.signerBitmap),
        )
      ).ok,
      false,
    );
    // The bitmap names a member who did not sign.
    const forged = { ...good, signerBitmap: signerBitmap(4, [0, 1, 2]) };
    assert.equal(chainAccepts(forged), false);
    assert.equal((await verifyOnEvm(vm, verifier, forged)).ok, false);
    // A signer left out of the bitmap.
    const missing = { ...sign(h, [0, 1, 2], 4), signerBitmap: signerBitmap(4, [0, 1]) };
    assert.equal(chainAccepts(missing), false);
    assert.equal((await verifyOnEvm(vm, verifier, missing)).ok, false);
    // Bitmaps of the wrong length, or naming a member past the end.
    for (const bitmap of [new Uint8Array(0), signerBitmap(16, [0, 1]), signerBitmap(8, [0, 1, 5])]) {
      assert.equal(chainAccepts({ ...good, signerBitmap: bitmap }), false);
      assert.equal(
        (await verifyCall(vm, verifier, encodeHeaderVerify(hash, good.aggregateSignature, bitmap))).ok,
        false,
      );
    }

    // Malformed signatures: verify returns false (the pairing precompile fails), it does not revert.
    const eip = g2ToEip2537(good.aggregateSignature);
    const lastByte = Number.parseInt(eip.slice(-2), 16);
    const offCurve = `${eip.slice(0, -2)}${((lastByte + 1) & 0xff).toString(16).padStart(2, "0")}` as Hex;
    const badPadding = `0x01${eip.slice(4)}` as Hex;
    const notReduced = `0x${"0".repeat(32)}${"f".repeat(96)}${eip.slice(130)}` as Hex;
    for (const signature of [
      offCurve,
      badPadding,
      notReduced,
      g2OutsideSubgroup(),
      `0x${eip.slice(4)}` as Hex,
    ]) {
      assert.equal((await verifyCall(vm, verifier, rawVerify(hash, signature, good.signerBitmap))).ok, false);
    }

    // verifyHeader also refuses another rollup's header signed by this committee; verify(hash) alone
    // cannot tell (the caller binds the hash to a header).
    const foreign = { ...h, rollupId: new Uint8Array(32).fill(0xee) };
    const foreignSigned = sign(foreign, [0, 1], 4);
    assert.equal((await verifyOnEvm(vm, verifier, foreignSigned)).ok, true);
    const foreignFields = encodeHeaderVerifyFields(
      foreign,
      foreignSigned.aggregateSignature,
      foreignSigned.signerBitmap,
    );
    assert.equal((await verifyCall(vm, verifier, foreignFields)).ok, false);
  });

  it("applies the chain's quorum rule exactly at the boundary (signed × denominator ≥ numerator × total)", async () => {
    const { members, rollupId, chainAccepts } = chainCommittee("evm-q", [40n, 30n, 20n, 10n], "0.7");
    const verifier = await deploy(vm, headerVerifierDeployData(rollupId, members, "0.7"));
    const h = header(rollupId, 1n);
    for (const [signers, expected] of [
      [[0, 1], true], // exactly 70 of 100
      [[0, 2, 3], true],
      [[1, 2, 3], false], // 60
      [[0, 2], false],
    ] as const) {
      const signed = sign(h, [...signers], 4);
      assert.equal(chainAccepts(signed), expected, `chain on ${signers}`);
      assert.equal((await verifyOnEvm(vm, verifier, signed)).ok, expected, `EVM on ${signers}`);
    }
  });

  it("refuses a bitmap naming a member without stake (jailed or gone when the snapshot was taken)", async () => {
    const rollupId = new Uint8Array(32).fill(1);
    const members: VerifierMember[] = [
      { publicKey: testBlsKeys(0).publicKey, stake: 40n },
      { publicKey: testBlsKeys(1).publicKey, stake: 30n },
      { stake: 0n },
      { publicKey: testBlsKeys(3).publicKey, stake: 0n },
    ];
    const verifier = await deploy(vm, headerVerifierDeployData(rollupId, members, "0.67"));
    assert.equal(await read(vm, verifier, "totalStake", []), 70n);
    const h = header(rollupId, 1n);
    assert.equal((await verifyOnEvm(vm, verifier, sign(h, [0, 1], 4))).ok, true);
    assert.equal((await verifyOnEvm(vm, verifier, sign(h, [0, 1, 3], 4))).ok, false);
    assert.equal((await verifyOnEvm(vm, verifier, sign(h, [0], 4))).ok, false);
  });

  it("refuses the identity as aggregate key (keys that cancel), which would accept the identity as signature", async () => {
    const key = bls12_381.G1.Point.fromBytes(testBlsKeys(0).publicKey);
    const members: VerifierMember[] = [
      { publicKey: key.toBytes(true), stake: 1n },
      { publicKey: key.negate().toBytes(true), stake: 1n },
    ];
    const verifier = await deploy(vm, headerVerifierDeployData(new Uint8Array(32), members, "0.67"));
    const hash = new Uint8Array(32).fill(4);
    const identity = `0x${"0".repeat(512)}` as Hex;
    const both = await verifyCall(vm, verifier, rawVerify(hash, identity, signerBitmap(2, [0, 1])));
    assert.equal(both.ok, false);
  });

  it("refuses to deploy with an invalid key, the identity, or a quorum of at most one half", async () => {
    const rollupId = new Uint8Array(32).fill(2);
    const keys = [0, 1, 2].map((i) => g1ToEip2537(testBlsKeys(i).publicKey));
    const { bytecode } = loadArtifact("RollupHeaderVerifier");
    const deployRaw = async (publicKeys: Hex[], stakes: bigint[], numerator: bigint, denominator: bigint) => {
      const args = [toHex(rollupId), publicKeys, stakes, numerator, denominator] as const;
      const result = await call(vm, undefined, encodeDeployData({ abi: verifierAbi, bytecode, args }));
      if (result.ok) return "deployed";
      const error = decodeErrorResult({ abi: verifierAbi, data: result.data });
      return `${error.errorName}(${(error.args ?? []).join(", ")})`;
    };
    assert.equal(await deployRaw(keys, [1n, 1n, 1n], 2n, 3n), "deployed");
    const offCurve = `${keys[0]!.slice(0, -2)}00` as Hex;
    assert.equal(
      await deployRaw([keys[0]!, offCurve, keys[2]!], [1n, 1n, 1n], 2n, 3n),
      "InvalidPublicKey(1)",
    );
    assert.equal(await deployRaw([keys[0]!, g1OutsideSubgroup()], [1n, 1n], 2n, 3n), "InvalidPublicKey(1)");
    assert.equal(
      await deployRaw([keys[0]!, `0x${"0".repeat(256)}`], [1n, 1n], 2n, 3n),
      "InvalidPublicKey(1)",
    );
    assert.equal(
      await deployRaw([keys[0]!, `0x${"0".repeat(254)}`], [1n, 0n], 2n, 3n),
      "InvalidPublicKey(1)",
    );
    assert.equal(await deployRaw(keys, [1n, 1n, 1n], 1n, 2n), "InvalidQuorum(1, 2)");
    assert.equal(await deployRaw(keys, [1n, 1n, 1n], 3n, 2n), "InvalidQuorum(3, 2)");
    assert.equal(await deployRaw(keys, [1n, 1n, 1n], 0n, 0n), "InvalidQuorum(0, 0)");
    assert.equal(await deployRaw(keys, [1n, 1n], 2n, 3n), "InvalidCommittee(one stake per public key)");
    assert.equal(await deployRaw(keys, [0n, 0n, 0n], 2n, 3n), "InvalidCommittee(no member has stake)");
    assert.equal(await deployRaw(keys, [1n, 1n << 128n, 1n], 2n, 3n), "InvalidStake(1)");
  });

  it("verifies a 100-member committee's headers, from a handful of signers to all of them", async () => {
    const stakes = Array.from({ length: 100 }, (_, i) => BigInt(1 + (i % 10))); // total 550
    const { members, rollupId, chainAccepts } = chainCommittee("evm-100", stakes, "0.67");
    const verifier = await deploy(vm, headerVerifierDeployData(rollupId, members, "0.67"));
    const h = header(rollupId, 7n);
    const all = Array.from({ length: 100 }, (_, i) => i);
    const signatures = new Map(all.map((i) => [i, blsSign(testBlsKeys(i).secretKey, rollupHeaderHash(h))]));
    const signedBy = (signers: number[]): SignedHeader => ({
      header: h,
      aggregateSignature: blsAggregateSignatures(signers.map((i) => signatures.get(i)!)),
      signerBitmap: signerBitmap(100, signers),
    });

    const everyone = signedBy(all);
    assert.equal(chainAccepts(everyone), true);
    const full = await verifyOnEvm(vm, verifier, everyone);
    assert.equal(full.ok, true);
    assert.ok(full.gas < 400_000n, `verify of 100 signers took ${full.gas} gas`);

    // Quorum 0.67 of 550 needs 369. Without the stake-10 members: 390; then without three of
    // stake 9: 363.
    const stakeOf = (signers: number[]) => signers.reduce((sum, i) => sum + stakes[i]!, 0n);
    const enough = all.filter((i) => i % 10 >= 3 && i % 10 !== 9);
    const short = enough.filter((i) => ![8, 18, 28].includes(i));
    assert.deepEqual([stakeOf(enough), stakeOf(short)], [390n, 363n]);
    assert.equal(chainAccepts(signedBy(enough)), true);
    assert.equal((await verifyOnEvm(vm, verifier, signedBy(enough))).ok, true);
    assert.equal(chainAccepts(signedBy(short)), false);
    assert.equal((await verifyOnEvm(vm, verifier, signedBy(short))).ok, false);
    // One member named but not signing.
    const forged = { ...signedBy(all.filter((i) => i !== 42)), signerBitmap: signerBitmap(100, all) };
    assert.equal(chainAccepts(forged), false);
    assert.equal((await verifyOnEvm(vm, verifier, forged)).ok, false);
  });

  it("costs less than 250,000 gas for 4 signers", async () => {
    const { members, rollupId } = chainCommittee("evm-gas", [40n, 30n, 20n, 10n], "0.67");
    const verifier = await deploy(vm, headerVerifierDeployData(rollupId, members, "0.67"));
    const result = await verifyOnEvm(vm, verifier, sign(header(rollupId, 1n), [0, 1, 2, 3], 4));
    assert.equal(result.ok, true);
    assert.ok(result.gas < 250_000n, `verify of 4 signers took ${result.gas} gas`);
  });
});
