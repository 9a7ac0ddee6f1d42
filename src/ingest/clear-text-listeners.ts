/**
 * Which ingest listeners carry device credentials (bearer tokens, Basic passwords) in clear text
 * to other hosts. Called by app.ts for the start-time WARN of a connector with jwt or basic
 * (ingest-auth-config.ts `clearTextCredentials`, explore2 G6).
 */
import { isLoopback, type Listener, parseListener } from "../listener.ts";
import { DEFAULT_INGEST_LISTENER } from "./ingest-server.ts";

/**
 * The plain http ingest listeners (`null`: the default one) not bound to loopback, when no https
 * ingest listener exists; empty otherwise. A loopback listener is left out: a TLS proxy on the same
 * host is the usual front of one.
 */
export function clearTextIngestListeners(ingest: readonly Listener[] | null): string[] {
  const listeners = ingest ?? [parseListener("ingest.listeners", DEFAULT_INGEST_LISTENER)];
  if (listeners.some((l) => l.protocol === "https")) return [];
  return listeners.filter((l) => !isLoopback(l)).map((l) => l.uri);
}
