import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { createBlock } from "@ethereumjs/block";
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { Account, createAddressFromString, bytesToHex as ejsBytesToHex, hexToBytes } from "@ethereumjs/util";
import { createVM, type VM } from "@ethereumjs/vm";
import {
  type Abi,
  type Address,
  decodeErrorResult,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  type Hex,
  parseEther,
} from "viem";
import {
  encodeOracleUpdate,
  feedAddress,
  loadArtifact,
  ORACLE_ADDRESS,
  type OraclePrice,
  oracleGenesisCode,
  SYSTEM_ADDRESS,
} from "../../contracts/index.js";

const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun });
const oracleAbi = loadArtifact("MetroOracle").abi;
const feedAbi = loadArtifact("MetroPriceFeed").abi;
const market = loadArtifact("LendingMarket");

const ALICE: Address = "0x00000000000000000000000000000000000a11ce";
const BOB: Address = "0x0000000000000000000000000000000000000b0b";
const T0 = 1_700_000_000n;

interface CallResult {
  ok: boolean;
  data: Hex;
  gas: bigint;
  created?: Address;
}

interface CallOptions {
  from?: Address;
  value?: bigint;
  timestamp?: bigint;
}

async function freshVm(): Promise<VM> {
  const vm = await createVM({ common });
  await vm.stateManager.putCode(createAddressFromString(ORACLE_ADDRESS), hexToBytes(oracleGenesisCode()));
  for (const who of [ALICE, BOB]) {
    await vm.stateManager.putAccount(createAddressFromString(who), new Account(0n, parseEther("1000")));
  }
  return vm;
}

async function call(vm: VM, to: Address | undefined, data: Hex, opts: CallOptions = {}): Promise<CallResult> {
  const block =
    opts.timestamp === undefined
      ? undefined
      : createBlock({ header: { timestamp: opts.timestamp } }, { common });
  const result = await vm.evm.runCall({
    caller: createAddressFromString(opts.from ?? ALICE),
    ...(to === undefined ? {} : { to: createAddressFromString(to) }),
    data: hexToBytes(data),
    value: opts.value ?? 0n,
    gasLimit: 30_000_000n,
    ...(block === undefined ? {} : { block }),
  });
  const created = result.createdAddress?.toString() as Address | undefined;
  return {
    ok: result.execResult.exceptionError === undefined,
    data: ejsBytesToHex(result.execResult.returnValue) as Hex,
    gas: result.execResult.executionGasUsed,
    ...(created === undefined ? {} : { created }),
  };
}

/** Calls a function and decodes its result; fails the test if it reverts. */
async function read(
  vm: VM,
  abi: Abi,
  to: Address,
  functionName: string,
  args: readonly unknown[] = [],
  opts: CallOptions = {},
): Promise<unknown> {
  const result = await call(vm, to, encodeFunctionData({ abi, functionName, args }), opts);
  assert.ok(result.ok, `${functionName} reverted: ${result.data}`);
  return decodeFunctionResult({ abi, functionName, data: result.data });
}

/** Sends a call that must revert, and returns the decoded error name and arguments. */
async function reverts(
  vm: VM,
  abi: Abi,
  to: Address,
  functionName: string,
  args: readonly unknown[] = [],
  opts: CallOptions = {},
): Promise<{ errorName: string; args: readonly unknown[] }> {
  const result = await call(vm, to, encodeFunctionData({ abi, functionName, args }), opts);
  assert.equal(result.ok, false, `${functionName} should have reverted`);
  const decoded = decodeErrorResult({ abi, data: result.data });
  return { errorName: decoded.errorName, args: decoded.args ?? [] };
}

async function systemUpdate(
  vm: VM,
  height: bigint,
  timestamp: bigint,
  prices: OraclePrice[],
): Promise<CallResult> {
  const result = await call(vm, ORACLE_ADDRESS, encodeOracleUpdate(height, timestamp, prices), {
    from: SYSTEM_ADDRESS,
  });
  assert.ok(result.ok, `system update at height ${height} reverted: ${result.data}`);
  return result;
}

type RoundData = readonly [bigint, bigint, bigint, bigint, bigint];

