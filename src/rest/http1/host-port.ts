/**
 * The Host field as Apache Kafka Connect's server (Jetty 12's HostPort, which its parser builds for
 * the first Host field) accepts it; anything else is `400 Bad HostPort`. Called by
 * `completed-field.ts` for each request's first Host field.
 *
 * Jetty's rules, as observed on Connect 4.3.1 (test/fixtures/connect-rest/user-info.json): a
 * bracketed IPv6 literal (Java's `InetAddress` literal syntax, a numeric zone allowed) with an
 * optional `:port`; an IPv6 address without brackets (more than one `:`) and no port; otherwise a
 * registered name (RFC 3986 unreserved and sub-delims characters, `%` with two hex digits: so no
 * user info, `/`, `?`, `#`, space or non-ASCII) with an optional `:port`, the name not empty. A
 * port is a decimal (as Java's `Integer.parseInt` reads one) from 1 to 65535, not empty.
 */

const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** Whether `text` (no brackets) is an IPv6 literal Java's `InetAddress.getByName` takes without a lookup. */
export function isIpv6(text: string): boolean {
  const percent = text.indexOf("%");
  if (percent >= 0 && !/^\d+$/.test(text.slice(percent + 1))) return false;
  let address = percent >= 0 ? text.slice(0, percent) : text;
  const lastColon = address.lastIndexOf(":");
  if (lastColon < 0) return false;
  // An IPv4 tail stands for the last two groups.
  const tail = address.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!IPV4.test(tail)) return false;
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === "" ? [] : half.split(":")));
  if (!groups.every((g) => GROUP.test(g))) return false;
  return halves.length === 2 ? groups.length <= 7 : groups.length === 8;
}

function isPort(text: string): boolean {
  if (!/^[+-]?\d{1,10}$/.test(text)) return false;
  const port = Number(text);
  return port >= 1 && port <= 65535;
}

/** Whether Jetty parses `authority` (a Host field's value, not empty) as a host and port. */
export function isHostPort(authority: string): boolean {
  if (authority.startsWith("[")) {
    const close = authority.lastIndexOf("]");
    if (close < 0 || !isIpv6(authority.slice(1, close))) return false;
    const rest = authority.slice(close + 1);
    return rest === "" || (rest.startsWith(":") && isPort(rest.slice(1)));
  }
  const colon = authority.lastIndexOf(":");
  if (colon < 0) return REG_NAME.test(authority);
  if (colon !== authority.indexOf(":")) return isIpv6(authority);
  return REG_NAME.test(authority.slice(0, colon)) && isPort(authority.slice(colon + 1));
}
