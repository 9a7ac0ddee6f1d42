/**
 * IdempotencyGuard: `Idempotency-Key` handling for ingest requests. A key is remembered per
 * connector for `ingest.idempotency.window.ms` with a hash of the request (method, path, content
 * type, body) and the response given: the same key with the same request gets that response
 * again without writing; with another request, 422; while the first is still being handled, 409.
 * Only final answers (status below 500) are remembered, so a failed request can be retried.
 */
import type { IngestTarget } from "./request-context.ts";
import type { IngestRoute } from "./route-table.ts";

export interface IdempotencyGuard {
  /** The stored response to replay, or undefined to go on (the key is then held until `end`). */
  begin(
    route: IngestRoute,
    target: IngestTarget,
    key: string,
    request: Request,
    body: Uint8Array,
  ): Promise<Response | undefined>;
  /** Releases the key; remembers `response` when it is final. */
  end(route: IngestRoute, key: string, response: Response | undefined): Promise<void>;
}
