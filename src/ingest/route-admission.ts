/**
 * What admits a request to an ingest route, shared by the whole-body pipeline (ingest-handler.ts)
 * and the REST Proxy v3 stream pipeline (v3-record-stream.ts): the refusals of a route that takes
 * no request now (503 with Retry-After), and the identity a request is admitted with. The
 * pipeline's checks stay inline (its hot path makes no call for them); only their refusals are here.
 */
import { type IngestError, unavailable } from "./ingest-error.ts";
import type { IngestExchange } from "./ingest-exchange.ts";
import type { IngestIdentity } from "./request-context.ts";
import { type IngestRoute, suspendedMessage } from "./route-table.ts";

/** 503 for a route whose connector is paused, stopped, deleted or restarting, or which has no running task. */
export function closedRoute(route: IngestRoute): IngestError {
  const { retryAfterSeconds } = route.settings.limits;
  // An open route without a writer: its connector runs (whatever a target state read now says), its task not yet.
  // A suspended one's state as read when it was suspended or found, or read now once it was replaced (route-table.ts).
  const target = route.state !== "open" ? route.answerTarget() : undefined;
  return unavailable(suspendedMessage(route.connector, target), retryAfterSeconds);
}

/** 503 for a route whose ingest.max.concurrent.requests are all taken. */
export function busyRoute(route: IngestRoute): IngestError {
  const { limits, path, restProxyTopics } = route.settings;
  // The connector's, not only its path's: REST Proxy requests for its topics share the slots.
  const shared = restProxyTopics.length > 0 ? " and its REST Proxy topics together" : "";
  return unavailable(
    `Too many concurrent requests for the ingest connector ${route.connector}, on ${path}${shared} (ingest.max.concurrent.requests=${limits.maxConcurrentRequests})`,
    limits.retryAfterSeconds,
  );
}

/** The identity `context` is admitted to `route` with: the one a gate found before routing (rest-proxy-gate.ts), else the route's. */
export function identityOn(context: IngestExchange, route: IngestRoute): IngestIdentity | Promise<IngestIdentity> {
  const pre = context.preauthenticated;
  return pre !== undefined && pre.stages === route.stages ? pre.identity : route.stages.authenticate(context);
}
