/**
 * The ingest request handler: one hono app shared by every front end (plain HTTP on Bun.serve,
 * TLS front ends that see the peer certificate). Per request, the pipeline of request-context.ts:
 * route → authenticate → authorize → body (size limit) → limit → parse → idempotency → submit →
 * await Kafka's acknowledgement of every record → respond. Errors become REST Proxy's
 * `{"error_code", "message"}` here and only here; nothing a request does can fail a task.
 */
import { Hono } from "hono";
import { messageOf } from "../errors.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { readBody } from "./body-reader.ts";
import type { IdempotencyGuard } from "./idempotency.ts";
import { ErrorCodes, errorBody, IngestError, ingestErrorResponse, unavailable } from "./ingest-error.ts";
import type { IngestMetrics } from "./ingest-metrics.ts";
import type { IngestRecord, RecordOutcome } from "./ingest-record.ts";
import { parseNativeBody } from "./native-body.ts";
import { nativeResponse } from "./native-response.ts";
import type { IngestConnection, IngestRequestContext, IngestShape, IngestTarget } from "./request-context.ts";
import { PLAIN_CONNECTION } from "./request-context.ts";
import { restProxyRoutes } from "./rest-proxy-routes.ts";
import type { IngestRoute, IngestRouteTable } from "./route-table.ts";

export interface IngestHandlerDeps {
  readonly routes: IngestRouteTable;
  readonly metrics: IngestMetrics;
  readonly clock: Clock;
  readonly log: Logger;
  /** Secrets never reach a response. */
  readonly redact: (text: string) => string;
  readonly idempotency?: IdempotencyGuard;
  /** Partition count of a topic (cached), null when unknown; for requests naming a partition. */
  readonly partitions?: (topic: string) => Promise<number | null>;
  /** The OpenAPI document of the current routes. */
  readonly openApi?: () => unknown;
}

/** Hono environment: the front end passes the connection it accepted the request on. */
export interface IngestEnv {
  Bindings: { connection?: IngestConnection };
}

/** What a shape-specific route asks the pipeline to do once the request is admitted. */
export interface ShapeHandler {
  /** Turns the body into records (throws IngestError 4xx: nothing written). */
  parse(body: Uint8Array): Promise<ParsedRequest> | ParsedRequest;
}

export interface ParsedRequest {
  readonly records: readonly IngestRecord[];
  /** Builds the response from one outcome per record (in order). */
  respond(outcomes: readonly RecordOutcome[]): Response;
}

export const NOT_FOUND_MESSAGE = "HTTP 404 Not Found";

/** Records and bytes Kafka acknowledged for a response (for the metrics). */
const ACCEPTED = new WeakMap<Response, readonly [number, number]>();

export function notFound(): Response {
  return new Response(errorBody(404, NOT_FOUND_MESSAGE), {
    status: 404,
    headers: { "Content-Type": "application/json" },
  });
}

/** Runs the pipeline for a request on a route; used by the native path and the REST Proxy routes. */
export type Pipeline = (
  context: IngestRequestContext,
  route: IngestRoute,
  target: IngestTarget,
  shape: ShapeHandler,
) => Promise<Response>;

function timeoutSignal(ms: number, request: Request): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(new Error(`Kafka did not acknowledge the records within ${ms} ms (ingest.request.timeout.ms)`)),
    ms,
  );
  const onClientGone = () => controller.abort(new Error("The client closed the connection"));
  request.signal?.addEventListener("abort", onClientGone, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onClientGone);
    },
  };
}

