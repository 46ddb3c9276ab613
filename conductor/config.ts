/** A conductor's config: which rollup, which Metro network to trust, where its streams come from. */
import { readFileSync } from "node:fs";
import { z } from "zod";

const hash = z.string().regex(/^[0-9a-fA-F]{64}$/, "a 32-byte hex hash");
const url = z.string().url();

const TrustRootSchema = z.object({
  /** A Metro height and the hash of the validator set that signs it, trusted out of band. */
  height: z.number().int().positive(),
  validatorsHash: hash,
});

export const ConductorConfigSchema = z.object({
  rollupName: z.string().min(1),
  metroChainId: z.string().min(1),
  trust: TrustRootSchema,
  metroRpc: url,
  daUrl: url,
  daToken: z.string().optional(),
  /** The first DA height to read the firm stream from. */
  daStartHeight: z.number().int().positive().default(1),
  executionUrl: url,
  gossip: z
    .object({
      port: z.number().int().min(0).max(65535).default(0),
      peers: z.array(z.string()).default([]),
    })
    .default({ port: 0, peers: [] }),
  /** How long the soft stream waits for gossip before reading a committed block from Metro's RPC. */
  gossipGraceMs: z.number().int().nonnegative().default(1500),
});

export type ConductorConfig = z.infer<typeof ConductorConfigSchema>;

export function loadConductorConfig(path: string): ConductorConfig {
  return ConductorConfigSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}
