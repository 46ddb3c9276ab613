import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeFrame, FrameDecoder, FramingError } from "../../chain/abci/framing.js";

describe("abci framing", () => {
  it("reassembles frames split at every byte and batched together", () => {
    const messages = [
      new Uint8Array(0),
      new Uint8Array(5).fill(1),
      new Uint8Array(300).fill(2),
      new Uint8Array(70000).fill(3),
    ];
    const stream = Buffer.concat(messages.map(encodeFrame));
    for (const chunkSize of [1, 2, 7, 128, stream.length]) {
      const decoder = new FrameDecoder();
      const frames: Uint8Array[] = [];
      for (let offset = 0; offset < stream.length; offset += chunkSize) {
        frames.push(...decoder.push(stream.subarray(offset, offset + chunkSize)));
      }
      assert.deepEqual(frames, messages);
      assert.equal(decoder.pendingBytes, 0);
    }
  });

  it("writes lengths as unsigned varints", () => {
    assert.deepEqual([...encodeFrame(new Uint8Array(300)).subarray(0, 2)], [0xac, 0x02]);
  });

  it("refuses absurd lengths instead of waiting forever", () => {
    const decoder = new FrameDecoder();
    assert.throws(() => decoder.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)), FramingError);
  });
});
