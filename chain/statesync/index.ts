export { SNAPSHOT_FORMAT, SnapshotFormatError } from "./format.js";
export { StateSync, type StateSyncOptions } from "./state-sync.js";
