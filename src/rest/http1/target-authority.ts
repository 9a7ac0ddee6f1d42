/**
 * The authority of an absolute-form target (`http://host:port/…`) as Apache Kafka Connect's server
 * (Jetty 12's HttpURI) reads it: what `request-route.ts` compares with the Host field and what
 * Jetty's `Authority!=Host` page shows of the target.
 *
 * As observed on Connect 4.3.1 (test/fixtures/connect-rest/listener-corners.json): user info (up
 * to the last `@`, at most one `:` between two `@`) is set aside; a name and user info are RFC 3986's
 * unreserved and sub-delims characters but `;`, and valid %-escapes; a bracketed IPv6 host must be
 * closed and a literal (no zone); the port is digits only, read as a Java int (so it wraps past
 * 2^31) and dropped when not above 0. Anything else is a bad message. The Host field is compared, as sent, with the host and that port (`http://h:080/` names
 * `h:80`, `http://h:0/` names `h`; case and a default port count). The page shows the URI with the
 * scheme lower-cased, the scheme's default port left out and `/` for an empty path.
 */

import { isIpv6 } from "./host-port.ts";

/** The schemes Jetty (URIUtil) knows a default port of. */
const DEFAULT_PORTS: Record<string, number | undefined> = {
  http: 80,
  ws: 80,
  https: 443,
  wss: 443,
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
};

export interface TargetAuthority {
  readonly host: string;
  /** The port as Jetty holds it; 0 or less: none. */
  readonly port: number;
}

/** A run of the characters HttpURI takes in a name or user info. */
const NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,=]|%[0-9A-Fa-f]{2})*$/;

/** The host and port of `authority` (user info included), or null when Jetty refuses it as a bad message. */
export function readAuthority(authority: string): TargetAuthority | null {
  const at = authority.lastIndexOf("@");
  // HttpURI reads the host again after each `@`: what came before is user info, one `:` in each part.
  const userInfo = at < 0 ? [] : authority.slice(0, at).split("@");
  if (!userInfo.every((part) => part.split(":").every((run, i) => i < 2 && NAME.test(run)))) return null;
  const hostPort = authority.slice(at + 1);
  let colon = hostPort.indexOf(":");
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    const literal = hostPort.slice(1, close);
    if (close < 0 || literal.includes("%") || !isIpv6(literal)) return null;
    colon = hostPort[close + 1] === ":" ? close + 1 : -1;
  } else if (!NAME.test(colon < 0 ? hostPort : hostPort.slice(0, colon))) return null;
  if (colon < 0) return { host: hostPort, port: 0 };
  const digits = hostPort.slice(colon + 1);
  if (!/^\d*$/.test(digits)) return null;
  let port = 0;
  for (const d of digits) port = (Math.imul(port, 10) + Number(d)) | 0;
  return { host: hostPort.slice(0, colon), port };
}

/** What Jetty compares with the Host field: the host, and the port when above 0. */
export function authorityName({ host, port }: TargetAuthority): string {
  return port > 0 ? `${host}:${port}` : host;
}

/**
 * The target as Jetty's page shows it: `scheme` lower-cased, the authority without user info or
 * its scheme's default port, then `rest` (what followed the authority), `/` first.
 */
export function shownTarget(scheme: string, { host, port }: TargetAuthority, rest: string): string {
  const lower = scheme.toLowerCase();
  const shownPort = port > 0 && port !== DEFAULT_PORTS[lower] ? `:${port}` : "";
  return `${lower}://${host}${shownPort}${rest.startsWith("/") ? rest : `/${rest}`}`;
}
