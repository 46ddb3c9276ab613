/** A rollup's EVM genesis: chain id, accounts, and the Metro height it starts from. */
import { z } from "zod";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an 0x-prefixed 20-byte address");
const hex = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, "0x-prefixed hex bytes");
const amount = z.string().regex(/^\d+$/, "a decimal integer (wei)");

export const RollupGenesisSchema = z.object({
  /** The rollup's name on Metro; its id is sha256(name). */
  name: z.string().min(1).max(64),
  chainId: z
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1),
  /** The first Metro height this rollup executes (its block 1). */
  sequencerStartHeight: z.number().int().positive(),
  /** Unix seconds. */
  timestamp: z.number().int().nonnegative(),
  gasLimit: amount.default("30000000"),
  /** Gets the priority fees; base fees are burned, as on Ethereum. */
  feeRecipient: address.default("0x0000000000000000000000000000000000000000"),
  alloc: z.record(
    address,
    z.object({
      balance: amount.default("0"),
      nonce: z.number().int().nonnegative().default(0),
      code: hex.optional(),
      storage: z.record(hex, hex).optional(),
    }),
  ),
});

export type RollupGenesis = z.infer<typeof RollupGenesisSchema>;
