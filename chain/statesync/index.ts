export { SNAPSHOT_FORMAT, SnapshotFormatError } from "./format.js";
export { AppConfigError, appConfigPath, readSnapshotSettings, type SnapshotSettings } from "./settings.js";
export { StateSync, type StateSyncOptions } from "./state-sync.js";
