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

export class ProtoDecodeError extends Error {
  override name = "ProtoDecodeError";
}

const protoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "proto");
const root = new protobuf.Root();
root.loadSync(join(protoRoot, "metro", "sequencer", "v1", "sequencer.proto"), { keepCase: false });

const toObjectOptions: protobuf.IConversionOptions = { longs: BigInt, bytes: Uint8Array, defaults: true };

export function protoCodec<T>(fullName: string): ProtoCodec<T> {
  const type = root.lookupType(fullName);
  return {
    typeUrl: `/${fullName}`,
    type,
    encode(message: T): Uint8Array {
      return type.encode(type.fromObject(message as Record<string, unknown>)).finish();
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
