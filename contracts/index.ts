/**
 * The Solidity side of "prices on every rollup": the MetroOracle predeploy, its per-pair Chainlink
 * AggregatorV3 feeds, and the helpers an execution node needs to place and update it.
 *
 * Artifacts are compiled by `scripts/compile-contracts.mjs` (part of `npm run build`) into
 * `dist/contracts/artifacts.json`, next to this module once compiled.
 */
import { readFileSync } from "node:fs";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import {
  type Abi,
  type Address,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  type Hex,
  keccak256,
  toBytes,
  toHex,
} from "viem";
import { parseUnitFraction } from "../core/decimal.js";
import type { RollupHeader } from "../core/rollup-header.js";

/** Where MetroOracle lives on every rollup: "MetroOracle" in ASCII, right-padded with zeros. */
export const ORACLE_ADDRESS: Address = "0x4d6574726f4f7261636c65000000000000000000";

/** The caller of the oracle's system call (as in EIP-4788). */
export const SYSTEM_ADDRESS: Address = "0xfffffffffffffffffffffffffffffffffffffffe";

export type ContractName = "MetroOracle" | "MetroPriceFeed" | "LendingMarket" | "RollupHeaderVerifier";

export interface ContractArtifact {
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
}

/** The compiled artifacts are missing or malformed (run `npm run build`). */
export class ContractArtifactError extends Error {
  override readonly name = "ContractArtifactError";
}

/** One price as Metro agreed on it: a fixed-point integer with `decimals` decimals. */
export interface OraclePrice {
  pair: string;
  decimals: number;
  answer: bigint;
}

const ARTIFACTS_URL = new URL("./artifacts.json", import.meta.url);
let artifactsCache: Record<string, unknown> | undefined;

