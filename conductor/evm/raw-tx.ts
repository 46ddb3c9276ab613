/**
 * The RLP shape of a raw transaction, checked before ethereumjs decodes it: ethereumjs assumes
 * each field has its type's shape and fails with a TypeError from deep inside when a list comes
 * as a byte string or the other way round. A caller deserves to be told which field is wrong.
 */
import { decode, type NestedUint8Array } from "@ethereumjs/rlp";

type Item = Uint8Array | NestedUint8Array;
type Shape = "bytes" | "accessList" | "hashes" | "authorizations";

/** The fields of each typed transaction (EIP-2718 type byte), in order. */
const TYPED_FIELDS: Record<number, Shape[]> = {
  // EIP-2930: chainId, nonce, gasPrice, gasLimit, to, value, data, accessList, yParity, r, s
  1: [...bytes(7), "accessList", ...bytes(3)],
  // EIP-1559: chainId, nonce, maxPriorityFee, maxFee, gasLimit, to, value, data, accessList, yParity, r, s
  2: [...bytes(8), "accessList", ...bytes(3)],
  // EIP-4844: ...accessList, maxFeePerBlobGas, blobVersionedHashes, yParity, r, s
  3: [...bytes(8), "accessList", "bytes", "hashes", ...bytes(3)],
  // EIP-7702: ...accessList, authorizationList, yParity, r, s
  4: [...bytes(8), "accessList", "authorizations", ...bytes(3)],
};

function bytes(count: number): Shape[] {
  return Array.from({ length: count }, () => "bytes");
}

const isBytes = (item: Item): item is Uint8Array => item instanceof Uint8Array;
const isList = (item: Item): item is NestedUint8Array => Array.isArray(item);

function shapeHolds(item: Item, shape: Shape): boolean {
  switch (shape) {
    case "bytes":
      return isBytes(item);
    case "hashes":
      return isList(item) && item.every(isBytes);
    case "accessList":
      return (
        isList(item) &&
        item.every(
          (entry) =>
            isList(entry) &&
            entry.length === 2 &&
            isBytes(entry[0]!) &&
            isList(entry[1]!) &&
            entry[1].every(isBytes),
        )
      );
    case "authorizations":
      return (
        isList(item) && item.every((entry) => isList(entry) && entry.length === 6 && entry.every(isBytes))
      );
  }
}

/** What is wrong with the raw transaction's RLP shape, or undefined when ethereumjs may decode it. */
export function rawTxShapeProblem(raw: Uint8Array): string | undefined {
  if (raw.length === 0) return "empty";
  const type = raw[0]! <= 0x7f ? raw[0]! : undefined;
  let decoded: Item;
  try {
    decoded = decode(type === undefined ? raw : raw.subarray(1));
  } catch (error) {
    return `not RLP: ${(error as Error).message}`;
  }
  if (!isList(decoded)) return "the transaction's RLP is not a list";
  if (type === undefined)
    return decoded.every(isBytes) ? undefined : "a legacy transaction's field is a list";
  const fields = TYPED_FIELDS[type];
  if (!fields) return `transaction type ${type} is unknown`;
  if (decoded.length !== fields.length)
    return `type ${type} has ${fields.length} fields, not ${decoded.length}`;
  const wrong = fields.findIndex((shape, i) => !shapeHolds(decoded[i]!, shape));
  return wrong < 0
    ? undefined
    : `field ${wrong} of a type ${type} transaction is not ${describe(fields[wrong]!)}`;
}

function describe(shape: Shape): string {
  switch (shape) {
    case "bytes":
      return "a byte string";
    case "hashes":
      return "a list of hashes";
    case "accessList":
      return "an access list ([address, [storage keys]] entries)";
    case "authorizations":
      return "an authorization list (6-field entries)";
  }
}
