/**
 * The rollups: those registered on Metro (found through CometBFT's tx index, which is public)
 * and those the watched blocks touched; per rollup its registered name, data seen, headers
 * final and pending, and judged challenges.
 */
import { z } from "zod";
import { queryChallenges, queryRollup, queryRollupHeader, rpcGet } from "../chain/index.js";
import { fromHex } from "../core/bytes.js";
import type { RollupRow } from "./snapshot.js";

/** Headers looked at below the latest to find the final ones: more than any challenge window here. */
const HEADER_LOOKBACK = 64;

const TxSearchSchema = z.object({
  result: z.object({
    txs: z.array(
      z.object({
        tx_result: z.object({
          events: z
            .array(
              z.object({
                type: z.string(),
                attributes: z.array(z.object({ key: z.string(), value: z.string().nullable() })).nullable(),
              }),
            )
            .nullable(),
        }),
      }),
    ),
  }),
});

/** Every registered rollup's id (hex) and name, from the `register_rollup` events. */
export async function registeredRollups(rpc: string): Promise<Map<string, string>> {
  const query = encodeURIComponent(`"register_rollup.rollup_id EXISTS"`);
  const { result } = await rpcGet(`${rpc}/tx_search?query=${query}&per_page=100`, TxSearchSchema);
  const found = new Map<string, string>();
  for (const tx of result.txs) {
    for (const event of tx.tx_result.events ?? []) {
      if (event.type !== "register_rollup") continue;
      const attribute = (key: string) => event.attributes?.find((a) => a.key === key)?.value ?? "";
      found.set(attribute("rollup_id"), attribute("name"));
    }
  }
  return found;
}

export interface SeenData {
  txs: number;
  bytes: number;
}

/**
 * The height headers are final through, and how many after it are still pending. A final header
 * stays final, so the scan stops at `knownFinal` (what an earlier poll found).
 */
async function headerProgress(rpc: string, id: Uint8Array, latest: number, knownFinal: number) {
  let pending = 0;
  for (let height = latest; height > Math.max(0, latest - HEADER_LOOKBACK); height--) {
    if (height <= knownFinal) return { finalThrough: height, pending };
    const header = await queryRollupHeader(rpc, id, BigInt(height));
    if (header?.header?.final) return { finalThrough: height, pending };
    pending++;
  }
  return { finalThrough: 0, pending };
}

export async function readRollup(
  rpc: string,
  idHex: string,
  seen: SeenData | undefined,
  knownFinal = 0,
): Promise<RollupRow> {
  const id = fromHex(idHex);
  const found = await queryRollup(rpc, id);
  const base = { id: idHex, seenTxs: seen?.txs ?? 0, seenBytes: seen?.bytes ?? 0 };
  if (!found?.rollup) {
    return { ...base, registered: false, latestHeader: 0, finalThrough: 0, pending: 0, challenges: [] };
  }
  const latest = Number(found.latestHeight);
  const [progress, challenges] = await Promise.all([
    headerProgress(rpc, id, latest, knownFinal),
    queryChallenges(rpc, id),
  ]);
  return {
    ...base,
    name: found.rollup.name,
    registered: true,
    latestHeader: latest,
    ...progress,
    challenges: challenges.map((c) => ({
      rollupHeight: Number(c.rollupHeight),
      outcome: c.outcome,
      reason: c.reason,
      height: Number(c.height),
    })),
  };
}