function readArtifacts(): Record<string, unknown> {
  if (artifactsCache) return artifactsCache;
  let text: string;
  try {
    text = readFileSync(ARTIFACTS_URL, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ContractArtifactError(
      `contract artifacts not found at ${ARTIFACTS_URL.pathname} (run npm run build): ${reason}`,
    );
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ContractArtifactError(
      `${ARTIFACTS_URL.pathname} is not an artifacts object (run npm run build)`,
    );
  }
  artifactsCache = parsed as Record<string, unknown>;
  return artifactsCache;
}

const isHex = (value: unknown): value is Hex =>
  typeof value === "string" && /^0x([0-9a-f]{2})*$/i.test(value);

/** Checked artifacts: the oracle's ABI is needed for every rollup block, the check once. */
const checkedArtifacts = new Map<ContractName, ContractArtifact>();

/** The ABI and code of a compiled contract. Throws ContractArtifactError if it was not built. */
export function loadArtifact(name: ContractName): ContractArtifact {
  const checked = checkedArtifacts.get(name);
  if (checked) return checked;
  const entry = readArtifacts()[name];
  if (typeof entry !== "object" || entry === null) {
    throw new ContractArtifactError(
      `no artifact for ${name} in ${ARTIFACTS_URL.pathname} (run npm run build)`,
    );
  }
  const { abi, bytecode, deployedBytecode } = entry as Record<string, unknown>;
  if (!Array.isArray(abi) || !isHex(bytecode) || !isHex(deployedBytecode) || bytecode === "0x") {
    throw new ContractArtifactError(`malformed artifact for ${name} in ${ARTIFACTS_URL.pathname}`);
  }
  const artifact: ContractArtifact = { abi: abi as Abi, bytecode, deployedBytecode };
  checkedArtifacts.set(name, artifact);
  return artifact;
}

/** MetroOracle's runtime code, to place at ORACLE_ADDRESS in a rollup's genesis (empty storage). */
export function oracleGenesisCode(): Hex {
  return loadArtifact("MetroOracle").deployedBytecode;
}

const UINT64_MAX = (1n << 64n) - 1n;
const INT256_MAX = (1n << 255n) - 1n;
const INT256_MIN = -(1n << 255n);

/**
 * Calldata of `MetroOracle.update(metroHeight, timestamp, prices)`, prices sorted by pair id so every
 * node produces the same bytes. Throws RangeError on values the ABI cannot carry or a repeated pair.
 */
export function encodeOracleUpdate(
  metroHeight: bigint,
  timestamp: bigint,
  prices: readonly OraclePrice[],
): Hex {
  if (metroHeight < 0n || metroHeight > UINT64_MAX)
    throw new RangeError(`metro height ${metroHeight} is not a uint64`);
  if (timestamp < 0n || timestamp > UINT64_MAX)
    throw new RangeError(`timestamp ${timestamp} is not a uint64`);
  const sorted = [...prices].sort((a, b) => (a.pair < b.pair ? -1 : a.pair > b.pair ? 1 : 0));
  for (const [i, price] of sorted.entries()) {
    if (!Number.isInteger(price.decimals) || price.decimals < 0 || price.decimals > 255) {
      throw new RangeError(`${price.pair}: decimals ${price.decimals} is not a uint8`);
    }
    if (price.answer < INT256_MIN || price.answer > INT256_MAX) {
      throw new RangeError(`${price.pair}: answer ${price.answer} is not an int256`);
    }
    if (i > 0 && sorted[i - 1]!.pair === price.pair) throw new RangeError(`pair ${price.pair} appears twice`);
  }
  return encodeFunctionData({
    abi: loadArtifact("MetroOracle").abi,
    functionName: "update",
    args: [
      metroHeight,
      timestamp,
      sorted.map((p) => ({ pair: p.pair, decimals: p.decimals, answer: p.answer })),
    ],
  });
}

/** The address of a pair's MetroPriceFeed (CREATE2 by the oracle), whether deployed yet or not. */
export function feedAddress(pair: string): Address {
  return getContractAddress({
    opcode: "CREATE2",
    from: ORACLE_ADDRESS,
    salt: keccak256(toBytes(pair)),
    bytecode: loadArtifact("MetroPriceFeed").bytecode,
  });
}

// ---------------------------------------------------------------------------------------------
// Rollup headers on EVM chains: RollupHeaderVerifier and the EIP-2537 encodings it takes.

/** An EIP-2537 field element: 64 bytes, big-endian, the top 16 zero. */
const fieldElement = (value: bigint): string => value.toString(16).padStart(128, "0");

/**
 * A compressed G1 point (48 bytes, as Metro's BLS public keys are) in EIP-2537 encoding: 128 bytes,
 * x then y. The identity becomes 128 zero bytes. Throws RangeError if the bytes are not a valid
 * point in the prime-order subgroup.
 */
export function g1ToEip2537(compressed48: Uint8Array): Hex {
  if (compressed48.length !== 48)
    throw new RangeError(`a compressed G1 point is 48 bytes, got ${compressed48.length}`);
  let point: ReturnType<typeof bls12_381.G1.Point.fromBytes>;
  try {
    point = bls12_381.G1.Point.fromBytes(compressed48);
    point.assertValidity();
  } catch (error) {
    throw new RangeError(`not a valid G1 point: ${(error as Error).message}`);
  }
  if (point.is0()) return `0x${"0".repeat(256)}`;
  const { x, y } = point.toAffine();
  return `0x${fieldElement(x)}${fieldElement(y)}`;
}

/**
 * A compressed G2 point (96 bytes, as Metro's BLS signatures are) in EIP-2537 encoding: 256 bytes,
 * x.c0, x.c1, y.c0, y.c1 (an Fp2 element is c0 then c1; the compressed form has c1 first). The
 * identity becomes 256 zero bytes. Throws RangeError if the bytes are not a valid point in the
 * prime-order subgroup.
 */
export function g2ToEip2537(compressed96: Uint8Array): Hex {
  if (compressed96.length !== 96)
    throw new RangeError(`a compressed G2 point is 96 bytes, got ${compressed96.length}`);
  let point: ReturnType<typeof bls12_381.G2.Point.fromBytes>;
  try {
    point = bls12_381.G2.Point.fromBytes(compressed96);
    point.assertValidity();
  } catch (error) {
    throw new RangeError(`not a valid G2 point: ${(error as Error).message}`);
  }
  if (point.is0()) return `0x${"0".repeat(512)}`;
  const { x, y } = point.toAffine();
  return `0x${fieldElement(x.c0)}${fieldElement(x.c1)}${fieldElement(y.c0)}${fieldElement(y.c1)}`;
}

/** A member of a rollup's committee as RollupHeaderVerifier takes it, in the chain's committee order. */
export interface VerifierMember {
  /** The member's registered BLS public key (compressed G1, 48 bytes); may be left out when stake is 0. */
  publicKey?: Uint8Array;
  /** Its stake; 0 for a jailed or removed validator, which keeps its index but may not sign. */
  stake: bigint;
}

/**
 * Creation code and constructor arguments of a RollupHeaderVerifier for a committee snapshot.
 * `quorum` is the rollup's quorum as the chain stores it (a decimal string such as "0.67").
 */
export function headerVerifierDeployData(
  rollupId: Uint8Array,
  members: readonly VerifierMember[],
  quorum: string,
): Hex {
  if (rollupId.length !== 32) throw new RangeError(`a rollup id is 32 bytes, got ${rollupId.length}`);
  const { numerator, denominator } = parseUnitFraction(quorum);
  const keys = members.map((member, i): Hex => {
    if (member.publicKey) return g1ToEip2537(member.publicKey);
    if (member.stake !== 0n) throw new RangeError(`member ${i} has stake but no public key`);
    return `0x${"0".repeat(256)}`;
  });
  const { abi, bytecode } = loadArtifact("RollupHeaderVerifier");
  return encodeDeployData({
    abi,
    bytecode,
    args: [toHex(rollupId), keys, members.map((m) => m.stake), numerator, denominator],
  });
}

/** Calldata of `RollupHeaderVerifier.verify(headerHash, aggregateSignature, signerBitmap)`. */
export function encodeHeaderVerify(
  headerHash: Uint8Array,
  aggregateSignature: Uint8Array,
  signerBitmap: Uint8Array,
): Hex {
  return encodeFunctionData({
    abi: loadArtifact("RollupHeaderVerifier").abi,
    functionName: "verify",
    args: [toHex(headerHash), g2ToEip2537(aggregateSignature), toHex(signerBitmap)],
  });
}

/** The header as the ABI tuple RollupHeaderVerifier's `verifyHeader` and `rollupHeaderHash` take. */
export function headerVerifierTuple(header: RollupHeader) {
  return {
    rollupId: toHex(header.rollupId),
    rollupHeight: header.rollupHeight,
    parentHash: toHex(header.parentHash),
    metroHeight: header.metroHeight,
    daHeight: header.daHeight,
    dataRoot: toHex(header.dataRoot),
    stateRoot: toHex(header.stateRoot),
    blockHash: toHex(header.blockHash),
  };
}

/** Calldata of `RollupHeaderVerifier.verifyHeader(header, aggregateSignature, signerBitmap)`. */
export function encodeHeaderVerifyFields(
  header: RollupHeader,
  aggregateSignature: Uint8Array,
  signerBitmap: Uint8Array,
): Hex {
  return encodeFunctionData({
    abi: loadArtifact("RollupHeaderVerifier").abi,
    functionName: "verifyHeader",
    args: [headerVerifierTuple(header), g2ToEip2537(aggregateSignature), toHex(signerBitmap)],
  });
}
