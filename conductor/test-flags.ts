/**
 * Misbehaviour on purpose, for the tests that show Metro punishing it (the header-signing
 * integration test sets these). Never set in a real deployment.
 *
 * METRO_TEST_WRONG_STATE_ROOT_AT=H   every signer in the process signs a wrong state root at
 *                                    rollup height H (a committee majority lying, to challenge)
 * METRO_TEST_EQUIVOCATE=OPERATOR@H   that member also signs a second header for height H
 */
import type { RollupHeader } from "../core/rollup-header.js";

export function wrongStateRootAt(height: bigint): boolean {
  return process.env.METRO_TEST_WRONG_STATE_ROOT_AT === height.toString();
}

export function equivocatesAt(operator: string, height: bigint): boolean {
  return process.env.METRO_TEST_EQUIVOCATE === `${operator}@${height}`;
}

/** The same header with its state root's bits flipped. */
export function withWrongStateRoot(header: RollupHeader): RollupHeader {
  return { ...header, stateRoot: header.stateRoot.map((byte) => byte ^ 0xff) };
}
