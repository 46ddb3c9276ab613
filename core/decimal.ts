/**
 * Exact decimal fractions for money: rates and fractions are decimal strings ("0.05"), held as
 * integer fractions, so no amount ever passes through floating point.
 */

export interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

export class DecimalError extends Error {
  override name = "DecimalError";
}

/** The Cosmos SDK's LegacyDec travels on the wire as its value times 10^18, as an integer. */
export const LEGACY_DEC_SCALE = 10n ** 18n;

export function parseDecimal(text: string): Fraction {
  const match = /^(\d+)(?:\.(\d{1,18}))?$/.exec(text);
  if (!match) throw new DecimalError(`"${text}" is not a non-negative decimal`);
  const fraction = match[2] ?? "";
  return { numerator: BigInt(match[1]! + fraction), denominator: 10n ** BigInt(fraction.length) };
}

/** A decimal in [0, 1], e.g. a commission rate or a slash fraction. */
export function parseUnitFraction(text: string): Fraction {
  const fraction = parseDecimal(text);
  if (fraction.numerator > fraction.denominator) throw new DecimalError(`"${text}" is more than 1`);
  return fraction;
}

/** floor(amount × fraction). */
export function mulFloor(amount: bigint, fraction: Fraction): bigint {
  return (amount * fraction.numerator) / fraction.denominator;
}

/** ceil(amount × fraction). */
export function mulCeil(amount: bigint, fraction: Fraction): bigint {
  return (amount * fraction.numerator + fraction.denominator - 1n) / fraction.denominator;
}

export function compareFractions(a: Fraction, b: Fraction): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** A decimal string as LegacyDec wire text (its value × 10^18, truncated). */
export function toLegacyDec(text: string): string {
  return mulFloor(LEGACY_DEC_SCALE, parseDecimal(text)).toString();
}

/** LegacyDec wire text back to a plain decimal string. */
export function fromLegacyDec(wire: string): string {
  if (!/^\d+$/.test(wire)) throw new DecimalError(`"${wire}" is not LegacyDec wire text`);
  const value = BigInt(wire);
  const whole = value / LEGACY_DEC_SCALE;
  const fraction = (value % LEGACY_DEC_SCALE).toString().padStart(18, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

/** The smaller of two amounts (Math.min does not take bigints). */
export function minAmount(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}
