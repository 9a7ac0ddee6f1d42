/**
 * BodyBudget: the bytes of request bodies the worker's ingest listeners receive at once, over
 * every route, bounded by the worker key `ingest.request.bodies.max.bytes`. Each route bounds one
 * body (`ingest.max.body.bytes`) and its requests in progress (`ingest.max.concurrent.requests`),
 * but nothing bounded their product: with the defaults (1 MiB, 1,024) one anonymous client holding
 * 500 bodies one byte short of complete kept 590 MB of the gateway's memory for
 * `ingest.request.timeout.ms`, and could hold ~1 GiB per route (security hunt 2026-12-03).
 *
 * A request reserves its declared Content-Length (the route's limit when it has none: a chunked
 * body may grow to it) when its body is about to be read, and gives it back once the body is read
 * or refused; a reservation that would pass the budget is 503 with Retry-After before any of the
 * body is read, unless nothing is reserved (so a body within its route's limit is never refused
 * for good). After the read the records are bounded by the task's `ingest.queue.max.bytes`.
 *
 * Fairness: while the listeners serve more than one route, a route may hold at most its share, half
 * the budget (one body of its own limit when that is larger), unless it holds nothing: slow uploads
 * on one route (an anonymous one, say) leave the other half to the others, where before they made
 * every route, authenticated device routes too, answer 503 (bodyfair). Half, not a share per
 * route: a busy route keeps room for bursts, and the other routes share what it cannot take. With a
 * single route the whole budget is its own; a suspended route (a paused connector's) takes no body
 * and does not count (IngestRouteTable.openCount).
 */
import { check, defineConfig, key } from "../plugin/config-def.ts";
import { declaredLength } from "./body-reader.ts";
import { unavailable } from "./ingest-error.ts";
import type { RouteRequests } from "./route-table.ts";

export const ingestBodyBudgetConfigDef = defineConfig({
  "ingest.request.bodies.max.bytes": key.long({
    doc: "Most bytes of request bodies all the ingest listeners receive at once (each request reserves its Content-Length, or its route's ingest.max.body.bytes when chunked, while its body is read; a REST Proxy v3 stream for its life); a request that would pass it gets 503 with Retry-After (its route's ingest.retry.after.seconds) before its body is read, unless no body is being received. While the listeners serve more than one route, one route may hold at most half of it (one body of its ingest.max.body.bytes when that is larger) unless it holds nothing, so slow uploads on one route leave the other half to the others. Bounds the memory that slow or stalled uploads can hold (each route allows ingest.max.concurrent.requests bodies of ingest.max.body.bytes). 0: no limit.",
    default: 268_435_456,
    importance: "MEDIUM",
    group: "Ingest",
    displayName: "Request bodies max bytes",
    validators: [check.atLeast(0)],
  }),
});

/** What the budget needs of a route (IngestRoute has it). */
export interface BudgetRoute {
  readonly settings: {
    readonly path: string;
    readonly limits: { readonly maxBodyBytes: number; readonly retryAfterSeconds: number };
  };
  /** Its `receiving` counts the bytes the route's bodies reserved. */
  readonly requests: RouteRequests;
}

export class BodyBudget {
  /** Bytes reserved by bodies being received now. */
  reserved = 0;

  /**
   * @param max the budget in bytes; 0: unlimited.
   * @param routeCount how many routes the listeners serve (asked only when a route would pass its share).
   */
  constructor(
    private readonly max: number,
    private readonly routeCount: () => number = () => 1,
  ) {}

  /**
   * Reserves the body of `request` (up to its route's body limit) for `route`; throws IngestError
   * 503 with Retry-After (the route's ingest.retry.after.seconds, as the route's other 503 answers:
   * too many concurrent requests, no running task) when over the budget or, with other routes
   * served, over the route's share of it.
   */
  reserve(request: Request, route: BudgetRoute): number {
    if (this.max <= 0) return 0;
    const { maxBodyBytes: limit, retryAfterSeconds } = route.settings.limits;
    const header = request.headers.get("content-length");
    const declared = header === null ? limit : declaredLength(header);
    const bytes = declared < 0 || declared > limit ? limit : declared;
    if (this.reserved > 0 && this.reserved + bytes > this.max)
      throw unavailable(
        `The ingest listeners are receiving ${this.reserved} bytes of request bodies (ingest.request.bodies.max.bytes=${this.max}); retry later`,
        retryAfterSeconds,
      );
    const held = route.requests;
    const share = Math.max(limit, Math.floor(this.max / 2));
    if (held.receiving > 0 && held.receiving + bytes > share && this.routeCount() > 1)
      throw unavailable(
        `The ingest route ${route.settings.path} is receiving ${held.receiving} bytes of request bodies, its share of ingest.request.bodies.max.bytes=${this.max} (half of it, or one body of ingest.max.body.bytes=${limit}, while other routes are served); retry later`,
        retryAfterSeconds,
      );
    this.reserved += bytes;
    held.receiving += bytes;
    return bytes;
  }

  /** Gives back what `reserve` returned for `route`, once the body is read (or refused). */
  release(bytes: number, route: BudgetRoute): void {
    this.reserved -= bytes;
    route.requests.receiving -= bytes;
  }
}
