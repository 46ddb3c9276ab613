/**
 * Misbehaviour on purpose exists only so tests can show Metro punishing it. A switch left in a
 * real validator's environment would get it slashed and tombstoned, so every switch is refused
 * unless the chain is a devnet one, and shouts when it is on.
 */
import type { Logger } from "./log.js";

/** Chain ids the project's devnets and tests use (`metro-devnet-1` and its siblings). */
const DEVNET_CHAIN_ID = /^metro-devnet(-[a-z0-9]+)*$/;

export function isDevnetChainId(chainId: string): boolean {
  return DEVNET_CHAIN_ID.test(chainId);
}

export class FaultInjectionRefusedError extends Error {
  override name = "FaultInjectionRefusedError";
  constructor(
    readonly chainId: string,
    readonly switches: readonly string[],
  ) {
    super(
      `fault injection (${switches.join(", ")}) is for devnet chains only, refused on chain ${chainId}: ` +
        "unset it, or it would get this validator slashed",
    );
  }
}

/**
 * Throws unless `chainId` is a devnet's when any of `switches` is on; logs a loud warning when
 * they are allowed. `switches` names what is on, for the message; empty means none.
 */
export function assertFaultInjectionAllowed(chainId: string, switches: readonly string[], log: Logger): void {
  if (switches.length === 0) return;
  if (!isDevnetChainId(chainId)) throw new FaultInjectionRefusedError(chainId, switches);
  log.warn(
    { chainId, switches },
    "FAULT INJECTION IS ON: this node misbehaves on purpose (tests only); never run it for value",
  );
}

/**
 * The switch `metro start` reads: the validator whose home folder is named here tampers with the
 * commits it injects as proposer, `node1` or `node1:MODE` with a mode of INJECTION_TAMPERS.
 */
export const TAMPER_INJECTION_ENV = "METRO_TEST_TAMPER_INJECTION";

/** How a tampering proposer alters the injected commit: each must be refused by every validator. */
export const INJECTION_TAMPERS = ["forge", "drop", "reorder"] as const;
export type InjectionTamper = (typeof INJECTION_TAMPERS)[number];

/** The switch that makes the named validator send bad vote extensions, `node2:MODE`. */
export const BAD_VOTE_EXTENSIONS_ENV = "METRO_TEST_BAD_VOTE_EXTENSIONS";

/** Oversized: above what any validator accepts. Late: signed after the others committed. */
export const BAD_VOTE_EXTENSIONS = ["oversized", "late"] as const;
export type BadVoteExtension = (typeof BAD_VOTE_EXTENSIONS)[number];

export class FaultSwitchError extends Error {
  override name = "FaultSwitchError";
}

/**
 * The mode a switch's value sets for the home folder `homeName`: undefined when it names another
 * home, `fallback` when it names this one without a mode. A mode outside `modes` is refused.
 */
export function faultSwitchMode<Mode extends string>(
  value: string,
  homeName: string,
  modes: readonly Mode[],
  fallback?: Mode,
): Mode | undefined {
  const [name, mode, ...rest] = value.split(":");
  if (name !== homeName) return undefined;
  if (rest.length === 0 && mode === undefined && fallback !== undefined) return fallback;
  if (rest.length > 0 || !modes.includes(mode as Mode)) {
    throw new FaultSwitchError(`fault switch value ${value}: the mode must be one of ${modes.join(", ")}`);
  }
  return mode as Mode;
}

/** The switch that makes the named validator serve every state-sync chunk corrupted. */
export const CORRUPT_SNAPSHOT_ENV = "METRO_TEST_CORRUPT_SNAPSHOT_CHUNKS";
