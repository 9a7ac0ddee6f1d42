/**
 * The contracts around the ingest pipeline: what the request handler depends on
 * (IngestHandlerDeps), what a front end passes (IngestEnv) and calls (IngestApp), what a
 * shape-specific route gives the pipeline (ShapeHandler, ParsedRequest), and the Pipeline itself.
 * Implemented by ingest-handler.ts; used by the REST Proxy routes, the exchange and the servers.
 */
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { BodyBudget } from "./body-budget.ts";
import type { IdempotencyGuard } from "./idempotency.ts";
import type { IngestExchange } from "./ingest-exchange.ts";
import type { IngestMetrics } from "./ingest-metrics.ts";
import type { IngestRecord, RecordOutcome } from "./ingest-record.ts";
import type { PartitionCounts } from "./partition-counts.ts";
import type { IngestConnection, IngestTarget, PeerAddressLookup } from "./request-context.ts";
import type { IngestRoute, IngestRouteTable } from "./route-table.ts";

export interface IngestHandlerDeps {
  readonly routes: IngestRouteTable;
  readonly metrics: IngestMetrics;
  readonly clock: Clock;
  readonly log: Logger;
  /**
   * Secrets never reach a response: the held ones (the logs'), and, with `connector` (a request to
   * one of its routes), what config providers resolved for it, hidden as its status traces are on
   * the REST API (Herder.hideForClient).
   */
  readonly redact: (text: string, connector?: string) => string;
  readonly idempotency?: IdempotencyGuard;
  /** The worker's bound on request bodies being received (ingest.request.bodies.max.bytes). */
  readonly bodies?: BodyBudget;
  /**
   * Partition count of a topic for requests naming partitions up to the one given (partition-counts.ts:
   * 0: no such topic; null when unknown, Kafka unreachable: 503).
   */
  readonly partitions?: PartitionCounts;
  /**
   * Whether `connector` creates the topics it writes to (its `topic.creation.*` keys, with the
   * worker's topic.creation.enable): its task creates a missing topic before the first record, as
   * its config says, so partition 0 of any of its topics exists by the time a record is written.
   */
  readonly createsTopics?: (connector: string) => boolean;
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
  parse(body: Uint8Array, context: IngestExchange): Promise<ParsedRequest> | ParsedRequest;
}

export interface ParsedRequest {
  readonly records: readonly IngestRecord[];
  /** Builds the response from one outcome per record (in order). */
  respond(outcomes: readonly RecordOutcome[]): Response;
}

/**
 * Runs the pipeline for a request on a route; used by the native path and the REST Proxy routes.
 * With `label` the pipeline also counts the request in the metrics under that label and maps an
 * error to its answer (the native path: no second async function around it per request).
 */
export type Pipeline = (
  context: IngestExchange,
  route: IngestRoute,
  target: IngestTarget,
  shape: ShapeHandler,
  label?: string,
) => Promise<Response>;
/** The ingest listeners' request handler (what IngestServer and the TLS front end call). */
export interface IngestApp {
  fetch(request: Request, env: IngestEnv["Bindings"]): Response | Promise<Response>;
  /**
   * A request of a plain listener: `server` gives the peer address, looked up (and its connection
   * made) only if a stage asks for it.
   */
  serve(request: Request, server: PeerAddressLookup): Response | Promise<Response>;
  /**
   * A POST a plain listener's router matched to `path`, one of `nativePaths()` when it routed
   * (`serve` without the path match; the route is looked up again: it may have gone since).
   */
  servePath(path: string, request: Request, server: PeerAddressLookup): Response | Promise<Response>;
  /**
   * The listeners stop: open REST Proxy v3 streams read no more and end once their records settled,
   * with a 503 report (v3-record-stream.ts), rather than hold the drain until it closes them.
   */
  stopping?(): void;
}
