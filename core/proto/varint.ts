/** Bytes an unsigned protobuf varint takes for `value` (a non-negative safe integer). */
export function uvarintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}