export function createPipeline(deps: IngestHandlerDeps): Pipeline {
  return async (context, route, target, shape) => {
    const { limits } = route.settings;
    if (route.state !== "open")
      throw unavailable(`The ingest connector ${route.connector} is paused`, limits.retryAfterSeconds);
    if (route.writers.size === 0)
      throw unavailable(`The ingest connector ${route.connector} has no running task`, limits.retryAfterSeconds);
    if (route.inFlight >= limits.maxConcurrentRequests)
      throw unavailable(
        `Too many concurrent requests on ${route.settings.path} (ingest.max.concurrent.requests=${limits.maxConcurrentRequests})`,
        limits.retryAfterSeconds,
      );
    route.inFlight++;
    try {
      const identity = await route.stages.authenticate(context);
      await route.stages.authorize(identity, target);
      const body = await readBody(context.request, limits.maxBodyBytes);
      await route.stages.limit(identity, target, body.length);
      const idempotencyKey = context.request.headers.get("idempotency-key");
      const idempotent = idempotencyKey !== null && route.settings.idempotencyWindowMs > 0 && deps.idempotency;
      if (idempotent) {
        const replay = await deps.idempotency!.begin(route, target, idempotencyKey, context.request, body);
        if (replay) return replay;
      }
      let response: Response | undefined;
      try {
        const parsed = await shape.parse(body);
        const stamped = route.stages.stamp
          ? route.stages.stamp(identity, parsed.records, route.settings)
          : parsed.records;
        const writer = route.writer();
        if (!writer || route.state !== "open")
          throw unavailable(`The ingest connector ${route.connector} has no running task`, limits.retryAfterSeconds);
        const { signal, clear } = timeoutSignal(limits.requestTimeoutMs, context.request);
        let outcomes: RecordOutcome[];
        try {
          outcomes = await writer.submit({ topic: target.topic, records: stamped, signal });
        } finally {
          clear();
        }
        response = parsed.respond(outcomes);
        let records = 0;
        let bytes = 0;
        for (let i = 0; i < outcomes.length; i++) {
          const kind = outcomes[i]!.kind;
          if (kind === "written" || kind === "spooled") {
            records++;
            bytes += parsed.records[i]!.bytes;
          }
        }
        ACCEPTED.set(response, [records, bytes]);
        return response;
      } catch (error) {
        if (error instanceof IngestError) response = ingestErrorResponse(error, deps.redact);
        throw error;
      } finally {
        if (idempotent) await deps.idempotency!.end(route, idempotencyKey, response);
      }
    } finally {
      route.inFlight--;
    }
  };
}

function shapeLabel(shape: IngestShape, route: IngestRoute | undefined): string {
  if (shape === "native") return route?.settings.path ?? "unmatched";
  return shape === "v2" ? "/topics/{topic}" : shape === "v3" ? "/v3/…/records" : "/v3/…/records:batch";
}

/** Builds the ingest hono app. */
export function ingestApp(deps: IngestHandlerDeps): Hono<IngestEnv> {
  const app = new Hono<IngestEnv>();
  const pipeline = createPipeline(deps);

  /** Runs `handle` with metrics and the one error mapping. */
  const measured = async (
    shape: IngestShape,
    route: IngestRoute | undefined,
    started: number,
    handle: () => Promise<Response>,
  ): Promise<Response> => {
    const label = shapeLabel(shape, route);
    deps.metrics.started(label);
    let response: Response;
    try {
      response = await handle();
    } catch (error) {
      if (error instanceof IngestError) response = ingestErrorResponse(error, deps.redact);
      else {
        deps.log.error(`Ingest request on ${label} failed`, error);
        response = new Response(errorBody(ErrorCodes.KAFKA_ERROR, deps.redact(messageOf(error))), {
          status: 500,
          headers: { "Content-Type": "application/json" },
        });
      }
    }
    const accepted = ACCEPTED.get(response) ?? [0, 0];
    deps.metrics.finished(label, response.status, (deps.clock.now() - started) / 1000, accepted[0], accepted[1]);
    return response;
  };

  const contextOf = (request: Request, connection: IngestConnection | undefined, receivedAt: number) => ({
    request,
    url: new URL(request.url),
    connection: connection ?? PLAIN_CONNECTION,
    receivedAt,
  });

  app.get("/openapi.json", (c) => (deps.openApi ? c.json(deps.openApi()) : notFound()));
  app.get("/health", (c) => c.json({ status: "healthy" }));

  for (const route of restProxyRoutes(deps, pipeline)) {
    app.on(route.method, route.path, async (c) => {
      const receivedAt = deps.clock.now();
      const context = contextOf(c.req.raw, c.env?.connection, receivedAt);
      return measured(route.shape, undefined, receivedAt, () => route.handle(context, c.req.param()));
    });
  }

  app.all("*", async (c) => {
    const receivedAt = deps.clock.now();
    const path = c.req.path.length > 1 && c.req.path.endsWith("/") ? c.req.path.slice(0, -1) : c.req.path;
    const route = deps.routes.byPath(path);
    if (!route) {
      deps.metrics.refused("unmatched", 404);
      return notFound();
    }
    if (c.req.method !== "POST") {
      return new Response(errorBody(ErrorCodes.METHOD_NOT_ALLOWED, "HTTP 405 Method Not Allowed"), {
        status: 405,
        headers: { "Content-Type": "application/json", Allow: "POST" },
      });
    }
    const context = contextOf(c.req.raw, c.env?.connection, receivedAt);
    const target: IngestTarget = {
      connector: route.connector,
      path: route.settings.path,
      topic: route.settings.topic,
      shape: "native",
    };
    return measured("native", route, receivedAt, () =>
      pipeline(context, route, target, {
        parse: (body) => {
          const records = parseNativeBody(route.settings, context.request, body, receivedAt);
          return {
            records,
            respond: (outcomes) =>
              nativeResponse(route.settings.topic, outcomes, route.settings.limits.retryAfterSeconds),
          };
        },
      }),
    );
  });
  return app;
}
