/**
 * Field-level protobuf mutations without a schema: a message is read into its fields (a
 * length-delimited field that itself reads as a message is read into fields too), one field
 * is changed, dropped, repeated or added, and the message is written back. The result is valid
 * protobuf of the same type with hostile values, so it gets past decoding into the code that
 * judges the values.
 */
import fc from "fast-check";
import { utf8 } from "../core/bytes.js";

type Value =
  | { wire: 0; value: bigint }
  | { wire: 1 | 5; bytes: Uint8Array }
  | { wire: 2; bytes: Uint8Array; fields?: Field[] };
export type Field = { no: number } & Value;

const MAX_FIELD_NO = 2 ** 29 - 1;

function readVarint(bytes: Uint8Array, at: { pos: number }): bigint | undefined {
  let value = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    const byte = bytes[at.pos++];
    if (byte === undefined) return undefined;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return value;
  }
  return undefined;
}

/** The fields of `bytes`, or undefined when they do not read as a message (then they are a string or bytes). */
export function readFields(bytes: Uint8Array, depth = 0): Field[] | undefined {
  const fields: Field[] = [];
  const at = { pos: 0 };
  while (at.pos < bytes.length) {
    const key = readVarint(bytes, at);
    if (key === undefined) return undefined;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no < 1 || no > MAX_FIELD_NO) return undefined;
    if (wire === 0) {
      const value = readVarint(bytes, at);
      if (value === undefined) return undefined;
      fields.push({ no, wire, value });
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (at.pos + size > bytes.length) return undefined;
      fields.push({ no, wire, bytes: bytes.subarray(at.pos, at.pos + size) });
      at.pos += size;
    } else if (wire === 2) {
      const length = readVarint(bytes, at);
      if (length === undefined || at.pos + Number(length) > bytes.length) return undefined;
      const inner = bytes.subarray(at.pos, at.pos + Number(length));
      at.pos += Number(length);
      const nested = depth < 6 && inner.length > 0 ? readFields(inner, depth + 1) : undefined;
      fields.push({ no, wire, bytes: inner, ...(nested ? { fields: nested } : {}) });
    } else {
      return undefined;
    }
  }
  return fields;
}

/** A protobuf varint of a value wrapped to 64 bits, as the wire format has it. */
function varint(value: bigint): number[] {
  return unboundedVarint(BigInt.asUintN(64, value));
}

/** Varint bytes of any non-negative integer, beyond 64 bits too (decoders must refuse those). */
export function unboundedVarint(value: bigint): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest > 0n ? byte | 0x80 : byte);
  } while (rest > 0n);
  return out;
}

export function writeFields(fields: readonly Field[]): Uint8Array {
  const out: number[] = [];
  for (const field of fields) {
    out.push(...varint(BigInt(field.no) * 8n + BigInt(field.wire)));
    if (field.wire === 0) out.push(...varint(field.value));
    else if (field.wire === 2) {
      const bytes = field.fields ? writeFields(field.fields) : field.bytes;
      out.push(...varint(BigInt(bytes.length)), ...bytes);
    } else out.push(...field.bytes);
  }
  return Uint8Array.from(out);
}

/** Integers that sit on a type's edge: int32/int64/uint64 limits, and what JavaScript numbers lose. */
export const EDGE_INTEGERS: readonly bigint[] = [
  0n,
  1n,
  2n,
  127n,
  128n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
];

export type FieldMutation =
  | { kind: "integer"; at: number; value: bigint }
  | { kind: "text"; at: number; text: string }
  | { kind: "bytes"; at: number; bytes: Uint8Array }
  | { kind: "drop"; at: number }
  | { kind: "repeat"; at: number }
  | { kind: "unknown"; at: number; no: number; bytes: Uint8Array };

/** Each field in `fields`, nested ones included, with the list holding it: what `at` indexes. */
function places(
  fields: Field[],
  out: { list: Field[]; index: number }[] = [],
): { list: Field[]; index: number }[] {
  fields.forEach((field, index) => {
    out.push({ list: fields, index });
    if (field.wire === 2 && field.fields) places(field.fields, out);
  });
  return out;
}

function clone(fields: readonly Field[]): Field[] {
  return fields.map((field) =>
    field.wire === 2 && field.fields ? { ...field, fields: clone(field.fields) } : { ...field },
  );
}

/** Whether `mutation` changes a field of this wire type (a text for a varint would do nothing). */
function fits(mutation: FieldMutation, field: Field): boolean {
  if (mutation.kind === "integer") return field.wire !== 2;
  if (mutation.kind === "text" || mutation.kind === "bytes") return field.wire === 2;
  return true;
}

function applyFieldMutation(fields: Field[], mutation: FieldMutation): Field[] {
  const all = places(fields);
  if (all.length === 0) {
    return mutation.kind === "unknown" ? [{ no: mutation.no, wire: 2, bytes: mutation.bytes }] : fields;
  }
  const fitting = all.filter(({ list, index }) => fits(mutation, list[index]!));
  if (fitting.length === 0) return fields;
  const { list, index } = fitting[mutation.at % fitting.length]!;
  const field = list[index]!;
  switch (mutation.kind) {
    case "integer":
      if (field.wire === 0) list[index] = { no: field.no, wire: 0, value: mutation.value };
      else if (field.wire !== 2)
        list[index] = { no: field.no, wire: field.wire, bytes: fixedBytes(mutation.value, field.wire) };
      break;
    case "text":
      if (field.wire === 2) list[index] = { no: field.no, wire: 2, bytes: utf8(mutation.text) };
      break;
    case "bytes":
      if (field.wire === 2) list[index] = { no: field.no, wire: 2, bytes: mutation.bytes };
      break;
    case "drop":
      list.splice(index, 1);
      break;
    case "repeat":
      list.splice(index + 1, 0, clone([field])[0]!);
      break;
    case "unknown":
      list.splice(index, 0, { no: mutation.no, wire: 2, bytes: mutation.bytes });
      break;
  }
  return fields;
}

function fixedBytes(value: bigint, wire: 1 | 5): Uint8Array {
  const size = wire === 1 ? 8 : 4;
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Mutations that draw their strings from `texts` (addresses, amounts, names a handler reads). */
export function fieldMutations(texts: fc.Arbitrary<string>): fc.Arbitrary<FieldMutation[]> {
  const at = fc.nat({ max: 1 << 16 });
  const one: fc.Arbitrary<FieldMutation> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("integer" as const),
        at,
        value: fc.oneof(fc.constantFrom(...EDGE_INTEGERS), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
      }),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("text" as const), at, text: texts }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("bytes" as const),
        at,
        bytes: fc.oneof(
          fc.uint8Array({ maxLength: 40 }),
          fc.constantFrom(
            new Uint8Array(),
            new Uint8Array(32),
            new Uint8Array(33).fill(2),
            new Uint8Array(48),
            new Uint8Array(96),
          ),
        ),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("drop" as const), at }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("repeat" as const), at }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("unknown" as const),
        at,
        no: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constant(MAX_FIELD_NO)),
        bytes: fc.uint8Array({ maxLength: 8 }),
      }),
    },
  );
  return fc.array(one, { minLength: 1, maxLength: 3 });
}

/** `bytes` (a valid message) with `mutations` applied; unchanged when it does not read as one. */
export function mutateMessage(bytes: Uint8Array, mutations: readonly FieldMutation[]): Uint8Array {
  const fields = readFields(bytes);
  if (!fields) return bytes;
  return writeFields(mutations.reduce(applyFieldMutation, clone(fields)));
}
