/**
 * The app's own settings, `<home>/config/app.json` (CometBFT's are in config.toml): snapshots for
 * state sync and pruning. An absent file or key means the default.
 */
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

export interface PruningSettings {
  /** Heights of state kept queryable with proofs (0: all). */
  keepRecent: number;
  /** Pruning runs every this many heights. */
  interval: number;
  /** Blocks CometBFT keeps, told as Commit's retain height (0: all). */
  minRetainBlocks: number;
}

export interface AppConfig {
  snapshots: SnapshotSettings;
  pruning: PruningSettings;
}

export const DEFAULT_APP_CONFIG: AppConfig = {
  snapshots: { interval: 0, keepRecent: 2, chunkBytes: 1 << 20 },
  pruning: { keepRecent: 10_000, interval: 100, minRetainBlocks: 0 },
};

const count = z.number().int().min(0);

const AppConfigSchema = z
  .object({
    snapshot_interval: count.optional(),
    snapshot_keep_recent: count.min(1).optional(),
    // CometBFT refuses chunks past 16 MB.
    snapshot_chunk_bytes: count
      .min(64)
      .max(16 << 20)
      .optional(),
    pruning_keep_recent: count.optional(),
    pruning_interval: count.min(1).optional(),
    min_retain_blocks: count.optional(),
  })
  .strict();

export class AppConfigError extends Error {
  override name = "AppConfigError";
}

export const appConfigPath = (home: string): string => join(home, "config", "app.json");

export function readAppConfig(home: string): AppConfig {
  const path = appConfigPath(home);
  if (!existsSync(path)) return DEFAULT_APP_CONFIG;
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
  const { snapshots, pruning } = DEFAULT_APP_CONFIG;
  return {
    snapshots: {
      interval: config.snapshot_interval ?? snapshots.interval,
      keepRecent: config.snapshot_keep_recent ?? snapshots.keepRecent,
      chunkBytes: config.snapshot_chunk_bytes ?? snapshots.chunkBytes,
    },
    pruning: {
      keepRecent: config.pruning_keep_recent ?? pruning.keepRecent,
      interval: config.pruning_interval ?? pruning.interval,
      minRetainBlocks: config.min_retain_blocks ?? pruning.minRetainBlocks,
    },
  };
}
