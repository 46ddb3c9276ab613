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
