/**
 * The ingest request handler: one hono app shared by every front end (plain HTTP on Bun.serve,
 * TLS front ends that see the peer certificate). Per request, the pipeline of request-context.ts:
 * route → authenticate → authorize → slot (concurrency) → body (size limit, deadline) → limit → parse → idempotency → submit →
 * await Kafka's acknowledgement of every record → respond. Errors become REST Proxy's
 * `{"error_code", "message"}` here and only here (the mapping is in ingest-error.ts); nothing a
 * request does can fail a task. The pipeline's types are in ingest-pipeline-contract.ts.
 */
import { Hono } from "hono";
import { isPromise } from "../util/async.ts";
import { monotonicNow, monotonicView } from "../util/clock.ts";
import { RepeatLimiter, warnLimited } from "../util/repeat-limiter.ts";
import { BodyRead, checkedBody, unreadBody } from "./body-reader.ts";
import { directPath, hasPlainHost, isBareTarget, routePath } from "./direct-path.ts";
import { curable } from "./idempotency.ts";
import {
  failedAnswer,
  IngestError,
  ingestErrorResponse,
  methodNotAllowed,
  notFound,
  reportInternalError,
} from "./ingest-error.ts";
import { IngestExchange } from "./ingest-exchange.ts";
import { REST_PROXY_LABELS, UNMATCHED_LABEL } from "./ingest-metrics.ts";
import type { IngestApp, IngestEnv, IngestHandlerDeps, Pipeline } from "./ingest-pipeline-contract.ts";
import { mayStillBeWritten, type RecordOutcome, shownOutcomes, unwrittenText } from "./ingest-record.ts";
import { nativeRoute } from "./native-route.ts";
import type { IngestConnection, IngestShape, PeerAddressLookup } from "./request-context.ts";
import { PlainConnection } from "./request-context.ts";
import { RequestDeadlines } from "./request-deadlines.ts";
import { restProxyRoutes } from "./rest-proxy-routes.ts";
import { busyRoute, closedRoute } from "./route-admission.ts";
import type { IngestRoute } from "./route-table.ts";
import { createStreamPipeline, streamEnd } from "./v3-record-stream.ts";

/** Counts a finished request in the metrics; returns its answer. */
function finished(deps: IngestHandlerDeps, label: string, context: IngestExchange, response: Response): Response {
  deps.metrics.finished(
    label,
    response.status,
    (monotonicNow(deps.clock) - context.startedAt) / 1000,
    context.acceptedRecords,
    context.acceptedBytes,
  );
  return response;
}

