/** The helper thread of ed25519-parallel.ts: verifies the half batches it is sent. */
import { parentPort, workerData } from "node:worker_threads";
import { firstInvalidIn } from "./ed25519.js";
import { Slot, State, unpackChecks } from "./ed25519-parallel.js";

const control = (workerData as { control: Int32Array }).control;

parentPort?.on("message", (packed: Uint8Array) => {
  Atomics.store(control, Slot.result, firstInvalidIn(unpackChecks(packed)));
  Atomics.store(control, Slot.state, State.done);
  Atomics.notify(control, Slot.state);
});
Atomics.store(control, Slot.ready, 1);
