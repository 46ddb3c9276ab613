import type { SurfaceResult } from "./fuzz-campaign.js";

const COLUMNS: readonly (keyof SurfaceResult)[] = [
  "surface",
  "cases",
  "refused",
  "accepted",
  "decoded",
  "deep",
  "crashes",
  "seed",
  "seconds",
];

/** The campaign's results as a Markdown table (what RELIABILITY.md records). */
export function formatTable(results: readonly SurfaceResult[]): string {
  const rows = results.map((result) => COLUMNS.map((column) => String(result[column])));
  const widths = COLUMNS.map((column, i) => Math.max(column.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((width, i) => (i === 0 ? "-".repeat(width + 2) : `${"-".repeat(width + 1)}:`)).join("|")}|`;
  return [line(COLUMNS), rule, ...rows.map(line)].join("\n");
}
