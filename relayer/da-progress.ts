/**
 * How far the relayer has posted a Metro chain, read from the DA alone: the Metro heights in
 * the metadata blobs of Metro's namespace. What a dashboard shows, without asking the relayer.
 */
import type { Blob, CelestiaClient } from "./celestia/client.js";
import { decodeMetadata, metroNamespace } from "./da-format.js";

/** The Metro heights posted at one DA height (none when it holds no metadata of this chain). */
export async function metroHeightsAtDaHeight(
  client: CelestiaClient,
  chainId: string,
  daHeight: number,
  skip: (blob: Blob) => boolean = () => false,
): Promise<bigint[]> {
  const heights: bigint[] = [];
  for (const blob of await client.getAll(daHeight, [metroNamespace(chainId)])) {
    if (skip(blob)) continue;
    let metadata: ReturnType<typeof decodeMetadata>;
    try {
      metadata = decodeMetadata(blob.data);
    } catch {
      continue; // anyone may post in the namespace; only Metro's metadata counts
    }
    if (metadata.chainId !== chainId) continue;
    for (const block of metadata.blocks) if (block.header) heights.push(block.header.height);
  }
  return heights;
}
