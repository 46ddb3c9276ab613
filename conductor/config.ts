/** A conductor's config: which rollup, which Metro network to trust, where its streams come from. */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ListenHostSchema } from "../core/listen.js";
import { MultiaddrSchema } from "../relayer/index.js";

const hash = z.string().regex(/^[0-9a-fA-F]{64}$/, "a 32-byte hex hash");
const url = z.string().url();

/** A gossip node's listen port and address (127.0.0.1 unless given), announced addresses and peers. */
const GossipConfigSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(0),
    host: ListenHostSchema.optional(),
    announce: z.array(MultiaddrSchema).optional(),
    peers: z.array(z.string()).default([]),
  })
  .default({ port: 0, peers: [] });
export type GossipConfig = z.infer<typeof GossipConfigSchema>;

const TrustRootSchema = z.object({
  /** A Metro height and the hash of the validator set that signs it, trusted out of band. */
  height: z.number().int().positive(),
  validatorsHash: hash,
});

/** One Metro network a rollup follows: its chain, trust root and where its blocks come from. */
export const NetworkConfigSchema = z.object({
  metroChainId: z.string().min(1),
  trust: TrustRootSchema,
  metroRpc: url,
  daUrl: url,
  daToken: z.string().optional(),
  /** The first DA height to read the firm stream from. */
  daStartHeight: z.number().int().positive().default(1),
  gossip: GossipConfigSchema,
});
export type NetworkConfig = z.infer<typeof NetworkConfigSchema>;

/** A committee member's header signing: its validator's keys and whether it aggregates. */
export const HeaderSigningSchema = z.object({
  /** The validator's home, holding its BLS key (config/bls_key.json). */
  validatorHome: z.string().min(1),
  /** The operator's Metro account (mnemonic and index): names the member, pays submissions. */
  operatorMnemonic: z.string().min(1),
  operatorAccountIndex: z.number().int().nonnegative(),
  aggregate: z.boolean().default(false),
  /** The account that pays for submissions, when not the operator's (same mnemonic). */
  submitterAccountIndex: z.number().int().nonnegative().optional(),
  gossip: GossipConfigSchema,
});
export type HeaderSigning = z.infer<typeof HeaderSigningSchema>;

export const ConductorConfigSchema = NetworkConfigSchema.extend({
  rollupName: z.string().min(1),
  executionUrl: url,
  /** How long the soft stream waits for gossip before reading a committed block from Metro's RPC. */
  gossipGraceMs: z.number().int().nonnegative().default(1500),
  /** Set when this operator's validator is in the rollup's header committee. */
  headers: HeaderSigningSchema.optional(),
  /**
   * Hard forks and migrations: from `rollupHeight` on, the rollup follows another Metro network
   * (a new chain id and trust root), whose block at `trust.height` becomes that rollup block.
   */
  forks: z
    .array(NetworkConfigSchema.extend({ rollupHeight: z.number().int().min(2) }))
    .default([])
    .refine(
      (forks) => forks.every((fork, i) => i === 0 || fork.rollupHeight > forks[i - 1]!.rollupHeight),
      "forks must be listed by increasing rollupHeight",
    ),
});

export type ConductorConfig = z.infer<typeof ConductorConfigSchema>;

export function loadConductorConfig(path: string): ConductorConfig {
  return ConductorConfigSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}
