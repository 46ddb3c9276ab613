import { StateOverlay, type StateReader } from "../../chain/store/overlay.js";

/** An empty, scannable base state for in-process module tests. */
export function memoryState(): StateOverlay {
  const empty: StateReader = { get: () => undefined, scan: () => [] };
  return new StateOverlay(empty);
}
