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
 */
import { check, defineConfig, key } from "../plugin/config-def.ts";
import { declaredLength } from "./body-reader.ts";
import { unavailable } from "./ingest-error.ts";

export const ingestBodyBudgetConfigDef = defineConfig({
  "ingest.request.bodies.max.bytes": key.long({
    doc: "Most bytes of request bodies all the ingest listeners receive at once (each request reserves its Content-Length, or its route's ingest.max.body.bytes when chunked, while its body is read); a request that would pass it gets 503 with Retry-After (its route's ingest.retry.after.seconds) before its body is read, unless no body is being received. Bounds the memory that slow or stalled uploads can hold (each route allows ingest.max.concurrent.requests bodies of ingest.max.body.bytes). 0: no limit.",
    default: 268_435_456,
    importance: "MEDIUM",
    group: "Ingest",
    displayName: "Request bodies max bytes",
    validators: [check.atLeast(0)],
  }),
});

export class BodyBudget {
  /** Bytes reserved by bodies being received now. */
  reserved = 0;

  /** @param max the budget in bytes; 0: unlimited. */
  constructor(private readonly max: number) {}

  /**
   * Reserves the body of `request` (up to `limit`, its route's body limit); throws IngestError 503
   * with Retry-After `retryAfterSeconds` (its route's ingest.retry.after.seconds, as its other
   * overload answers) when over the budget.
   */
  reserve(request: Request, limit: number, retryAfterSeconds: number): number {
    if (this.max <= 0) return 0;
    const header = request.headers.get("content-length");
    const declared = header === null ? limit : declaredLength(header);
    const bytes = declared < 0 || declared > limit ? limit : declared;
    if (this.reserved > 0 && this.reserved + bytes > this.max)
      throw unavailable(
        `The ingest listeners are receiving ${this.reserved} bytes of request bodies (ingest.request.bodies.max.bytes=${this.max}); retry later`,
        retryAfterSeconds,
      );
    this.reserved += bytes;
    return bytes;
  }

  /** Gives back what `reserve` returned, once the body is read (or refused). */
  release(bytes: number): void {
    this.reserved -= bytes;
  }
}
