/**
 * Building a fraud challenge (MsgChallengeHeader) against a pending rollup header: the
 * disputed block's pre-state witness and parent header come from an honest EVM node (over
 * `metro_fraudProof`, or in process), the rollup's slice of the Metro block at the header's
 * Metro height from Metro's RPC. Metro checks that slice against its own record and re-executes.
 */
import { z } from "zod";
import { queryRollupHeader, signedBlockAt } from "../chain/index.js";
import { fromHex } from "../core/bytes.js";
import type { MsgChallengeHeader } from "../core/proto/rollup.js";
import { rollupIdFromName } from "../core/rollup.js";
import { RollupSliceCodec, sliceForRollup } from "../core/sequencer-block.js";
import { buildSequencerBlock } from "../relayer/index.js";

export class ChallengeBuildError extends Error {
  override name = "ChallengeBuildError";
}

/** The parent header (RLP) and encoded pre-state witness of the rollup block at a height. */
export type FraudProofSource = (
  rollupHeight: bigint,
) => Promise<{ parentHeader: Uint8Array; witness: Uint8Array }>;

export interface ChallengeRequest {
  metroRpc: string;
  /** An EVM node of the rollup that executed the disputed block honestly. */
  proof: FraudProofSource;
  rollupName: string;
  rollupHeight: bigint;
  challenger: string;
  /** Base units of Metro's fee denom. */
  bond: bigint;
}

const hex = z.string().regex(/^0x([0-9a-f]{2})*$/i);
const FraudProofReply = z.union([
  z.object({ result: z.object({ blockHash: hex, parentHeader: hex, witness: hex }) }),
  z.object({ error: z.object({ code: z.number(), message: z.string() }) }),
]);

export async function buildChallenge(request: ChallengeRequest): Promise<MsgChallengeHeader> {
  const rollupId = rollupIdFromName(request.rollupName);
  const stored = await queryRollupHeader(request.metroRpc, rollupId, request.rollupHeight);
  const header = stored?.header?.signed?.header;
  if (!header)
    throw new ChallengeBuildError(`${request.rollupName} has no header at height ${request.rollupHeight}`);
  if (stored.header?.final) throw new ChallengeBuildError(`header ${request.rollupHeight} is final already`);
  const metro = buildSequencerBlock(await signedBlockAt(request.metroRpc, Number(header.metroHeight)));
  const proof = await request.proof(request.rollupHeight);
  return {
    challenger: request.challenger,
    rollupId,
    rollupHeight: request.rollupHeight,
    bond: request.bond.toString(),
    metroBlock: RollupSliceCodec.encode(sliceForRollup(metro, rollupId)),
    parentHeader: proof.parentHeader,
    witness: proof.witness,
  };
}

/** An EVM node's `metro_fraudProof`, as a FraudProofSource. */
export const fraudProofOverRpc =
  (evmRpc: string): FraudProofSource =>
  async (rollupHeight) => {
    const { parentHeader, witness } = await fraudProof(evmRpc, rollupHeight);
    return { parentHeader: fromHex(parentHeader.slice(2)), witness: fromHex(witness.slice(2)) };
  };

async function fraudProof(evmRpc: string, number: bigint) {
  const response = await fetch(evmRpc, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "metro_fraudProof",
      params: [`0x${number.toString(16)}`],
    }),
  });
  if (!response.ok) throw new ChallengeBuildError(`${evmRpc} answered HTTP ${response.status}`);
  const reply = FraudProofReply.parse(await response.json());
  if ("error" in reply) throw new ChallengeBuildError(`metro_fraudProof: ${reply.error.message}`);
  return reply.result;
}