const tia = (answer: bigint): OraclePrice => ({ pair: "TIA/USD", decimals: 8, answer });
const eth = (answer: bigint): OraclePrice => ({ pair: "ETH/USD", decimals: 8, answer });
const sttia = (answer: bigint): OraclePrice => ({ pair: "STTIA/TIA", decimals: 18, answer });

describe("MetroOracle", () => {
  let vm: VM;

  before(async () => {
    vm = await freshVm();
    await systemUpdate(vm, 10n, T0, [tia(512_345_678n), eth(300_000_000_000n)]);
    await systemUpdate(vm, 11n, T0 + 6n, [tia(498_000_000n), eth(301_000_000_000n)]);
  });

  it("lives at the address spelling MetroOracle", () => {
    assert.equal(ORACLE_ADDRESS, `0x${Buffer.from("MetroOracle").toString("hex").padEnd(40, "0")}`);
  });

  it("deploys one feed per pair at the CREATE2 address computed in TypeScript and in Solidity", async () => {
    for (const pair of ["TIA/USD", "ETH/USD"]) {
      const deployed = await read(vm, oracleAbi, ORACLE_ADDRESS, "feed", [pair]);
      assert.equal(deployed, feedAddress(pair));
      assert.equal(await read(vm, oracleAbi, ORACLE_ADDRESS, "feedAddress", [pair]), feedAddress(pair));
      const code = await vm.stateManager.getCode(createAddressFromString(feedAddress(pair)));
      assert.ok(code.length > 0);
    }
    assert.notEqual(feedAddress("TIA/USD"), feedAddress("ETH/USD"));
    assert.equal(
      await read(vm, oracleAbi, ORACLE_ADDRESS, "feed", ["BTC/USD"]),
      "0x0000000000000000000000000000000000000000",
    );
    // encodeOracleUpdate sorts by pair id, so ETH/USD was created first.
    assert.deepEqual(await read(vm, oracleAbi, ORACLE_ADDRESS, "pairs"), ["ETH/USD", "TIA/USD"]);
  });

  it("serves Chainlink AggregatorV3 data, every round kept, unknown rounds reverting", async () => {
    const feed = feedAddress("TIA/USD");
    assert.equal(await read(vm, feedAbi, feed, "decimals"), 8);
    assert.equal(await read(vm, feedAbi, feed, "description"), "TIA/USD");
    assert.equal(await read(vm, feedAbi, feed, "version"), 1n);
    assert.deepEqual(await read(vm, feedAbi, feed, "latestRoundData"), [
      11n,
      498_000_000n,
      T0 + 6n,
      T0 + 6n,
      11n,
    ]);
    assert.deepEqual(await read(vm, feedAbi, feed, "getRoundData", [10n]), [10n, 512_345_678n, T0, T0, 10n]);
    for (const round of [0n, 9n, 12n]) {
      const failure = await reverts(vm, feedAbi, feed, "getRoundData", [round]);
      assert.deepEqual(failure, { errorName: "Error", args: ["No data present"] });
    }
    const ethRound = (await read(vm, feedAbi, feedAddress("ETH/USD"), "latestRoundData")) as RoundData;
    assert.equal(ethRound[1], 301_000_000_000n);
  });

  it("only lets SYSTEM_ADDRESS update, and only the oracle write a feed", async () => {
    const data = encodeOracleUpdate(12n, T0 + 12n, [tia(1n)]);
    const failed = await call(vm, ORACLE_ADDRESS, data, { from: ALICE });
    assert.equal(failed.ok, false);
    assert.equal(decodeErrorResult({ abi: oracleAbi, data: failed.data }).errorName, "NotSystem");
    const direct = await reverts(vm, feedAbi, feedAddress("TIA/USD"), "record", [12n, 1n, T0 + 12n]);
    assert.equal(direct.errorName, "NotOracle");
    const reinit = await reverts(vm, feedAbi, feedAddress("TIA/USD"), "initialize", ["TIA/USD", 18]);
    assert.equal(reinit.errorName, "NotOracle");
    const latest = (await read(vm, feedAbi, feedAddress("TIA/USD"), "latestRoundData")) as RoundData;
    assert.equal(latest[0], 11n);
  });

  it("skips repeated or older heights (and a zero timestamp) without reverting or overwriting", async () => {
    await systemUpdate(vm, 11n, T0 + 7n, [tia(1n), eth(2n)]);
    await systemUpdate(vm, 5n, T0 + 8n, [tia(3n)]);
    await systemUpdate(vm, 20n, 0n, [tia(4n)]);
    const feed = feedAddress("TIA/USD");
    assert.deepEqual(await read(vm, feedAbi, feed, "latestRoundData"), [
      11n,
      498_000_000n,
      T0 + 6n,
      T0 + 6n,
      11n,
    ]);
    await reverts(vm, feedAbi, feed, "getRoundData", [5n]);
    await reverts(vm, feedAbi, feed, "getRoundData", [20n]);
  });

  it("adds new pairs later and rescales a pair reported with other decimals", async () => {
    // TIA/USD now arrives with 10 decimals: stored with the feed's 8, truncated.
    await systemUpdate(vm, 12n, T0 + 12n, [
      { pair: "TIA/USD", decimals: 10, answer: 51_234_567_891n },
      sttia(1_050_000_000_000_000_000n),
    ]);
    assert.deepEqual(await read(vm, feedAbi, feedAddress("TIA/USD"), "latestRoundData"), [
      12n,
      512_345_678n,
      T0 + 12n,
      T0 + 12n,
      12n,
    ]);
    assert.equal(await read(vm, oracleAbi, ORACLE_ADDRESS, "feed", ["STTIA/TIA"]), feedAddress("STTIA/TIA"));
    assert.equal(await read(vm, feedAbi, feedAddress("STTIA/TIA"), "decimals"), 18);
    assert.deepEqual(await read(vm, oracleAbi, ORACLE_ADDRESS, "pairs"), ["ETH/USD", "TIA/USD", "STTIA/TIA"]);
    // An answer that cannot fit the feed's int192 storage is skipped, not stored.
    await systemUpdate(vm, 13n, T0 + 18n, [tia(1n << 200n)]);
    const latest = (await read(vm, feedAbi, feedAddress("TIA/USD"), "latestRoundData")) as RoundData;
    assert.equal(latest[0], 12n);
  });

  it("updates three existing pairs in well under 150k gas", async () => {
    const steady = await systemUpdate(vm, 14n, T0 + 24n, [
      tia(500_000_000n),
      eth(300_500_000_000n),
      sttia(10n ** 18n),
    ]);
    assert.ok(steady.gas > 0n && steady.gas < 150_000n, `gas ${steady.gas}`);
    const latest = (await read(vm, feedAbi, feedAddress("STTIA/TIA"), "latestRoundData")) as RoundData;
    assert.deepEqual(latest, [14n, 10n ** 18n, T0 + 24n, T0 + 24n, 14n]);
  });
});

