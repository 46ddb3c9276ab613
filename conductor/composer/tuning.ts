/** How a composer batches and retries; every field has a default that fills Metro's blocks. */
import { z } from "zod";

export const ComposerTuningSchema = z
  .object({
    /** Metro txs signed and awaiting CheckTx's verdict at once, broadcast in order in one round. */
    window: z.number().int().min(1).max(64).optional(),
    /** At most this many rollup txs in one Metro tx. */
    maxBatch: z.number().int().min(1).optional(),
    /** At most this many bytes per Metro tx, below what the chain and its RPC take. */
    maxTxBytes: z.number().int().min(1024).optional(),
    /** How long a batch that is not full waits for more txs. */
    lingerMs: z.number().int().min(0).max(10_000).optional(),
    /** Refusals of the same rollup txs before their callers get Metro's reason. */
    maxAttempts: z.number().int().min(1).max(100).optional(),
    /** The wait before sending again, times the attempts so far. */
    retryDelayMs: z.number().int().min(0).max(60_000).optional(),
  })
  .strict();
export type ComposerTuning = z.infer<typeof ComposerTuningSchema>;

export const DEFAULT_TUNING: Required<ComposerTuning> = {
  window: 4,
  maxBatch: 10_000,
  maxTxBytes: Number.MAX_SAFE_INTEGER,
  lingerMs: 100,
  maxAttempts: 4,
  retryDelayMs: 200,
};

export function resolveTuning(tuning: ComposerTuning = {}): Required<ComposerTuning> {
  return {
    window: tuning.window ?? DEFAULT_TUNING.window,
    maxBatch: tuning.maxBatch ?? DEFAULT_TUNING.maxBatch,
    maxTxBytes: tuning.maxTxBytes ?? DEFAULT_TUNING.maxTxBytes,
    lingerMs: tuning.lingerMs ?? DEFAULT_TUNING.lingerMs,
    maxAttempts: tuning.maxAttempts ?? DEFAULT_TUNING.maxAttempts,
    retryDelayMs: tuning.retryDelayMs ?? DEFAULT_TUNING.retryDelayMs,
  };
}
