/** Worker thread: verifies batches of (pubkey 33 ‖ digest 32 ‖ signature 64) records. */
import { parentPort } from "node:worker_threads";
import { SIGNATURE_RECORD_BYTES as RECORD_BYTES, verifyDigest } from "./native-secp256k1.js";

parentPort?.on("message", ({ id, records }: { id: number; records: Uint8Array }) => {
  const count = records.length / RECORD_BYTES;
  const results = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * RECORD_BYTES;
    const ok = verifyDigest(
      records.subarray(at, at + 33),
      records.subarray(at + 33, at + 65),
      records.subarray(at + 65, at + RECORD_BYTES),
    );
    results[i] = ok ? 1 : 0;
  }
  parentPort!.postMessage({ id, results }, [results.buffer]);
});
