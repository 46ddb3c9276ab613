/**
 * Stake-weighted median with a reporting threshold. A pair gets a price only when validators
 * holding at least 2/3 of the power reported it; the median is then the lowest reported price
 * at which the reports' cumulative power reaches half of the reported power. It is always one
 * of the reported prices, and it stays inside the honest reports' range unless dishonest
 * validators hold at least half of the reported power, which needs 1/3 of all power.
 */

export interface WeightedReport {
  price: bigint;
  power: bigint;
}

export function stakeWeightedMedian(
  reports: readonly WeightedReport[],
  totalPower: bigint,
): bigint | undefined {
  const reported = reports.reduce((sum, report) => sum + report.power, 0n);
  if (totalPower <= 0n || reported * 3n < totalPower * 2n) return undefined;
  const sorted = [...reports].sort((a, b) => (a.price < b.price ? -1 : a.price > b.price ? 1 : 0));
  let cumulative = 0n;
  for (const report of sorted) {
    cumulative += report.power;
    if (cumulative * 2n >= reported) return report.price;
  }
  return undefined;
}