export function createPipeline(deps: IngestHandlerDeps, deadlines: RequestDeadlines): Pipeline {
  const unansweredLog = new RepeatLimiter(() => monotonicNow(deps.clock), 60_000);
  /**
   * A request whose client closed the connection before its answer: on the plain listener, a
   * client that half-closed after its request (nc -N, socat; Bun.serve closes the connection at the
   * FIN and cannot answer it), or one that hung up. Its records already sent to Kafka are written
   * (at least once: a retry writes them again unless it has an Idempotency-Key); those still queued
   * when the gateway noticed the client gone (request-deadlines.ts, 100 ms in) were withdrawn, not
   * written, as for any client that hangs up. WARNed (once a minute per connector, with how many of
   * the request's records were written; the pipeline's end counts every request whose client is gone)
   * so the operator sees why such devices resend.
   */
  const unanswered = (route: IngestRoute, outcomes: readonly RecordOutcome[], exchange: IngestExchange) => {
    // Records sent when the client left "may still be written" at the request's end: the WARN waits until
    // Kafka settled them (IngestSubmission.late), so its count says what Kafka holds, not 0 for a record it took.
    const settled = outcomes.some(mayStillBeWritten) ? exchange.lateSettled() : Promise.resolve(outcomes);
    void settled.then((final) => {
      const spooled = final.filter((o) => o.kind === "spooled").length;
      const written = final.filter((o) => o.kind === "written").length + spooled;
      // ingest.ack.mode=spool: the spool holds them (durably), Kafka does not yet.
      const where = spooled === 0 ? "written" : spooled === written ? "spooled" : "written or spooled";
      warnLimited(
        deps.log,
        unansweredLog,
        route.connector,
        `A client of ${route.settings.path} (connector ${route.connector}) closed its connection before its answer: ${written} of its ${final.length} records were ${where}${unwrittenText(final)}, and it did not see the answer. A client that half-closes after its request (nc -N, socat) cannot be answered on the plain http ingest listener: use the https listener, or close only after reading the answer; an Idempotency-Key makes its retry safe. ingest_requests_unanswered_total counts such requests`,
      );
    });
  };
  return async (context, route, target, shape, label) => {
    if (label !== undefined) deps.metrics.started(label);
    let answer: Response | undefined;
    const hide = (text: string) => deps.redact(text, route.connector);
    try {
      const { limits } = route.settings;
      if (route.state !== "open" || route.writers.length === 0) throw closedRoute(route);
      // Authentication first: a client that is not let in never holds one of the route's slots.
      const pre = context.preauthenticated;
      const authenticated =
        pre !== undefined && pre.stages === route.stages ? pre.identity : route.stages.authenticate(context);
      const identity = isPromise(authenticated) ? await authenticated : authenticated;
      const authorized = route.stages.authorize(identity, target);
      if (isPromise(authorized)) await authorized;
      const requests = route.requests;
      if (requests.inFlight >= limits.maxConcurrentRequests) throw busyRoute(route);
      requests.inFlight++;
      // ingest.request.timeout.ms covers the whole request from here: the body's arrival (408 when
      // it is late, so a slow body cannot hold the slot) and then Kafka's acknowledgement.
      const signal = deadlines.start(limits.requestTimeoutMs, context.request);
      try {
        const reserved = deps.bodies ? deps.bodies.reserve(context.request, route) : 0;
        const read = new BodyRead(context.request, limits.maxBodyBytes, signal, limits.requestTimeoutMs);
        let raw: Uint8Array;
        try {
          raw = await read.body;
        } catch (error) {
          throw unreadBody(error, (unexpected) => reportInternalError(deps, label ?? route.settings.path, unexpected));
        } finally {
          deps.bodies?.release(reserved, route);
        }
        read.done();
        const body = checkedBody(raw, limits.maxBodyBytes);
        const limited = route.stages.limit(identity, target, body.length);
        if (isPromise(limited)) await limited;
        const idempotencyKey =
          route.settings.idempotencyWindowMs > 0 && deps.idempotency
            ? context.request.headers.get("idempotency-key")
            : null;
        const idempotent = idempotencyKey !== null;
        const replay = idempotent
          ? await deps.idempotency!.begin(route, target, idempotencyKey, context.request, body, identity)
          : undefined;
        if (replay) answer = replay;
        else {
          let response: Response | undefined;
          /** Final: no record failed in a way a retry could cure; only then is the key's answer kept. */
          let final = false;
          /** The final answer once the records that may still be written settled (a keyed request answered without it). */
          let later: Promise<Response | undefined> | undefined;
          try {
            if (route.stages.stampedBytes) context.stampedBytes = route.stages.stampedBytes(identity);
            const parsing = shape.parse(body, context);
            const parsed = isPromise(parsing) ? await parsing : parsing;
            const received = parsed.records;
            // As queued: the stamped identity counts in each record's bytes (ingest-security.ts).
            const stamped = route.stages.stamp ? route.stages.stamp(identity, received, route.settings) : received;
            const writer = route.writer();
            if (!writer || route.state !== "open") throw closedRoute(route);
            let outcomes: RecordOutcome[];
            try {
              outcomes = await context.submitTo(writer, target.topic, stamped, signal);
            } finally {
              signal.end();
            }
            response = parsed.respond(shownOutcomes(outcomes, hide));
            let records = 0;
            let bytes = 0;
            let retriable = false;
            /** A record failed as not written (not only "may still be written"): no answer of this request is final. */
            let unwritten = false;
            for (let i = 0; i < outcomes.length; i++) {
              const o = outcomes[i]!;
              if (o.kind === "written" || o.kind === "spooled") {
                records++;
                bytes += stamped[i]!.bytes;
              } else if (o.kind === "failed" && curable(o)) {
                retriable = true;
                if (!o.maybeWritten) unwritten = true;
              }
            }
            context.acceptedRecords = records;
            context.acceptedBytes = bytes;
            final = !retriable;
            // Records that may still be written: the writer tells what became of them (IngestSubmission.late);
            // the answer they make then, if final, is the key's (a retry meanwhile is 409, not a second write).
            if (idempotent && retriable && !unwritten)
              later = context
                .lateSettled()
                .then((settled) => (settled.some(curable) ? undefined : parsed.respond(shownOutcomes(settled, hide))));
            answer = response;
            if (context.request.signal.aborted) unanswered(route, outcomes, context);
          } catch (error) {
            if (error instanceof IngestError) {
              response = ingestErrorResponse(error, hide);
              final = response.status < 500;
            }
            throw error;
          } finally {
            if (later) deps.idempotency!.hold(route, idempotencyKey!, later, identity);
            else if (idempotent)
              await deps.idempotency!.end(route, idempotencyKey, final ? response : undefined, identity);
          }
        }
      } finally {
        signal.end();
        requests.inFlight--;
      }
    } catch (error) {
      if (label === undefined) throw error;
      answer = failedAnswer(deps, label, error, hide);
    } finally {
      // Counted wherever its answer was made (auth, rate limit, slot, body, Kafka): its client is gone at its end.
      if (context.request.signal.aborted) deps.metrics.requestUnanswered(route.connector);
    }
    return label === undefined ? (answer as Response) : finished(deps, label, context, answer as Response);
  };
}

