/** The helper thread of ed25519-parallel.ts: verifies the half batches it is sent. */
import { parentPort, workerData } from "node:worker_threads";
import { serveSynchronously } from "../sync-worker.js";
import { firstInvalidIn } from "./ed25519.js";
import { unpackChecks } from "./ed25519-parallel.js";

serveSynchronously(workerData, parentPort, (packed) => {
  const answer = new Uint8Array(Int32Array.BYTES_PER_ELEMENT);
  new DataView(answer.buffer).setInt32(0, firstInvalidIn(unpackChecks(packed)));
  return answer;
});
