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

/** The switch `metro start` reads: the validator whose home folder is named here tampers. */
export const TAMPER_INJECTION_ENV = "METRO_TEST_TAMPER_INJECTION";

/** The switch that makes the named validator serve every state-sync chunk corrupted. */
export const CORRUPT_SNAPSHOT_ENV = "METRO_TEST_CORRUPT_SNAPSHOT_CHUNKS";
