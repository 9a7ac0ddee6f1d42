/**
 * The worker's listeners (`listeners`, `admin.listeners`, `ingest.listeners`): each URI parsed as
 * Connect does (`protocol://host:port`, http or https), with the rule that an ingest listener never
 * shares a port with a REST or admin listener. Used by loadWorkerConfig, the REST server and the
 * ingest server.
 */
import { ConfigError } from "./errors.ts";
import { invalidValue } from "./util/invalid-value.ts";

export interface Listener {
  readonly protocol: "http" | "https";
  /** Empty string: all interfaces. */
  readonly host: string;
  readonly port: number;
  readonly uri: string;
}

function configError(keyName: string, message: string): never {
  throw new ConfigError(message, new Map([[keyName, [message]]]));
}

export function parseListener(keyName: string, uri: string): Listener {
  // No user info: a host holding `@` is refused, as Connect's LISTENER_PATTERN refuses it (its
  // `user@` would be quoted unhidden in bind failures otherwise).
  const m = /^([A-Za-z]+):\/\/(\[[^\]@]*\]|[^:/@]*):(\d+)\/?$/.exec(uri.trim());
  if (!m) configError(keyName, invalidValue(keyName, uri, "Could not parse listener: expected protocol://host:port"));
  const protocol = m[1]!.toLowerCase();
  if (protocol !== "http" && protocol !== "https") {
    configError(keyName, invalidValue(keyName, uri, 'Listener protocol must be either "http" or "https".'));
  }
  const port = Number(m[3]);
  if (port > 65535) configError(keyName, invalidValue(keyName, uri, "port out of range"));
  return { protocol, host: m[2]!.replace(/^\[|\]$/g, ""), port, uri: uri.trim() };
}

/** Hosts that mean every IPv4 interface (an empty host is bound as 0.0.0.0). */
const IPV4_ANY_HOSTS = new Set(["", "0.0.0.0"]);
/** Hosts that mean every interface, IPv4 ones included (dual stack). */
const IPV6_ANY_HOSTS = new Set(["::", "0:0:0:0:0:0:0:0"]);

/** Hosts that mean every interface. */
const ANY_HOSTS = new Set([...IPV4_ANY_HOSTS, ...IPV6_ANY_HOSTS]);

/**
 * Where this host reaches the first of `listeners` (a `listeners` value, as `CONNECT_LISTENERS`
 * gives it): an all-interfaces host is asked on loopback. Undefined when unset, unparsable or on
 * port 0 (a port known only once it listens). `gateway healthcheck`'s default in a container whose
 * listener the operator moved (`-e CONNECT_LISTENERS=https://:8443`). `[::]` is asked on 127.0.0.1
 * too: its socket is dual-stack, and a container on a network without IPv6 has no `::1`.
 */
export function healthUrlOfListeners(listeners: string | undefined): string | undefined {
  const first = listeners?.split(",")[0]?.trim();
  if (!first) return undefined;
  let listener: Listener;
  try {
    listener = parseListener("listeners", first);
  } catch {
    return undefined;
  }
  if (listener.port === 0) return undefined;
  const host = ANY_HOSTS.has(listener.host)
    ? "127.0.0.1"
    : listener.host.includes(":")
      ? `[${listener.host}]`
      : listener.host;
  return `${listener.protocol}://${host}:${listener.port}`;
}

/** Whether a listener accepts connections from this host only. */
export function isLoopback(listener: Listener): boolean {
  return isLoopbackHost(listener.host);
}

/**
 * The plain http listeners other hosts can reach (not bound to loopback): credentials sent to them
 * travel in clear text. A loopback one is left out: a TLS proxy on the same host is the usual front
 * of one. For the start-time WARNs of the REST API's (rest/exposed-listeners.ts) and the ingest
 * connectors' (ingest/clear-text-listeners.ts) credentials, also beside an https listener.
 */
export function plainListenersOtherHostsReach(listeners: readonly Listener[]): Listener[] {
  return listeners.filter((l) => l.protocol === "http" && !isLoopback(l));
}

/** Whether a host name or address (a URL's, IPv6 in brackets or not) is this host's loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * The address a listener's host is bound on, as far as a clash goes: Bun binds `localhost` to
 * 127.0.0.1, and an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) on its IPv4 address.
 */
function boundHost(host: string): string {
  const h = host.toLowerCase();
  if (h === "localhost") return "127.0.0.1";
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1] ?? h;
}

/**
 * Whether two listeners would bind the same socket: the same port (not 0, a port chosen at bind) on
 * the same host; on any host when either is `[::]` (dual stack); on an IPv4 address (an IPv4-mapped one too) or a host name
 * when either is `0.0.0.0` or empty (every IPv4 interface: an IPv6 address such as `[::1]` is apart).
 */
function sameAddress(a: Listener, b: Listener): boolean {
  if (a.port === 0 || a.port !== b.port) return false;
  const x = boundHost(a.host);
  const y = boundHost(b.host);
  if (IPV6_ANY_HOSTS.has(x) || IPV6_ANY_HOSTS.has(y)) return true;
  if (IPV4_ANY_HOSTS.has(x)) return !y.includes(":");
  if (IPV4_ANY_HOSTS.has(y)) return !x.includes(":");
  return x === y;
}

/** The REST, admin and ingest listeners of the worker config; throws ConfigError on a bad one or a clash. */
export function workerListeners(
  listeners: readonly string[],
  admin: readonly string[] | null,
  ingest: readonly string[] | null,
): {
  restListeners: Listener[];
  adminListeners: Listener[] | undefined;
  ingestListeners: Listener[] | null;
} {
  const restListeners = listeners.map((l) => parseListener("listeners", l));
  if (restListeners.length === 0)
    configError("listeners", "Invalid value  for configuration listeners: at least one listener is required");
  const adminListeners = admin?.map((l) => parseListener("admin.listeners", l));
  const ingestListeners = ingest?.map((l) => parseListener("ingest.listeners", l)) ?? null;
  // Bound twice, the second would fail as "in use by another process", naming neither entry (opshunt:
  // the REST and admin listeners too).
  const groups = [
    { key: "listeners", kind: "REST", listeners: restListeners },
    { key: "admin.listeners", kind: "admin", listeners: adminListeners ?? [] },
    { key: "ingest.listeners", kind: "ingest", listeners: ingestListeners ?? [] },
  ];
  for (const [g, group] of groups.entries()) {
    for (const [i, listener] of group.listeners.entries()) {
      const refuse = (reason: string) => configError(group.key, invalidValue(group.key, listener.uri, reason));
      for (const earlier of groups.slice(0, g)) {
        const clash = earlier.listeners.find((l) => sameAddress(l, listener));
        if (clash)
          refuse(`the ${group.kind} listener must not share a port with the ${earlier.kind} listener ${clash.uri}`);
      }
      const twice = group.listeners.slice(0, i).find((l) => sameAddress(l, listener));
      if (twice)
        refuse(
          twice.uri === listener.uri
            ? "the listener is listed twice"
            : `the listener takes the same port as the ${group.kind} listener ${twice.uri}`,
        );
    }
  }
  return { restListeners, adminListeners, ingestListeners };
}
