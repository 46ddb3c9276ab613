/** A block's inputs as the EVM node stores them, for re-execution (fraud-proof witnesses). */
import { RLP } from "@ethereumjs/rlp";
import { Address, bytesToBigInt } from "@ethereumjs/util";
import { fromUtf8, utf8 } from "../../core/bytes.js";
import type { RollupBlockInputs } from "../../core/evm/index.js";

/** RLP [txs, timestamp, [[pair, decimals, negative, |price|]], Metro height, Metro block hash, coinbase]. */
export function encodeBlockInputs(inputs: RollupBlockInputs): Uint8Array {
  return RLP.encode([
    [...inputs.transactions],
    inputs.timestamp,
    inputs.prices.map((p) => [
      utf8(p.pair),
      p.decimals,
      p.price < 0n ? 1 : 0,
      p.price < 0n ? -p.price : p.price,
    ]),
    inputs.sequencerHeight,
    inputs.sequencerBlockHash,
    inputs.coinbase.bytes,
  ]);
}

export function decodeBlockInputs(bytes: Uint8Array): RollupBlockInputs {
  const [transactions, timestamp, prices, height, blockHash, coinbase] = RLP.decode(bytes) as unknown as [
    Uint8Array[],
    Uint8Array,
    Uint8Array[][],
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  return {
    transactions,
    timestamp: bytesToBigInt(timestamp),
    prices: prices.map(([pair, decimals, negative, price]) => ({
      pair: fromUtf8(pair!),
      decimals: Number(bytesToBigInt(decimals!)),
      price: bytesToBigInt(negative!) === 1n ? -bytesToBigInt(price!) : bytesToBigInt(price!),
    })),
    sequencerHeight: bytesToBigInt(height),
    sequencerBlockHash: blockHash,
    coinbase: new Address(coinbase),
  };
}
