/**
 * Devnet homes for validators on several machines (`metro devnet --init-only --hosts a,b,c,d`):
 * validator i runs on host i, every home holds the same genesis, each CometBFT listens on the
 * listen host and announces `host_i:p2p_i`, and dials the others at `host_j:p2p_j`. A validator
 * takes 10 ports from its p2p port (the devnet's slot layout); validators sharing a host get
 * consecutive slots, so distinct hosts all use the port base.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { checkedOption, UsageError } from "../../core/cli-args.js";
import { hostPort, httpUrl, PeerHostSchema } from "../../core/listen.js";
import { operatorAddresses, testAccountAddresses } from "../client/keys.js";
import { configureComet } from "./cometbft.js";
import { DEVNET_PORT_OFFSETS } from "./devnet.js";
import { devnetAppState, type HomeSpec, initValidatorHomes } from "./home.js";

/**
 * The ports of one validator, from its p2p port: the devnet's layout, where the sidecar and the
 * market take the rollups' offsets, as no rollup runs here.
 */
export const HOST_PORT_OFFSETS = {
  p2p: DEVNET_PORT_OFFSETS.p2p,
  rpc: DEVNET_PORT_OFFSETS.rpc,
  appMetrics: DEVNET_PORT_OFFSETS.appMetrics,
  cometMetrics: DEVNET_PORT_OFFSETS.cometMetrics,
  sidecarMetrics: DEVNET_PORT_OFFSETS.sidecarMetrics,
  /** The oracle sidecar's /prices, which the app polls. */
  sidecar: DEVNET_PORT_OFFSETS.evmMetrics,
  /** Validator 0 only: the SIMULATED market every sidecar reads. */
  market: DEVNET_PORT_OFFSETS.conductorMetrics,
} as const;

/** Ports a validator reserves from its p2p port, whether or not it uses each. */
const PORTS_PER_VALIDATOR = 10;

export type HostPorts = Record<keyof typeof HOST_PORT_OFFSETS, number>;

/** One `--hosts` entry: a hostname or IP, and the p2p port when it names one. */
export interface HostEntry {
  host: string;
  port?: number;
}

/** The host and port text of `HOST`, `HOST:PORT`, `IPv6`, `[IPv6]` or `[IPv6]:PORT`. */
function splitHostPort(text: string): { host: string; port?: string; bracketed: boolean } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2], bracketed: true };
  const plain = /^([^:]*):(\d+)$/.exec(text);
  if (plain && isIP(text) !== 6) return { host: plain[1]!, port: plain[2], bracketed: false };
  return { host: text, bracketed: false };
}

const MAX_P2P_PORT = 65535 - PORTS_PER_VALIDATOR + 1;

function parseEntry(text: string, position: number): HostEntry {
  const what = `--hosts entry ${position} ("${text}")`;
  if (text === "") throw new UsageError(`--hosts entry ${position} is empty`);
  const split = splitHostPort(text);
  if (split.bracketed && isIP(split.host) !== 6)
    throw new UsageError(`${what}: only an IPv6 address goes in brackets`);
  // Hostnames are case-insensitive: A and a are one host, whose validators need distinct ports.
  const host = checkedOption(PeerHostSchema, split.host, "hosts").toLowerCase();
  if (split.port === undefined) return { host };
  const port = Number(split.port);
  if (port < 1 || port > MAX_P2P_PORT) throw new UsageError(`${what}: the port must be 1 to ${MAX_P2P_PORT}`);
  return { host, port };
}

/** `--hosts a,b:26756,[2001:db8::1]`: one entry per validator, in order. */
export function parseHosts(text: string): HostEntry[] {
  return text.split(",").map((entry, i) => parseEntry(entry.trim(), i + 1));
}

export interface PlacedValidator {
  index: number;
  host: string;
  ports: HostPorts;
}

function portsFrom(p2p: number): HostPorts {
  const entries = Object.entries(HOST_PORT_OFFSETS).map(([what, offset]) => [what, p2p + offset]);
  return Object.fromEntries(entries) as HostPorts;
}

/**
 * Each validator's ports: its entry's port, else its host's next slot from the port base. Two validators on one host whose 10-port ranges meet are refused, naming the port.
 */
export function placeValidators(entries: readonly HostEntry[], portBase: number): PlacedValidator[] {
  const slots = new Map<string, number>();
  const placed = entries.map((entry, index) => {
    const slot = slots.get(entry.host) ?? 0;
    if (entry.port === undefined) slots.set(entry.host, slot + 1);
    const p2p = entry.port ?? portBase + PORTS_PER_VALIDATOR * slot;
    if (p2p + PORTS_PER_VALIDATOR - 1 > 65535)
      throw new UsageError(
        `--port-base ${portBase} leaves validator ${index} on ${entry.host} no ports below 65536`,
      );
    return { index, host: entry.host, ports: portsFrom(p2p) };
  });
  for (const a of placed) {
    for (const b of placed.slice(a.index + 1)) {
      if (a.host === b.host && Math.abs(a.ports.p2p - b.ports.p2p) < PORTS_PER_VALIDATOR) {
        // The higher p2p port lies inside the lower one's range.
        const shared = hostPort(a.host, Math.max(a.ports.p2p, b.ports.p2p));
        throw new UsageError(
          `--hosts: validators ${a.index} and ${b.index} would both use ${shared} (each takes ${PORTS_PER_VALIDATOR} ports from its p2p port)`,
        );
      }
    }
  }
  return placed;
}

/** Loopback: the home is already where it runs. */
export function isLocalHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface HostHomesOptions {
  /** The folder that receives one home per validator, `node<i>`. */
  root: string;
  validators: readonly PlacedValidator[];
  chainId: string;
  /** The IP CometBFT's p2p and RPC listeners bind on every host. */
  listenHost: string;
  /** The IP the app's, CometBFT's and the sidecar's metrics bind. */
  metricsHost: string;
  /** The IP each sidecar binds; the app on the same host polls it there. */
  oracleHost: string;
}

export interface HostHome extends PlacedValidator {
  dir: string;
  moniker: string;
}

/** Writes the homes: keys, one genesis (the devnet's test accounts funded), peers, metrics and the sidecar's URL. */
export async function writeHostHomes(options: HostHomesOptions): Promise<HostHome[]> {
  const { root, validators } = options;
  const homes: HostHome[] = validators.map((v) => ({
    ...v,
    dir: join(root, `node${v.index}`),
    moniker: `validator-${v.index}`,
  }));
  const taken = homes.find((home) => existsSync(home.dir));
  if (taken) throw new UsageError(`${taken.dir} already exists; use --fresh to replace ${root}`);
  mkdirSync(root, { recursive: true });
  const operators = await operatorAddresses(homes.length);
  const specs: HomeSpec[] = homes.map((home) => ({
    home: home.dir,
    moniker: home.moniker,
    ports: { p2p: home.ports.p2p, rpc: home.ports.rpc },
    operator: operators[home.index],
    host: home.host,
    listenHost: options.listenHost,
  }));
  initValidatorHomes(specs, options.chainId, devnetAppState(await testAccountAddresses()));
  for (const home of homes) {
    configureComet(home.dir, {
      "instrumentation.prometheus": true,
      "instrumentation.prometheus_listen_addr": hostPort(options.metricsHost, home.ports.cometMetrics),
    });
    writeFileSync(join(home.dir, "oracle-url"), httpUrl(options.oracleHost, home.ports.sidecar));
  }
  return homes;
}
