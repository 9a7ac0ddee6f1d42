/**
 * RequestIdleHold: how a plain ingest listener keeps Bun's idle timer from ending a request before
 * the gateway's own ingest.request.timeout.ms does. Bun.serve's `idleTimeout` (120 s here) counts
 * from the last byte the server wrote, not the client's (measured on Bun 1.4: a body arriving
 * every 2 s was cut at the 8 s idleTimeout), so a REST Proxy v3 stream or a slow request waiting
 * past it was cut unanswered when the key was set above it. Its largest value is 255 s, and
 * `server.reload` does not change it, so the hold is per request: `server.timeout(request, s)`
 * while a request is in progress, the route's deadline plus a margin (Bun's timer fires up to 4 s
 * late), no Bun limit at all (0) past 255 s, where the gateway's own deadlines (the request's,
 * the v3 stream's idle watch and ingest.streaming.max.duration.ms) are what end it. A request's
 * timeout stays on its connection after the answer (measured: a keep-alive connection after a
 * `timeout(request, 0)` never idled out), so the listener's own limit is set back when the answer
 * is handed to Bun, or when a v3 stream's answer hands over its last chunk. Used by IngestServer for every request of a
 * plain listener while a route's deadline needs it (none with the defaults: no call per request).
 */
import type { Server } from "bun";
import { isPromise } from "../util/async.ts";
import { streamEnd } from "./v3-record-stream.ts";

/** Bun's idle limit of a plain listener's connections (seconds): between requests, and for requests without a hold. */
export const LISTENER_IDLE_SECONDS = 120;
/** Bun's largest idle limit (uSockets keeps it in a byte). */
const BUN_MAX_IDLE_SECONDS = 255;
/** How much later than the gateway's deadline Bun's may end a request: its timer fires up to 4 s late, and the answer needs time to be written. */
const MARGIN_SECONDS = 10;

/**
 * Bun's idle limit for the requests of a listener whose routes' largest ingest.request.timeout.ms
 * is `largestMs`: undefined when the listener's own (`idleSeconds`) outlasts it by the margin,
 * else the deadline plus the margin, or 0 (no Bun limit) past Bun's largest.
 */
export function requestIdleSeconds(largestMs: number | null, idleSeconds = LISTENER_IDLE_SECONDS): number | undefined {
  if (largestMs === null) return undefined;
  const seconds = Math.ceil(largestMs / 1000) + MARGIN_SECONDS;
  if (seconds <= idleSeconds) return undefined;
  return seconds > BUN_MAX_IDLE_SECONDS ? 0 : seconds;
}

/**
 * Runs `handle` for `request` with Bun's idle limit at `holdSeconds`, and sets it back to
 * `idleSeconds` once the answer is handed over (a v3 stream's: with its last chunk).
 */
export function heldRequest(
  request: Request,
  server: Server<undefined>,
  holdSeconds: number,
  idleSeconds: number,
  handle: () => Response | Promise<Response>,
): Response | Promise<Response> {
  server.timeout(request, holdSeconds);
  const restore = () => server.timeout(request, idleSeconds);
  const release = (response: Response): Response => {
    if (streamEnd(response) === undefined || response.body === null) {
      restore();
      return response;
    }
    // Once the stream's last chunk is handed over, while the request is Bun's still: after its end
    // the call does nothing (measured: the connection then kept the hold).
    const body = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: restore }));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const answer = handle();
  if (!isPromise(answer)) return release(answer);
  return answer.then(release, (error: unknown) => {
    restore();
    throw error;
  });
}
