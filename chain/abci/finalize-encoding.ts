/**
 * A two-pass protobuf encoder for the one large ABCI message: the FinalizeBlock response, which
 * carries every tx's result and events (megabytes for a full block). It measures, allocates once
 * and writes, where cosmjs-types builds a linked list of operations per field; the bytes are the
 * same (test/unit/finalize-encoding.test.ts holds it to that).
 */
import {
  type Event,
  type ExecTxResult,
  type ResponseFinalizeBlock,
  ValidatorUpdate,
} from "cosmjs-types/tendermint/abci/types";
import { ConsensusParams } from "cosmjs-types/tendermint/types/params";
import { uvarintSize } from "../../core/proto/varint.js";

const RESPONSE_FINALIZE_BLOCK_FIELD = 21;

/** int64 as protobuf writes it: negative values take ten bytes (two's complement). */
function int64Size(value: bigint): number {
  if (value < 0n) return 10;
  let size = 1;
  while (value >= 0x80n) {
    value >>= 7n;
    size++;
  }
  return size;
}

const tagSize = (field: number): number => uvarintSize(field << 3);
const lengthDelimitedSize = (field: number, length: number): number =>
  tagSize(field) + uvarintSize(length) + length;

class Writer {
  private offset = 0;
  readonly bytes: Buffer;

  constructor(size: number) {
    this.bytes = Buffer.alloc(size);
  }

  varint(value: number): void {
    while (value >= 0x80) {
      this.bytes[this.offset++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.bytes[this.offset++] = value;
  }

  int64(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.bytes[this.offset++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.bytes[this.offset++] = Number(v);
  }

  tag(field: number, wireType: 0 | 2): void {
    this.varint((field << 3) | wireType);
  }

  bytesField(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.length);
    this.bytes.set(value, this.offset);
    this.offset += value.length;
  }

  stringField(field: number, value: string, byteLength: number): void {
    this.tag(field, 2);
    this.varint(byteLength);
    this.offset += this.bytes.write(value, this.offset, "utf8");
  }

  get position(): number {
    return this.offset;
  }
}

interface Sized<T> {
  value: T;
  size: number;
}

const utf8Length = (text: string): number => Buffer.byteLength(text, "utf8");

function eventSizes(event: Event): { size: number; attributes: number[] } {
  let size = event.type ? lengthDelimitedSize(1, utf8Length(event.type)) : 0;
  const attributes = event.attributes.map((attribute) => {
    let inner = 0;
    if (attribute.key) inner += lengthDelimitedSize(1, utf8Length(attribute.key));
    if (attribute.value) inner += lengthDelimitedSize(2, utf8Length(attribute.value));
    if (attribute.index) inner += 2;
    size += lengthDelimitedSize(2, inner);
    return inner;
  });
  return { size, attributes };
}

function writeEvent(
  writer: Writer,
  field: number,
  event: Event,
  sizes: { size: number; attributes: number[] },
): void {
  writer.tag(field, 2);
  writer.varint(sizes.size);
  if (event.type) writer.stringField(1, event.type, utf8Length(event.type));
  event.attributes.forEach((attribute, i) => {
    writer.tag(2, 2);
    writer.varint(sizes.attributes[i]!);
    if (attribute.key) writer.stringField(1, attribute.key, utf8Length(attribute.key));
    if (attribute.value) writer.stringField(2, attribute.value, utf8Length(attribute.value));
    if (attribute.index) {
      writer.tag(3, 0);
      writer.varint(1);
    }
  });
}

function txResultSize(result: ExecTxResult, events: { size: number; attributes: number[] }[]): number {
  let size = 0;
  if (result.code !== 0) size += tagSize(1) + uvarintSize(result.code);
  if (result.data.length > 0) size += lengthDelimitedSize(2, result.data.length);
  if (result.log) size += lengthDelimitedSize(3, utf8Length(result.log));
  if (result.info) size += lengthDelimitedSize(4, utf8Length(result.info));
  if (result.gasWanted !== 0n) size += tagSize(5) + int64Size(result.gasWanted);
  if (result.gasUsed !== 0n) size += tagSize(6) + int64Size(result.gasUsed);
  for (const event of events) size += lengthDelimitedSize(7, event.size);
  if (result.codespace) size += lengthDelimitedSize(8, utf8Length(result.codespace));
  return size;
}

function writeTxResult(
  writer: Writer,
  result: Sized<ExecTxResult>,
  events: { size: number; attributes: number[] }[],
): void {
  const { value } = result;
  writer.tag(2, 2);
  writer.varint(result.size);
  if (value.code !== 0) {
    writer.tag(1, 0);
    writer.varint(value.code);
  }
  if (value.data.length > 0) writer.bytesField(2, value.data);
  if (value.log) writer.stringField(3, value.log, utf8Length(value.log));
  if (value.info) writer.stringField(4, value.info, utf8Length(value.info));
  if (value.gasWanted !== 0n) {
    writer.tag(5, 0);
    writer.int64(value.gasWanted);
  }
  if (value.gasUsed !== 0n) {
    writer.tag(6, 0);
    writer.int64(value.gasUsed);
  }
  value.events.forEach((event, i) => {
    writeEvent(writer, 7, event, events[i]!);
  });
  if (value.codespace) writer.stringField(8, value.codespace, utf8Length(value.codespace));
}

/** The whole `Response{finalize_block}` message, as `Response.encode` would write it. */
export function encodeFinalizeBlockResponse(response: ResponseFinalizeBlock): Uint8Array {
  const blockEvents = response.events.map(eventSizes);
  const txEvents = response.txResults.map((result) => result.events.map(eventSizes));
  const txResults = response.txResults.map((value, i) => ({
    value,
    size: txResultSize(value, txEvents[i]!),
  }));
  const validatorUpdates = response.validatorUpdates.map((update) => ValidatorUpdate.encode(update).finish());
  const params = response.consensusParamUpdates
    ? ConsensusParams.encode(response.consensusParamUpdates).finish()
    : undefined;

  let inner = 0;
  for (const event of blockEvents) inner += lengthDelimitedSize(1, event.size);
  for (const result of txResults) inner += lengthDelimitedSize(2, result.size);
  for (const update of validatorUpdates) inner += lengthDelimitedSize(3, update.length);
  if (params) inner += lengthDelimitedSize(4, params.length);
  if (response.appHash.length > 0) inner += lengthDelimitedSize(5, response.appHash.length);

  const writer = new Writer(lengthDelimitedSize(RESPONSE_FINALIZE_BLOCK_FIELD, inner));
  writer.tag(RESPONSE_FINALIZE_BLOCK_FIELD, 2);
  writer.varint(inner);
  response.events.forEach((event, i) => {
    writeEvent(writer, 1, event, blockEvents[i]!);
  });
  txResults.forEach((result, i) => {
    writeTxResult(writer, result, txEvents[i]!);
  });
  for (const update of validatorUpdates) writer.bytesField(3, update);
  if (params) writer.bytesField(4, params);
  if (response.appHash.length > 0) writer.bytesField(5, response.appHash);
  if (writer.position !== writer.bytes.length) {
    throw new Error(`FinalizeBlock encoding wrote ${writer.position} of ${writer.bytes.length} bytes`);
  }
  return new Uint8Array(writer.bytes.buffer, writer.bytes.byteOffset, writer.bytes.length);
}
