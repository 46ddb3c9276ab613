/** Governance proposals (gov v1) with their tallies, newest first. */

import { proposalStatusToJSON } from "cosmjs-types/cosmos/gov/v1/gov";
import * as gov from "cosmjs-types/cosmos/gov/v1/query";
import { sdkQuery } from "./sdk-query.js";
import type { ProposalRow } from "./snapshot.js";

export async function readProposals(rpc: string): Promise<ProposalRow[]> {
  const { proposals } = await sdkQuery(
    rpc,
    "/cosmos.gov.v1.Query/Proposals",
    gov.QueryProposalsRequest,
    gov.QueryProposalsResponse,
  );
  return proposals
    .map((p) => ({
      id: p.id.toString(),
      title: p.title || "(untitled)",
      status: proposalStatusToJSON(p.status).replace("PROPOSAL_STATUS_", ""),
      votingEnd: p.votingEndTime ? new Date(Number(p.votingEndTime.seconds) * 1000).toISOString() : undefined,
      tally: {
        yes: p.finalTallyResult?.yesCount ?? "0",
        no: p.finalTallyResult?.noCount ?? "0",
        abstain: p.finalTallyResult?.abstainCount ?? "0",
        veto: p.finalTallyResult?.noWithVetoCount ?? "0",
      },
    }))
    .reverse();
}