function shapeLabel(shape: IngestShape, route: IngestRoute | undefined): string {
  if (shape === "native") return route?.settings.path ?? UNMATCHED_LABEL;
  return shape === "v2" ? REST_PROXY_LABELS.v2 : shape === "v3" ? REST_PROXY_LABELS.v3 : REST_PROXY_LABELS.v3Batch;
}
/**
 * Builds the ingest app: a hono app for every route, plus a direct path for POSTs to a connector's
 * own `ingest.path` (the single-record hot path), which hono would route to the same handler.
 */
export function ingestApp(deps: IngestHandlerDeps): IngestApp {
  const app = new Hono<IngestEnv>();
  // Deadlines on the monotonic clock: a step of the host's clock must not time out (or extend) every request at once.
  const deadlines = new RequestDeadlines(monotonicView(deps.clock));
  const pipeline = createPipeline(deps, deadlines);

  const finish = (label: string, context: IngestExchange, response: Response): Response =>
    finished(deps, label, context, response);
  const failed = (label: string, error: unknown): Response => failedAnswer(deps, label, error);

  /** Runs `handle` with metrics and the one error mapping. */
  const measured = async (
    shape: IngestShape,
    route: IngestRoute | undefined,
    context: IngestExchange,
    handle: () => Promise<Response>,
  ): Promise<Response> => {
    const label = shapeLabel(shape, route);
    deps.metrics.started(label);
    let response: Response;
    try {
      response = await handle();
    } catch (error) {
      response = failed(label, error);
    }
    // A v3 stream is answered at once and counted when it ends (its duration, its records).
    const ended = streamEnd(response);
    if (ended) {
      void ended.then(() => finish(label, context, response));
      return response;
    }
    return finish(label, context, response);
  };

  /** A request arriving now: its wall-clock time (the records' timestamp) and its monotonic start (durations). */
  const contextOf = (
    request: Request,
    connection: IngestConnection | undefined,
    server: PeerAddressLookup | undefined = undefined,
  ) => new IngestExchange(request, connection, server, deps.clock.now(), monotonicNow(deps.clock));

  /** A POST to a connector's own path: the pipeline counts it and maps its errors. */
  const native = (route: IngestRoute, context: IngestExchange): Promise<Response> => {
    const { target, shape } = nativeRoute(route);
    return pipeline(context, route, target, shape, route.settings.path);
  };

  app.get("/openapi.json", (c) => (deps.openApi ? c.json(deps.openApi()) : notFound()));
  app.get("/health", (c) => c.json({ status: "healthy" }));

  const streams = createStreamPipeline(deps, deadlines);
  for (const route of restProxyRoutes(deps, pipeline, streams.pipeline)) {
    // With one trailing slash too, as Jersey matches a resource method's path (rest-proxy-routes.ts).
    app.on(route.method, [route.path, `${route.path}/`], async (c) => {
      const context = contextOf(c.req.raw, c.env?.connection);
      return measured(route.shape, undefined, context, () => route.handle(context, c.req.param()));
    });
  }

  app.all("*", async (c) => {
    const context = contextOf(c.req.raw, c.env?.connection);
    const route = deps.routes.byPath(routePath(c.req.path));
    if (!route) {
      deps.metrics.refused(UNMATCHED_LABEL, 404);
      return notFound();
    }
    if (c.req.method !== "POST") {
      deps.metrics.refused(route.settings.path, 405);
      return methodNotAllowed();
    }
    return native(route, context);
  });

  /** The connector route a POST is for, when it takes the direct path. */
  const directRoute = (request: Request): IngestRoute | undefined => {
    const path = directPath(request);
    return path === null ? undefined : deps.routes.byPath(path);
  };

  /** No route is served for a request with a bare request-target (direct-path.ts). */
  const bareTarget = (request: Request): Response | undefined => {
    if (!isBareTarget(request)) return undefined;
    deps.metrics.refused(UNMATCHED_LABEL, 404);
    return notFound();
  };

  return {
    stopping: streams.stopping,
    fetch: (request, env) => {
      const bare = bareTarget(request);
      if (bare) return bare;
      const route = directRoute(request);
      if (route) return native(route, contextOf(request, env?.connection));
      return app.fetch(request, env);
    },
    serve: (request, server) => {
      const bare = bareTarget(request);
      if (bare) return bare;
      const route = directRoute(request);
      if (route) return native(route, contextOf(request, undefined, server));
      return app.fetch(request, { connection: new PlainConnection(server, request) });
    },
    servePath: (path, request, server) => {
      const bare = hasPlainHost(request) ? undefined : bareTarget(request);
      if (bare) return bare;
      const route = deps.routes.byPath(path);
      if (route) return native(route, contextOf(request, undefined, server));
      return app.fetch(request, { connection: new PlainConnection(server, request) });
    },
  };
}
