/** Protobuf Timestamps (and Durations, the same shape) to and from integer milliseconds. */
export interface ProtoTimestamp {
  seconds: bigint;
  nanos: number;
}

export function timestampToMs(time: ProtoTimestamp | undefined): bigint {
  return time ? time.seconds * 1000n + BigInt(Math.floor(time.nanos / 1e6)) : 0n;
}

export function msToTimestamp(ms: bigint): ProtoTimestamp {
  return { seconds: ms / 1000n, nanos: Number(ms % 1000n) * 1_000_000 };
}
