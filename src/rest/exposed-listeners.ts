/**
 * What the REST and admin listeners leave open to other hosts, for startRestServers' start-time
 * WARNs (server.ts): without rest.authentication, every listener other hosts can reach (whoever
 * reaches it controls the connectors); with it, the plain http ones other hosts can reach, where
 * the admin passwords and bearer tokens travel in clear text, also beside an https listener
 * (explore4 J8, as ingest connectors' clearTextCredentials). Names schemes and listeners, never a
 * credential.
 */
import { isLoopback, type Listener, plainListenersOtherHostsReach } from "../listener.ts";

export interface RestListeners {
  /** `listeners`. */
  readonly rest: readonly Listener[];
  /** `admin.listeners` (unset: none of their own). */
  readonly admin?: readonly Listener[] | undefined;
}

/** One WARN per listener other hosts can reach, for REST authentication that is off. */
export function unauthenticatedListenerWarnings(listeners: RestListeners): string[] {
  return [...listeners.rest, ...(listeners.admin ?? [])]
    .filter((l) => !isLoopback(l))
    .map(
      (l) =>
        `The REST listener ${l.uri} accepts connections from other hosts without authentication: whoever reaches it controls the connectors (which read and write files and the network as this process). Set rest.authentication (basic and/or bearer) to require credentials, or bind it to 127.0.0.1.`,
    );
}

/**
 * The WARN (none or one) for the plain http listeners other hosts reach while `schemes`
 * (rest.authentication) ask clients for credentials.
 */
export function clearTextRestCredentials(schemes: readonly string[], listeners: RestListeners): string[] {
  const plain = [
    ...plainListenersOtherHostsReach(listeners.rest).map((l) => `${l.uri} (listeners)`),
    ...plainListenersOtherHostsReach(listeners.admin ?? []).map((l) => `${l.uri} (admin.listeners)`),
  ];
  const exposed = ["basic", "bearer"].filter((s) => schemes.includes(s));
  if (exposed.length === 0 || plain.length === 0) return [];
  const credentials = exposed.map((s) => (s === "basic" ? "passwords" : "bearer tokens")).join(" and ");
  const one = plain.length === 1;
  return [
    `rest.authentication lists ${exposed.join(" and ")}, and the plain http REST ${one ? "listener" : "listeners"} ${plain.join(", ")} other hosts reach ${one ? "serves" : "serve"} the API: the ${credentials} clients send there travel in clear text. Use https listeners (listeners.https.ssl.*, admin.listeners.https.ssl.*), or bind ${one ? "it" : "them"} to 127.0.0.1 behind a TLS proxy.`,
  ];
}
