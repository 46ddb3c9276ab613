import { uvarint } from "../../core/proto/varint.js";

/**
 * ABCI socket framing (CometBFT 0.38, libs/protoio): each message is an unsigned varint length
 * followed by that many protobuf bytes. Frames arrive split across reads and batched together.
 */

/** CometBFT's own reader refuses messages over 100 MiB; a bigger length is a corrupt stream. */
export const MAX_FRAME_BYTES = 104_857_600;

export class FramingError extends Error {
  override name = "FramingError";
}

export function encodeFrame(message: Uint8Array): Uint8Array {
  const header = uvarint(message.length);
  const out = new Uint8Array(header.length + message.length);
  out.set(header, 0);
  out.set(message, header.length);
  return out;
}

/**
 * Accumulates bytes and yields whole frames in arrival order. Chunks are only joined once a
 * whole frame has arrived: a multi-megabyte PrepareProposal comes in dozens of socket reads, and
 * joining on every read would copy it over and over. `push` keeps the chunk: do not reuse it.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes that must be buffered before another frame can be complete. */
  private needed = 1;

  push(chunk: Uint8Array): Uint8Array[] {
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.buffered += chunk.byteLength;
    if (this.buffered < this.needed) return [];
    const buffer = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const frames: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      const header = readUvarint(buffer, offset);
      if (header === undefined) {
        this.needed = buffer.length - offset + 1;
        break;
      }
      const start = offset + header.bytes;
      const end = start + header.value;
      if (end > buffer.length) {
        this.needed = end - offset;
        break;
      }
      frames.push(new Uint8Array(buffer.subarray(start, end)));
      offset = end;
    }
    const rest = buffer.subarray(offset);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return frames;
  }

  get pendingBytes(): number {
    return this.buffered;
  }
}

function readUvarint(buffer: Uint8Array, offset: number): { value: number; bytes: number } | undefined {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 10; i++) {
    const byte = buffer[offset + i];
    if (byte === undefined) return undefined;
    value += (byte & 0x7f) * multiplier;
    if (value > MAX_FRAME_BYTES) throw new FramingError(`frame length over ${MAX_FRAME_BYTES} bytes`);
    if ((byte & 0x80) === 0) return { value, bytes: i + 1 };
    multiplier *= 128;
  }
  throw new FramingError("frame length varint longer than 10 bytes");
}
