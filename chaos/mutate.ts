/**
 * Mutations shared by the surfaces: byte-level (bit flips, overwrites, truncation, insertion,
 * deletion, splices of other valid inputs) and JSON-level (a field dropped, retyped or given a
 * hostile value), each applied to a valid input so that cases start close to what real code
 * accepts instead of failing at the first byte.
 */
import fc from "fast-check";

export type ByteMutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set"; at: number; value: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; length: number }
  | { kind: "splice"; at: number; donor: Uint8Array; from: number; length: number }
  | { kind: "repeat"; at: number; length: number };

const position = fc.nat({ max: 1 << 20 });

const byteMutationArb: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("flip" as const), at: position, bit: fc.nat(7) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("set" as const), at: position, value: fc.nat(255) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: position }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("insert" as const),
      at: position,
      bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("delete" as const),
      at: position,
      length: fc.integer({ min: 1, max: 16 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("repeat" as const),
      at: position,
      length: fc.integer({ min: 1, max: 32 }),
    }),
  },
);

function applyByteMutation(bytes: Uint8Array, mutation: ByteMutation): Uint8Array {
  const at = bytes.length === 0 ? 0 : mutation.at % (bytes.length + 1);
  const inside = bytes.length === 0 ? 0 : mutation.at % bytes.length;
  switch (mutation.kind) {
    case "flip": {
      if (bytes.length === 0) return bytes;
      const out = Uint8Array.from(bytes); // Buffer#slice would be a view
      out[inside]! ^= 1 << mutation.bit;
      return out;
    }
    case "set": {
      if (bytes.length === 0) return bytes;
      const out = Uint8Array.from(bytes); // Buffer#slice would be a view
      out[inside] = mutation.value;
      return out;
    }
    case "truncate":
      return bytes.subarray(0, at);
    case "insert":
      return concat(bytes.subarray(0, at), mutation.bytes, bytes.subarray(at));
    case "delete":
      return concat(bytes.subarray(0, at), bytes.subarray(at + mutation.length));
    case "repeat":
      return concat(bytes.subarray(0, at + mutation.length), bytes.subarray(at));
    case "splice": {
      const from = mutation.donor.length === 0 ? 0 : mutation.from % mutation.donor.length;
      const piece = mutation.donor.subarray(from, from + mutation.length);
      return concat(bytes.subarray(0, at), piece, bytes.subarray(at + piece.length));
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * 1 to 4 byte mutations; `donors`, when given, supplies other valid inputs to splice pieces
 * from (a field of one signed tx inside another, say).
 */
export function byteMutations(donors?: fc.Arbitrary<Uint8Array>): fc.Arbitrary<ByteMutation[]> {
  const splice: fc.Arbitrary<ByteMutation> | undefined = donors
    ? fc.record({
        kind: fc.constant("splice" as const),
        at: position,
        donor: donors,
        from: position,
        length: fc.integer({ min: 1, max: 64 }),
      })
    : undefined;
  const one = splice
    ? fc.oneof({ weight: 5, arbitrary: byteMutationArb }, { weight: 1, arbitrary: splice })
    : byteMutationArb;
  return fc.array(one, { minLength: 1, maxLength: 4 });
}

export function applyByteMutations(bytes: Uint8Array, mutations: readonly ByteMutation[]): Uint8Array {
  return mutations.reduce(applyByteMutation, bytes);
}

/** 1 to 4 byte mutations of a value of `base`. */
export function mutatedBytes(
  base: fc.Arbitrary<Uint8Array>,
  donors?: fc.Arbitrary<Uint8Array>,
): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(base, byteMutations(donors))
    .map(([bytes, mutations]) => applyByteMutations(bytes, mutations));
}

/** Values that break careless parsers: wrong types, extremes, odd strings. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    "",
    " ",
    "0",
    "-1",
    "0x",
    "0xzz",
    "NaN",
    "Infinity",
    "1e999",
    "null",
    "undefined",
    "__proto__",
    "constructor",
    "\u0000",
    "\ud800",
    "é".repeat(3),
    "=".repeat(8),
    "A".repeat(4096),
    "9".repeat(400),
    [],
    [null],
    {},
    { __proto__: null },
  ),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map((n) => n.toString()),
  fc.jsonValue({ maxDepth: 3 }),
);

type JsonMutation =
  | { kind: "replace"; at: number; value: unknown }
  | { kind: "delete"; at: number }
  | { kind: "add"; at: number; key: string; value: unknown }
  | { kind: "wrap"; at: number }
  | { kind: "duplicate"; at: number };

const jsonMutationArb: fc.Arbitrary<JsonMutation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("replace" as const), at: position, value: hostileJsonValue }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: position }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      at: position,
      key: fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom("__proto__", "constructor", "error", "result"),
      ),
      value: hostileJsonValue,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("wrap" as const), at: position }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("duplicate" as const), at: position }) },
);

interface Slot {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
}

/** Every place in `value` a mutation can act on, in a fixed walk order. */
function slots(value: unknown, out: Slot[] = []): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push({ parent: value, key: i });
      slots(item, out);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      out.push({ parent: value as Record<string, unknown>, key });
      slots(item, out);
    }
  }
  return out;
}

function applyJsonMutation(root: unknown, mutation: JsonMutation): unknown {
  const all = slots(root);
  if (all.length === 0) return mutation.kind === "replace" ? mutation.value : root;
  const slot = all[mutation.at % all.length]!;
  const parent = slot.parent as Record<string | number, unknown>;
  switch (mutation.kind) {
    case "replace":
      parent[slot.key] = mutation.value;
      break;
    case "delete":
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete parent[slot.key];
      break;
    case "add":
      if (Array.isArray(slot.parent)) slot.parent.push(mutation.value);
      else
        Object.defineProperty(parent, mutation.key, {
          value: mutation.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      break;
    case "wrap":
      parent[slot.key] = [parent[slot.key]];
      break;
    case "duplicate":
      if (Array.isArray(slot.parent)) slot.parent.push(structuredClone(slot.parent[slot.key as number]));
      break;
  }
  return root;
}

/** 1 to 3 JSON mutations of a (fresh, deep-copied) value of `base`. */
export function mutatedJson(base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(base, fc.array(jsonMutationArb, { minLength: 1, maxLength: 3 }))
    .map(([value, mutations]) => mutations.reduce(applyJsonMutation, structuredClone(value)));
}

/** Splits `bytes` at random points into 1 to 6 chunks, as a socket may deliver them. */
export function chunked(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => (bytes.length === 0 ? 0 : cut % bytes.length)))]
    .filter((point) => point > 0)
    .sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks.filter((chunk) => chunk.length > 0);
}

/** `arbitrary`'s value `ratio` of the time, else null: how often a case is mutated at some level. */
export function sometimes<T>(arbitrary: fc.Arbitrary<T>, ratio: number): fc.Arbitrary<T | null> {
  const weight = Math.round(ratio * 100);
  return fc.oneof({ weight, arbitrary }, { weight: 100 - weight, arbitrary: fc.constant(null) });
}
