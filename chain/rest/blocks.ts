/**
 * Blocks in the SDK gateway's JSON (cmtservice GetLatestBlock / GetBlockByHeight), from
 * CometBFT's `block`: the same fields, with hashes and addresses in base64 rather than hex,
 * `parts` named `part_set_header`, and signature flags by name.
 */
import { z } from "zod";
import { consensusAddressText } from "../../core/address.js";
import { rpcGet } from "../node/rpc.js";
import { RestError } from "./errors.js";

const HEX_FIELDS = new Set([
  "hash",
  "last_commit_hash",
  "data_hash",
  "validators_hash",
  "next_validators_hash",
  "consensus_hash",
  "app_hash",
  "last_results_hash",
  "evidence_hash",
  "proposer_address",
  "validator_address",
]);
const BLOCK_ID_FLAGS = [
  "BLOCK_ID_FLAG_UNKNOWN",
  "BLOCK_ID_FLAG_ABSENT",
  "BLOCK_ID_FLAG_COMMIT",
  "BLOCK_ID_FLAG_NIL",
];

const hexToBase64 = (hex: string): string => Buffer.from(hex, "hex").toString("base64");

function gatewayJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(gatewayJson);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (HEX_FIELDS.has(key) && typeof inner === "string") return [key, hexToBase64(inner)];
      if (key === "block_id_flag" && typeof inner === "number") return [key, BLOCK_ID_FLAGS[inner] ?? inner];
      return [key === "parts" ? "part_set_header" : key, gatewayJson(inner)];
    }),
  );
}

const BlockReplySchema = z.object({
  result: z
    .object({
      block_id: z.record(z.string(), z.unknown()),
      block: z.object({ header: z.object({ proposer_address: z.string() }).loose() }).loose(),
    })
    .optional(),
  error: z.object({ message: z.string(), data: z.string().optional() }).optional(),
});

/** GET …/blocks/latest (height undefined) and …/blocks/{height}. */
export async function getBlock(rpc: string, height?: string): Promise<unknown> {
  if (height !== undefined && !/^[1-9]\d*$/.test(height)) {
    throw new RestError(400, 3, `invalid height "${height}"`);
  }
  const reply = await rpcGet(`${rpc}/block${height ? `?height=${height}` : ""}`, BlockReplySchema);
  if (!reply.result) throw new RestError(400, 3, reply.error?.data || reply.error?.message || "no block");
  const block = gatewayJson(reply.result.block) as { header: Record<string, unknown> };
  const proposer = consensusAddressText(Buffer.from(reply.result.block.header.proposer_address, "hex"));
  return {
    block_id: gatewayJson(reply.result.block_id),
    block,
    // The SDK's own block type: the proposer as a bech32 consensus address.
    sdk_block: { ...block, header: { ...block.header, proposer_address: proposer } },
  };
}
