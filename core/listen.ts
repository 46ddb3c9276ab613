/**
 * Listen addresses: every Metro service binds 127.0.0.1 unless told otherwise, and takes the
 * address as an IP literal (0.0.0.0 or :: for every interface), validated the same way everywhere.
 */
import { isIP } from "node:net";
import { z } from "zod";

export const DEFAULT_HOST = "127.0.0.1";

export const ListenHostSchema = z
  .string()
  .refine((host) => isIP(host) !== 0, "an IPv4 or IPv6 address, such as 127.0.0.1 or 0.0.0.0");

/** Where a client on this machine reaches a service bound to `host` (a wildcard is reached on loopback). */
export function dialHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "::1";
  return host;
}

/** `http://HOST:PORT` for a service bound to `host`, IPv6 in brackets. */
export function httpUrl(host: string, port: number): string {
  const dial = dialHost(host);
  return `http://${isIP(dial) === 6 ? `[${dial}]` : dial}:${port}`;
}

/** The libp2p TCP multiaddr a gossip node listens on. */
export function tcpMultiaddr(host: string, port: number): string {
  return `/ip${isIP(host) === 6 ? 6 : 4}/${host}/tcp/${port}`;
}

const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/**
 * Where others reach a machine: an IP literal or a DNS hostname (RFC 1123 labels). A dotted
 * all-digit name that is not an IPv4 address (300.1.2.3, 10.0.1) is refused, not looked up.
 */
export const PeerHostSchema = z
  .string()
  .refine(
    (host) => isIP(host) !== 0 || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host)),
    "a hostname or an IP address, such as node-a.example.org or 203.0.113.7",
  );

/** `HOST:PORT` as CometBFT's peer and external addresses take it, IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** CometBFT's listen address, `tcp://HOST:PORT`. */
export function tcpLaddr(host: string, port: number): string {
  return `tcp://${hostPort(host, port)}`;
}
