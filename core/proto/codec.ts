import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

/** A protobuf message codec over a plain, typed object. */
export interface ProtoCodec<T> {
  readonly typeUrl: string;
  /** The reflected protobufjs type; cosmjs' Registry accepts it as a pbjs-generated type. */
  readonly type: protobuf.Type;
  encode(message: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/**
 * A codec in the shape cosmjs's Registry takes (ts-proto style), so signing a Metro message
 * encodes it exactly as the chain does: 64-bit integers as bigints included, which a bare
 * protobufjs type would mangle.
 */
export function registryType<T>(codec: ProtoCodec<T>) {
  return {
    fromPartial: (value: T): T => value,
    encode: (message: T) => ({ finish: (): Uint8Array => codec.encode(message) }),
    decode: (bytes: Uint8Array): T => codec.decode(bytes),
  };
}

export class ProtoDecodeError extends Error {
  override name = "ProtoDecodeError";
}

const protoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "proto");
const root = new protobuf.Root();
// Imports name files from the proto folder's top, as protoc's include path would.
root.resolvePath = (_origin, target) => (target.startsWith(protoRoot) ? target : join(protoRoot, target));
root.loadSync(
  [
    "metro/sequencer/v1/sequencer.proto",
    "metro/sequencer/v1/block.proto",
    "metro/comet/v1/types.proto",
    "metro/oracle/v1/oracle.proto",
    "metro/staking/v1/staking.proto",
    "metro/distribution/v1/distribution.proto",
    "metro/gov/v1/gov.proto",
    "metro/rollup/v1/rollup.proto",
    "metro/execution/v1/execution.proto",
  ],
  { keepCase: false },
);

const toObjectOptions: protobuf.IConversionOptions = { longs: BigInt, bytes: Uint8Array, defaults: true };

export function protoCodec<T>(fullName: string): ProtoCodec<T> {
  const type = root.lookupType(fullName);
  return {
    typeUrl: `/${fullName}`,
    type,
    encode(message: T): Uint8Array {
      const canonical = withoutDefaults(type, message as Record<string, unknown>);
      return type.encode(type.fromObject(canonical)).finish();
    },
    decode(bytes: Uint8Array): T {
      try {
        return type.toObject(type.decode(bytes), toObjectOptions) as T;
      } catch (error) {
        throw new ProtoDecodeError(`${fullName}: ${(error as Error).message}`);
      }
    },
  };
}

function isDefault(value: unknown): boolean {
  return (
    value === 0 ||
    value === 0n ||
    value === "" ||
    value === false ||
    (value instanceof Uint8Array && value.length === 0)
  );
}

/**
 * The message without zero-valued scalars, as Go's protobuf (and gogoproto) leave them out.
 * protobufjs writes any field that is set, even to zero, so bytes that get hashed or signed
 * (CometBFT headers, votes) would differ without this. Message fields stay when set.
 */
function withoutDefaults(type: protobuf.Type, message: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (field.repeated) {
      const list = value as unknown[];
      if (list.length > 0) {
        out[field.name] = nested
          ? list.map((item) => withoutDefaults(nested, item as Record<string, unknown>))
          : list;
      }
    } else if (nested) {
      out[field.name] = withoutDefaults(nested, value as Record<string, unknown>);
    } else if (!isDefault(value)) {
      out[field.name] = value;
    }
  }
  return out;
}
