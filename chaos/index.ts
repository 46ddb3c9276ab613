/**
 * The hostile-input campaign (issue 17, item 3): one fast-check property per surface, each
 * driving the real decoding and handling code in process. `npm run chaos:fuzz` runs them all
 * (chaos/fuzz.ts); test/unit/hostile-input.test.ts runs a short version of each in `npm test`.
 */

import { abciSurface } from "./abci/surface.js";
import { daBlobSurface } from "./da/blob-surface.js";
import { daRpcSurface } from "./da/rpc-surface.js";
import { evmSurface } from "./evm/surface.js";
import { gossipSurface } from "./gossip/surface.js";
import { oracleSurface } from "./oracle/surface.js";
import { restSurface } from "./rest/surface.js";
import type { Surface } from "./surface.js";
import { txSurface } from "./txs/surface.js";
import { voteSurface } from "./votes/surface.js";

export { type FuzzOptions, runSurface, type SurfaceResult } from "./fuzz-campaign.js";
export type { Surface } from "./surface.js";
export { formatTable } from "./table.js";

export const SURFACES: readonly Surface[] = [
  txSurface,
  abciSurface,
  gossipSurface,
  daBlobSurface,
  daRpcSurface,
  evmSurface,
  restSurface,
  oracleSurface,
  voteSurface,
];

export function surfaceNamed(name: string): Surface | undefined {
  return SURFACES.find((surface) => surface.name === name);
}
