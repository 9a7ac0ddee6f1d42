/**
 * The https ingest listener's body deadline: how long a request's body may take to arrive before
 * ConnectionGuard cuts the connection. It is the larger of ingest.listeners.https.request.body.timeout.ms
 * and the routes' largest ingest.request.timeout.ms (open or paused routes) plus
 * BODY_DEADLINE_MARGIN_MS, so that a route's own deadline answers a slow body 408 in REST Proxy's
 * error shape before the connection is cut, as on the plain listener (request-idle-hold.ts).
 *
 * Called by connection-guard.ts when a body starts.
 */
import { MAX_TIMER_MS } from "../../util/clock.ts";
import { DEADLINE_MARGIN_MS } from "../request-idle-hold.ts";

/**
 * How much later than the routes' largest ingest.request.timeout.ms a body is cut: the handler's
 * deadline starts once the client is authenticated, after the headers; the plain listener's hold's
 * margin (request-idle-hold.ts).
 */
export const BODY_DEADLINE_MARGIN_MS = DEADLINE_MARGIN_MS;

/**
 * The body deadline (ms, 0: none) for the key's value `keyMs` (0: none) and the routes' largest
 * ingest.request.timeout.ms (null: no route). At most a timer's largest delay (about 24.8 days): a
 * deadline past it is kept at it rather than dropped.
 */
export function bodyDeadlineMs(keyMs: number, largestRouteTimeoutMs: number | null): number {
  if (keyMs <= 0 || largestRouteTimeoutMs === null) return keyMs;
  return Math.min(Math.max(keyMs, largestRouteTimeoutMs + BODY_DEADLINE_MARGIN_MS), MAX_TIMER_MS);
}
