/**
 * `metro devnet --init-only --hosts a,b,c,d`: writes one validator home per host (one genesis,
 * peers at each other's host:port) and prints, per host, what to copy there and how to start it.
 */
import { rmSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { hostOption, intOption, UsageError } from "../../core/cli-args.js";
import { hostPort } from "../../core/listen.js";
import { TEST_MNEMONIC } from "../client/keys.js";
import { assertValidatorCount, DEFAULT_PORT_BASE } from "../node/devnet.js";
import { DEVNET_CHAIN_ID } from "../node/home.js";
import { type HostHome, isLocalHost, parseHosts, placeValidators, writeHostHomes } from "../node/hosts.js";

/** The flags `metro devnet` takes only with --init-only. */
export const HOSTS_FLAGS = {
  "init-only": { type: "boolean" },
  hosts: { type: "string" },
  "chain-id": { type: "string" },
  "listen-host": { type: "string" },
  "metrics-host": { type: "string" },
  "oracle-host": { type: "string" },
} as const;

/** The flags only a running devnet takes. */
export const RUN_FLAGS = ["da-url", "da-token", "rest-port", "dashboard-port", "rollup-rpc-port", "da-port"];

/** Refuses any of `flags` given in `values`, saying why. */
export function refuseFlags(values: Record<string, unknown>, flags: readonly string[], why: string): void {
  const given = flags.find((flag) => values[flag] !== undefined);
  if (given !== undefined) throw new UsageError(`--${given} ${why}`);
}

export interface HostsValues {
  hosts?: string;
  validators?: string;
  home?: string;
  "port-base"?: string;
  fresh?: boolean;
  "chain-id"?: string;
  "listen-host"?: string;
  "metrics-host"?: string;
  "oracle-host"?: string;
}

const CHAIN_ID = /^[A-Za-z0-9._-]{1,50}$/;

/** What each host runs, every address as it is seen from there. */
interface HostsLayout {
  homes: readonly HostHome[];
  chainId: string;
  listenHost: string;
  metricsHost: string;
  oracleHost: string;
}

const metro = (...args: (string | number)[]): string => `    npm run metro -- ${args.join(" ")}`;

/** Where validator i's home goes on its host: where it was written when that is this machine. */
function remoteHome(home: HostHome): string {
  return isLocalHost(home.host) ? home.dir : `~/metro-node${home.index}`;
}

function hostLines(home: HostHome, layout: HostsLayout): string[] {
  const { ports } = home;
  const market = layout.homes[0]!;
  const scpHost = isIP(home.host) === 6 ? `[${home.host}]` : home.host;
  return [
    "",
    `validator ${home.index} on ${home.host}: p2p ${hostPort(home.host, ports.p2p)}, RPC http://${hostPort(home.host, ports.rpc)}`,
    isLocalHost(home.host)
      ? "  this machine: nothing to copy; run, each in its own terminal:"
      : `  copy ${home.dir} there as ${remoteHome(home)} (scp -r ${home.dir} ${scpHost}:metro-node${home.index}), then run there, each in its own terminal:`,
    ...(home.index === 0 ? [metro("market", "--host", layout.listenHost, "--port", ports.market)] : []),
    metro(
      ...["oracle", "--host", layout.oracleHost, "--port", ports.sidecar],
      ...["--market-url", `http://${hostPort(market.host, market.ports.market)}`],
      ...["--metrics-host", layout.metricsHost, "--metrics-port", ports.sidecarMetrics],
    ),
    metro(
      ...["start", "--home", remoteHome(home)],
      ...["--metrics-host", layout.metricsHost, "--metrics-port", ports.appMetrics],
    ),
  ];
}

/** The operator's instructions: one block per validator, its commands one a line. */
function hostInstructions(root: string, layout: HostsLayout): string[] {
  const hosts = [...new Set(layout.homes.map((home) => home.host))];
  return [
    `Metro devnet ${layout.chainId}: ${layout.homes.length} validator home(s) for ${hosts.join(", ")} in ${root}, one genesis`,
    `  CometBFT listens on ${layout.listenHost}, the sidecars on ${layout.oracleHost}, the metrics (app, CometBFT, sidecar) on ${layout.metricsHost}`,
    "  every host needs a built Metro checkout (npm ci) to run the commands in, and to reach the others' p2p ports;",
    `  the SIMULATED market on ${layout.homes[0]!.host} feeds every sidecar (drop --market-url to read the real exchanges);`,
    `  test accounts and operators come from the mnemonic "${TEST_MNEMONIC}": never for anything of value`,
    ...layout.homes.flatMap((home) => hostLines(home, layout)),
  ];
}

/** The listen host: as given, else 0.0.0.0, or 127.0.0.1 when every validator is on this machine. */
function listenHostFor(value: string | undefined, homes: readonly { host: string }[]): string {
  if (value !== undefined) return hostOption(value, "listen-host");
  return homes.every((home) => isLocalHost(home.host)) ? "127.0.0.1" : "0.0.0.0";
}

export async function devnetHostsCommand(values: HostsValues): Promise<void> {
  if (values.hosts === undefined) throw new UsageError("--init-only needs --hosts HOST,HOST,...");
  const entries = parseHosts(values.hosts);
  assertValidatorCount(entries.length);
  const validators = intOption(values.validators, "validators", entries.length);
  if (validators !== entries.length)
    throw new UsageError(`--validators ${validators} does not match the ${entries.length} --hosts given`);
  const chainId = values["chain-id"] ?? DEVNET_CHAIN_ID;
  if (!CHAIN_ID.test(chainId)) throw new UsageError(`--chain-id "${chainId}": 1 to 50 of A-Z a-z 0-9 . _ -`);
  const placed = placeValidators(entries, intOption(values["port-base"], "port-base", DEFAULT_PORT_BASE));
  const root = resolve(values.home ?? ".devnet-hosts");
  if (values.fresh === true) rmSync(root, { recursive: true, force: true });
  const addresses = {
    chainId,
    listenHost: listenHostFor(values["listen-host"], placed),
    metricsHost: hostOption(values["metrics-host"], "metrics-host"),
    oracleHost: hostOption(values["oracle-host"], "oracle-host"),
  };
  const homes = await writeHostHomes({ root, validators: placed, ...addresses });
  for (const line of hostInstructions(root, { homes, ...addresses })) console.log(line);
}
