/**
 * RequestIdleHold: how a plain ingest listener keeps Bun's idle timer from ending a request before
 * the gateway's own deadlines do. Bun.serve's `idleTimeout` (120 s here) counts from the last byte
 * the server wrote, not the client's (measured on Bun 1.4: a body arriving every 2 s was cut at the
 * 8 s idleTimeout), so a slow request waiting past it, or a REST Proxy v3 stream whose client keeps
 * sending but gets no report (whitespace, a large record arriving slowly, records waiting for
 * Kafka), was cut unanswered. Its largest value is 255 s, and `server.reload` does not change it,
 * so the hold is per request (`server.timeout(request, s)`):
 *   - a request of a listener whose routes' largest ingest.request.timeout.ms outlasts the
 *     listener's limit: that deadline plus a margin (Bun's timer fires up to 4 s late), no Bun
 *     limit at all (0) past 255 s (`heldRequest`; none with the defaults: no call per request);
 *   - a v3 stream, once admitted: no Bun limit (`liftedIdleLimit`); its own idle watch
 *     (ingest.request.timeout.ms) and ingest.streaming.max.duration.ms end it, with a report.
 * A request's timeout stays on its connection after the answer (measured: a keep-alive connection
 * after a `timeout(request, 0)` never idled out), so the listener's own limit is set back when the
 * answer is handed to Bun, or a v3 stream's with its last chunk (while the request is still Bun's:
 * after its end the call does nothing, measured: the connection then kept the hold).
 */
import type { Server } from "bun";
import { isPromise } from "../util/async.ts";
import type { PeerAddressLookup } from "./request-context.ts";

/** Bun's idle limit of a plain listener's connections (seconds): between requests, and for requests without a hold. */
export const LISTENER_IDLE_SECONDS = 120;
/** Bun's largest idle limit (uSockets keeps it in a byte). */
const BUN_MAX_IDLE_SECONDS = 255;
/**
 * How much later than the gateway's deadline Bun's may end a request: its timer fires up to 4 s late, and the answer
 * needs time to be written. The https listener's body deadline keeps the same margin (tls/body-deadline.ts).
 */
export const DEADLINE_MARGIN_MS = 10_000;

/**
 * Bun's idle limit for the requests of a listener whose routes' largest ingest.request.timeout.ms
 * is `largestMs`: undefined when the listener's own (`idleSeconds`) outlasts it by the margin,
 * else the deadline plus the margin, or 0 (no Bun limit) past Bun's largest.
 */
export function requestIdleSeconds(largestMs: number | null, idleSeconds = LISTENER_IDLE_SECONDS): number | undefined {
  if (largestMs === null) return undefined;
  const seconds = Math.ceil(largestMs / 1000) + DEADLINE_MARGIN_MS / 1000;
  if (seconds <= idleSeconds) return undefined;
  return seconds > BUN_MAX_IDLE_SECONDS ? 0 : seconds;
}

/** The plain listeners' Bun servers, with their own idle limit (seconds). */
const listenerIdle = new WeakMap<PeerAddressLookup, number>();
/** Requests whose limit a v3 stream lifted: the stream sets it back with its last chunk. */
const lifted = new WeakSet<Request>();

/** Registers a plain listener's Bun `server` and its idle limit (`liftedIdleLimit`). */
export function idleLimited(server: Server<undefined>, idleSeconds: number): Server<undefined> {
  listenerIdle.set(server, idleSeconds);
  return server;
}

/**
 * Lifts Bun's idle limit of an admitted v3 stream's `request` (0: none) if `server` is a plain
 * listener's; what sets the listener's limit back, to call just before the stream's last chunk.
 */
export function liftedIdleLimit(request: Request, server: PeerAddressLookup | undefined): (() => void) | undefined {
  const idleSeconds = server === undefined ? undefined : listenerIdle.get(server);
  if (idleSeconds === undefined) return undefined;
  const bun = server as Server<undefined>;
  bun.timeout(request, 0);
  lifted.add(request);
  return () => bun.timeout(request, idleSeconds);
}

/**
 * Runs `handle` for `request` with Bun's idle limit at `holdSeconds`, and sets it back to
 * `idleSeconds` once the answer is handed over (a v3 stream's: the stream does, with its last chunk).
 */
export function heldRequest(
  request: Request,
  server: Server<undefined>,
  holdSeconds: number,
  idleSeconds: number,
  handle: () => Response | Promise<Response>,
): Response | Promise<Response> {
  server.timeout(request, holdSeconds);
  const restore = () => {
    if (!lifted.has(request)) server.timeout(request, idleSeconds);
  };
  const release = (response: Response): Response => {
    restore();
    return response;
  };
  let answer: Response | Promise<Response>;
  try {
    answer = handle();
  } catch (error) {
    restore();
    throw error;
  }
  if (!isPromise(answer)) return release(answer);
  return answer.then(release, (error: unknown) => {
    restore();
    throw error;
  });
}