describe("encodeOracleUpdate", () => {
  it("is independent of the input order and rejects what the ABI cannot carry", () => {
    const a = encodeOracleUpdate(7n, T0, [tia(1n), eth(2n), sttia(3n)]);
    const b = encodeOracleUpdate(7n, T0, [sttia(3n), tia(1n), eth(2n)]);
    assert.equal(a, b);
    assert.throws(() => encodeOracleUpdate(7n, T0, [tia(1n), tia(2n)]), RangeError);
    assert.throws(() => encodeOracleUpdate(-1n, T0, []), RangeError);
    assert.throws(() => encodeOracleUpdate(1n, 1n << 64n, []), RangeError);
    assert.throws(() => encodeOracleUpdate(1n, T0, [{ pair: "X/Y", decimals: 256, answer: 1n }]), RangeError);
    assert.throws(
      () => encodeOracleUpdate(1n, T0, [{ pair: "X/Y", decimals: 8, answer: 1n << 255n }]),
      RangeError,
    );
  });
});

describe("LendingMarket on a Metro feed", () => {
  let vm: VM;
  let lending: Address;
  const ETH_USD_3000 = 300_000_000_000n; // 8 decimals
  const ETH_USD_2400 = 240_000_000_000n;
  const at = (seconds: bigint): CallOptions => ({ timestamp: T0 + seconds });
  const send = async (
    functionName: string,
    args: readonly unknown[],
    opts: CallOptions,
  ): Promise<CallResult> =>
    call(vm, lending, encodeFunctionData({ abi: market.abi, functionName, args }), opts);
  const balance = async (who: Address): Promise<bigint> =>
    (await vm.stateManager.getAccount(createAddressFromString(who)))?.balance ?? 0n;

  before(async () => {
    vm = await freshVm();
    await systemUpdate(vm, 100n, T0, [eth(ETH_USD_3000)]);
    const deploy = encodeDeployData({
      abi: market.abi,
      bytecode: market.bytecode,
      args: [feedAddress("ETH/USD")],
    });
    const created = await call(vm, undefined, deploy, at(1n));
    assert.ok(created.ok && created.created, `deployment failed: ${created.data}`);
    lending = created.created;
  });

  it("lends up to the collateral factor, then liquidates after a price drop", async () => {
    assert.ok((await send("deposit", [], { ...at(2n), from: ALICE, value: parseEther("1") })).ok);
    assert.equal(await read(vm, market.abi, lending, "borrowLimit", [ALICE], at(2n)), parseEther("2250"));
    assert.ok((await send("borrow", [parseEther("2000")], { ...at(3n), from: ALICE })).ok);
    assert.equal(await read(vm, market.abi, lending, "balanceOf", [ALICE]), parseEther("2000"));
    const tooMuch = await reverts(vm, market.abi, lending, "borrow", [parseEther("300")], {
      ...at(3n),
      from: ALICE,
    });
    assert.equal(tooMuch.errorName, "ExceedsBorrowLimit");
    assert.equal(await read(vm, market.abi, lending, "debt", [ALICE]), parseEther("2000"));

    // Bob gets mUSD the same way, with plenty of collateral.
    assert.ok((await send("deposit", [], { ...at(4n), from: BOB, value: parseEther("10") })).ok);
    assert.ok((await send("borrow", [parseEther("2000")], { ...at(4n), from: BOB })).ok);
    const healthy = await reverts(vm, market.abi, lending, "liquidate", [ALICE], { ...at(5n), from: BOB });
    assert.equal(healthy.errorName, "NotLiquidatable");

    // ETH falls to 2400: Alice's 2000 debt is above 80% of 2400.
    await systemUpdate(vm, 101n, T0 + 6n, [eth(ETH_USD_2400)]);
    assert.equal(await read(vm, market.abi, lending, "isLiquidatable", [ALICE], at(7n)), true);
    const bobBefore = await balance(BOB);
    const liquidated = await send("liquidate", [ALICE], { ...at(7n), from: BOB });
    assert.ok(liquidated.ok, `liquidation failed: ${liquidated.data}`);
    // Seized: 2000 USD * 1.05 / 2400 USD per ETH = 0.875 ETH.
    assert.equal((await balance(BOB)) - bobBefore, parseEther("0.875"));
    assert.equal(await read(vm, market.abi, lending, "debt", [ALICE]), 0n);
    assert.equal(await read(vm, market.abi, lending, "collateral", [ALICE]), parseEther("0.125"));
    assert.equal(await read(vm, market.abi, lending, "balanceOf", [BOB]), 0n);
    assert.equal(await read(vm, market.abi, lending, "totalSupply"), parseEther("2000"));
  });

  it("rejects stale and non-positive prices", async () => {
    const stale = await reverts(vm, market.abi, lending, "borrow", [1n], {
      timestamp: T0 + 6n + 3601n,
      from: BOB,
    });
    assert.equal(stale.errorName, "StalePrice");
    await systemUpdate(vm, 102n, T0 + 20n, [eth(0n)]);
    const zero = await reverts(vm, market.abi, lending, "borrow", [1n], { ...at(21n), from: BOB });
    assert.equal(zero.errorName, "InvalidPrice");
    await systemUpdate(vm, 103n, T0 + 30n, [eth(ETH_USD_3000)]);
    assert.ok((await send("borrow", [1n], { ...at(31n), from: BOB })).ok);
  });
});
