/**
 * The Solidity side of "prices on every rollup": the MetroOracle predeploy, its per-pair Chainlink
 * AggregatorV3 feeds, and the helpers an execution node needs to place and update it.
 *
 * Artifacts are compiled by `scripts/compile-contracts.mjs` (part of `npm run build`) into
 * `dist/contracts/artifacts.json`, next to this module once compiled.
 */
import { readFileSync } from "node:fs";
import {
  type Abi,
  type Address,
  encodeFunctionData,
  getContractAddress,
  type Hex,
  keccak256,
  toBytes,
} from "viem";

/** Where MetroOracle lives on every rollup: "MetroOracle" in ASCII, right-padded with zeros. */
export const ORACLE_ADDRESS: Address = "0x4d6574726f4f7261636c65000000000000000000";

/** The caller of the oracle's system call (as in EIP-4788). */
export const SYSTEM_ADDRESS: Address = "0xfffffffffffffffffffffffffffffffffffffffe";

export type ContractName = "MetroOracle" | "MetroPriceFeed" | "LendingMarket";

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

/** The ABI and code of a compiled contract. Throws ContractArtifactError if it was not built. */
export function loadArtifact(name: ContractName): ContractArtifact {
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
  return { abi: abi as Abi, bytecode, deployedBytecode };
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
