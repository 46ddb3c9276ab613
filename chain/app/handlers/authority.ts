/** Messages only governance may send, and the validation of the parameters they carry. */
import { z } from "zod";
import { DecimalError, parseUnitFraction } from "../../../core/decimal.js";
import type { StakingParams } from "../../../core/proto/staking.js";
import { GOV_AUTHORITY } from "../../modules/params.js";
import {
  EvidenceMaxAgeError,
  readEvidenceMaxAgeMs,
  requireEvidenceOutlivesUnbonding,
} from "../../modules/staking.js";
import type { StateReader } from "../../store/overlay.js";
import { GovCode, moduleError } from "../../tx/errors.js";

export function requireAuthority(authority: string): void {
  if (authority !== GOV_AUTHORITY) {
    throw moduleError(
      "gov",
      GovCode.Unauthorized,
      `only the gov module (${GOV_AUTHORITY}) may send this message, not ${authority}`,
    );
  }
}

const unitFraction = z.string().refine((text) => {
  try {
    parseUnitFraction(text);
    return true;
  } catch (error) {
    if (error instanceof DecimalError) return false;
    throw error;
  }
}, "must be a decimal between 0 and 1");

const positiveInteger = z.string().regex(/^[1-9]\d{0,77}$/, "must be a positive integer");

export const StakingParamsSchema = z.strictObject({
  unbondingTimeSeconds: z.bigint().positive(),
  maxValidators: z.number().int().min(1).max(10_000),
  maxEntries: z.number().int().min(1).max(100),
  epochLength: z.bigint().positive(),
  minSelfDelegation: positiveInteger,
  minCommissionRate: unitFraction,
});

/** Parameters as given, or a gov InvalidParams error that names every problem. */
export function validParams<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw moduleError(
      "gov",
      GovCode.InvalidParams,
      `invalid ${what} parameters: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** Staking parameters as given, or a gov InvalidParams error: the schema, then the evidence rule. */
export function validStakingParams(state: StateReader, params: StakingParams | null): StakingParams {
  const valid = validParams(StakingParamsSchema, params, "staking");
  try {
    requireEvidenceOutlivesUnbonding(readEvidenceMaxAgeMs(state), valid.unbondingTimeSeconds);
  } catch (error) {
    if (!(error instanceof EvidenceMaxAgeError)) throw error;
    throw moduleError("gov", GovCode.InvalidParams, `invalid staking parameters: ${error.message}`);
  }
  return valid;
}
