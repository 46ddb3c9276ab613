/** The app's state-sync settings, from `<home>/config/app.json` (absent: snapshots off). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

export interface SnapshotSettings {
  /** A snapshot every this many heights (0: none taken; restoring still works). */
  interval: number;
  /** How many of the newest snapshots stay on disk. */
  keepRecent: number;
  /** Chunks hold at most this many bytes of leaves (nodes of a network should agree). */
  chunkBytes: number;
}

export const DEFAULT_SNAPSHOT_SETTINGS: SnapshotSettings = {
  interval: 0,
  keepRecent: 2,
  chunkBytes: 1 << 20,
};

const AppConfigSchema = z
  .object({
    snapshot_interval: z.number().int().min(0).optional(),
    snapshot_keep_recent: z.number().int().min(1).optional(),
    // CometBFT refuses chunks past 16 MB.
    snapshot_chunk_bytes: z
      .number()
      .int()
      .min(64)
      .max(16 << 20)
      .optional(),
  })
  .strict();

export class AppConfigError extends Error {
  override name = "AppConfigError";
}

export const appConfigPath = (home: string): string => join(home, "config", "app.json");

export function readSnapshotSettings(home: string): SnapshotSettings {
  const path = appConfigPath(home);
  if (!existsSync(path)) return DEFAULT_SNAPSHOT_SETTINGS;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new AppConfigError(`${path}: not JSON (${(error as Error).message})`);
  }
  const parsed = AppConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppConfigError(`${path}: ${issue?.path.join(".") || "file"}: ${issue?.message}`);
  }
  const config = parsed.data;
  return {
    interval: config.snapshot_interval ?? DEFAULT_SNAPSHOT_SETTINGS.interval,
    keepRecent: config.snapshot_keep_recent ?? DEFAULT_SNAPSHOT_SETTINGS.keepRecent,
    chunkBytes: config.snapshot_chunk_bytes ?? DEFAULT_SNAPSHOT_SETTINGS.chunkBytes,
  };
}
