/**
 * Which ingest listeners carry device credentials (bearer tokens, Basic passwords) in clear text
 * to other hosts. Called by app.ts for the start-time WARN of a connector with jwt or basic
 * (ingest-auth-config.ts `clearTextCredentials`, explore2 G6).
 */
import { type Listener, parseListener, plainListenersOtherHostsReach } from "../listener.ts";
import { DEFAULT_INGEST_LISTENER } from "./ingest-server.ts";

/** The ingest listeners a credential's WARN names. */
export interface ClearTextListeners {
  /** Plain http listeners not bound to loopback: devices reaching them send credentials unencrypted. */
  readonly plain: readonly string[];
  /** The https listeners (devices reaching those are fine). */
  readonly https: readonly string[];
}

/**
 * The plain http ingest listeners (`null`: the default one) not bound to loopback, and the https
 * ones. A plain listener beside an https one still counts: devices (misconfigured ones) reach it too.
 */
export function clearTextIngestListeners(ingest: readonly Listener[] | null): ClearTextListeners {
  const listeners = ingest ?? [parseListener("ingest.listeners", DEFAULT_INGEST_LISTENER)];
  return {
    plain: plainListenersOtherHostsReach(listeners).map((l) => l.uri),
    https: listeners.filter((l) => l.protocol === "https").map((l) => l.uri),
  };
}
