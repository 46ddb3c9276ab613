/**
 * Amino JSON for Metro's own messages, by the Cosmos SDK's rules (x/tx aminojson) applied to
 * their protobuf descriptors: proto field names, empty fields left out (Metro's protos mark none
 * "dont_omitempty"), 64-bit integers as strings, 32-bit integers and enums as numbers, bytes as
 * base64, nested messages as objects (kept when set, even if empty).
 */
import protobuf from "protobufjs";
import type { ProtoCodec } from "../../core/proto/codec.js";

export type AminoJson = Record<string, unknown>;

const LONG_TYPES = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);

/** protobufjs names fields in camelCase; the proto (and amino) names are snake_case. */
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === "" ||
    value === 0 ||
    value === 0n ||
    value === false ||
    (value instanceof Uint8Array && value.length === 0) ||
    (Array.isArray(value) && value.length === 0)
  );
}

function toElement(field: protobuf.Field, value: unknown): unknown {
  if (field.resolvedType instanceof protobuf.Type)
    return toAminoFields(field.resolvedType, value as AminoJson);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** A decoded message (protobufjs object form: bigints, Uint8Arrays) as amino JSON. */
export function toAminoFields(type: protobuf.Type, message: AminoJson): AminoJson {
  const out: AminoJson = {};
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (isEmpty(value)) continue;
    out[snake(field.name)] = field.repeated
      ? (value as unknown[]).map((item) => toElement(field, item))
      : toElement(field, value);
  }
  return out;
}

function fromElement(field: protobuf.Field, json: unknown): unknown {
  if (field.resolvedType instanceof protobuf.Type)
    return fromAminoFields(field.resolvedType, json as AminoJson);
  if (field.type === "bytes") return Uint8Array.from(Buffer.from(String(json), "base64"));
  if (LONG_TYPES.has(field.type)) return BigInt(String(json));
  return json;
}

function fromAminoFields(type: protobuf.Type, json: AminoJson): AminoJson {
  const out: AminoJson = {};
  for (const field of type.fieldsArray) {
    const value = json[snake(field.name)];
    if (value === undefined || value === null) continue;
    out[field.name] = field.repeated
      ? (value as unknown[]).map((item) => fromElement(field, item))
      : fromElement(field, value);
  }
  return out;
}

/** Amino JSON back to the message (what a wallet signed, for the tx body); absent fields take defaults. */
export function fromAmino<T>(codec: ProtoCodec<T>, json: AminoJson): T {
  return codec.decode(codec.encode(fromAminoFields(codec.type, json) as T));
}
