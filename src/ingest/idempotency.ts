/**
 * IdempotencyGuard: `Idempotency-Key` handling for ingest requests. A key is remembered per
 * connector and identity (the authenticated principal; anonymous requests share one scope) for
 * `ingest.idempotency.window.ms` with a hash of the request (identity, method, path, content type,
 * the header values the route maps into records, body) and the response given: the same identity
 * with the same key and request gets that response again without writing; with another request,
 * 422 (also while the first is still being handled or held); while the first is still being
 * handled, the same request is 409. Another identity's key of the same value is
 * another key (security review 2026-12-01, P2.6: one device must not get, or block, another's).
 * Only final answers are remembered, decided from the records' outcomes, not the status (REST
 * Proxy answers 200 or 207 with failed records): an answer in which a record failed as "not
 * written" is not final, its key is released and a retry with it runs again, also when other
 * records of the request were written (those are then written again: a lost record would be
 * worse, and the answer says so); a request refused before it was submitted is final below 500.
 * An answer whose only unfinished records "may still be written" (sent, not acknowledged when
 * ingest.request.timeout.ms ran out: the producer keeps retrying them) keeps its key held (`hold`:
 * a retry is 409 with Retry-After, saying so) until the writer tells what became of them
 * (IngestSubmission.late): all written (or refused for good), the answer the request would have
 * given had it waited is remembered, as any final one; any not written, or unknown (its task
 * stopped), the key is released. Releasing it at the 500 would have written every record twice
 * once Kafka took them. The hold is in memory: a gateway restarting loses it, as it loses any
 * key in flight (a retry then writes again: at least once). A replayed answer carries
 * `Idempotent-Replayed: true`.
 *
 * Remembering comes after Kafka acknowledged the records, and the answer waits until the key is
 * durable (IdempotencyStore.durable: a device's retry after a power loss is still recognised). A
 * key that cannot be stored or made durable (a full disk,
 * SQLITE_FULL) does not change the answer, which says what was written (or, for a held key, was
 * given before: its records may still be written). The request is counted in
 * `ingest_idempotency_keys_not_stored_total`, and a WARN (once per episode: until a key is stored
 * again, then an INFO) says that a retry with such a key writes its records again. Keys the store
 * deleted before their window ended, to stay under ingest.idempotency.max.bytes, are counted in
 * `ingest_idempotency_keys_dropped_total` and WARNed about at most once a minute; an answer larger
 * than that cap by itself is not stored (counted as not stored, WARNed about at most once a minute).
 */
import { messageOf } from "../errors.ts";
import { AnswerOverCapError, type IdempotencyStore } from "../store/idempotency-store.ts";
import { SCHEMA_2_KEY_SCOPE } from "../store/migrations/index.ts";
import { type Clock, monotonicNow } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { RepeatLimiter, suppressedNote } from "../util/repeat-limiter.ts";
import { routePath } from "./direct-path.ts";
import { ErrorCodes, IngestError } from "./ingest-error.ts";
import type { IngestMetrics } from "./ingest-metrics.ts";
import type { RecordOutcome } from "./ingest-record.ts";
import type { IngestIdentity, IngestTarget } from "./request-context.ts";
import type { IngestRoute } from "./route-table.ts";

export interface IdempotencyGuard {
  /** The stored response to replay, or undefined to go on (the key is then held until `end`). */
  begin(
    route: IngestRoute,
    target: IngestTarget,
    key: string,
    request: Request,
    body: Uint8Array,
    identity: IngestIdentity,
  ): Promise<Response | undefined>;
  /** Releases the key; remembers `response` when given (the pipeline gives only final answers). */
  end(route: IngestRoute, key: string, response: Response | undefined, identity: IngestIdentity): Promise<void>;
  /**
   * The request was answered with records that may still be written: the key stays held (a retry is
   * 409) until `later` gives the final answer to remember (`end`), or undefined to release it.
   */
  hold(route: IngestRoute, key: string, later: Promise<Response | undefined>, identity: IngestIdentity): void;
}

/**
 * Whether an outcome keeps its request's answer from being final (a retry could cure it): a record
 * not written, or that may still be written. A record Kafka refused for good is final.
 */
export function curable(outcome: RecordOutcome): boolean {
  return outcome.kind === "failed" && (outcome.retriable || outcome.maybeWritten);
}

/** The identity's scope of keys in the store: '' for anonymous requests (the scope of keys stored before identities were). */
export function identityScope(identity: IngestIdentity): string {
  return identity.source === "anonymous" ? "" : `${identity.source}:${identity.principal}`;
}

/** Idempotency-Key values accepted: visible ASCII, 1-255 characters. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The guard over the SQLite store: keys being handled are held in memory (one gateway per file). */
export class StoredIdempotencyGuard implements IdempotencyGuard {
  /**
   * Requests under way by connector, scope and key: their request hash, the connector's generation
   * when they began, and whether they were answered with records that may still be written (`hold`).
   */
  private readonly active = new Map<string, { readonly hash: string; readonly generation: number; held: boolean }>();
  /** A key could not be stored and none was since (one WARN per episode). */
  private failing = false;
  /** Keys dropped early: one WARN a minute. */
  private readonly dropWarnings: RepeatLimiter;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics: IngestMetrics,
  ) {
    this.dropWarnings = new RepeatLimiter(() => monotonicNow(clock), 60_000);
    // Keys the store's timer deletes to bring the keys under the cap are dropped early too.
    store.onDropped = (count) => this.droppedEarly(count);
  }

  async begin(
    route: IngestRoute,
    _target: IngestTarget,
    key: string,
    request: Request,
    body: Uint8Array,
    identity: IngestIdentity,
  ): Promise<Response | undefined> {
    if (!KEY_PATTERN.test(key))
      throw new IngestError(400, 400, "The Idempotency-Key header must be 1-255 visible ASCII characters");
    const scope = identityScope(identity);
    const hash = requestHash(request, body, scope, mappedHeaders(route));
    const id = `${route.connector}\u0000${scope}\u0000${key}`;
    const under = this.active.get(id);
    // Another request is 422 whatever the key's state: a 409 would have its client retry for ever.
    if (under && under.hash !== hash) throw mismatch();
    if (under?.held)
      throw new IngestError(
        409,
        409,
        "The records of the first request with this Idempotency-Key may still be written: Kafka has not acknowledged them yet. Retry later: once they are written, the answer the first request would have had is replayed; if they are not, a retry writes them",
        { retryAfterSeconds: route.settings.limits.retryAfterSeconds },
      );
    if (under)
      throw new IngestError(409, 409, "A request with this Idempotency-Key is still being processed; retry later", {
        retryAfterSeconds: 1,
      });
    const now = this.clock.now();
    const own = this.store.get(route.connector, scope, key, now);
    const stored = own ?? this.store.get(route.connector, SCHEMA_2_KEY_SCOPE, key, now);
    if (stored && !sameRequest(stored.requestHash, stored === own, hash, scope, request, body, mappedHeaders(route))) {
      // A schema-2 key of another request is no answer to an authenticated identity: it may be
      // another identity's (schema 2 kept none); the anonymous scope shared it, as it did then.
      if (stored === own || scope === "") throw mismatch();
    } else if (stored) {
      return new Response(stored.body, {
        status: stored.status,
        headers: { "Content-Type": stored.contentType, "Idempotent-Replayed": "true" },
      });
    }
    this.active.set(id, { hash, generation: this.store.generation(route.connector), held: false });
    return undefined;
  }

  hold(route: IngestRoute, key: string, later: Promise<Response | undefined>, identity: IngestIdentity): void {
    const active = this.active.get(`${route.connector}\u0000${identityScope(identity)}\u0000${key}`);
    if (active === undefined) return;
    active.held = true;
    void later
      .catch(() => undefined) // no answer to remember: released
      .then((response) => this.settle(route, key, response, identity, true))
      .catch((error) =>
        this.log.error(`Could not settle a held Idempotency-Key of connector ${route.connector}: ${messageOf(error)}`),
      );
  }

  end(route: IngestRoute, key: string, response: Response | undefined, identity: IngestIdentity): Promise<void> {
    return this.settle(route, key, response, identity, false);
  }

  /**
   * Releases the key, remembering `response` when given. `late`: the answer of a held key, which the
   * client never got (it was answered that its records may still be written).
   */
  private async settle(
    route: IngestRoute,
    key: string,
    response: Response | undefined,
    identity: IngestIdentity,
    late: boolean,
  ): Promise<void> {
    const scope = identityScope(identity);
    const id = `${route.connector}\u0000${scope}\u0000${key}`;
    const active = this.active.get(id);
    if (active === undefined) return;
    try {
      if (!response) return;
      const body = new Uint8Array(await response.clone().arrayBuffer());
      let dropped: number;
      try {
        dropped = this.store.put(
          route.connector,
          scope,
          key,
          {
            requestHash: active.hash,
            status: response.status,
            contentType: response.headers.get("content-type") ?? "application/json",
            body,
          },
          this.clock.now(),
          route.settings.idempotencyWindowMs,
          // A connector deleted (and maybe created again under its name) since does not get the key.
          active.generation,
        );
        // The answer goes out once its key survives a power loss (the store's WAL fsync'ed).
        await this.store.durable();
      } catch (error) {
        const answered = answeredAs(response.status, late);
        if (error instanceof AnswerOverCapError) this.overCap(route, answered, error);
        else this.notStored(route, answered, error);
        return;
      }
      if (this.failing) {
        this.failing = false;
        this.log.info("Idempotency-Keys of ingest requests are stored again");
      }
      if (dropped > 0) this.droppedEarly(dropped);
    } finally {
      this.active.delete(id);
    }
  }

  /** Keys deleted before their window ended to make room under the cap: their retries write again. */
  private droppedEarly(count: number): void {
    this.metrics.idempotencyKeysDropped(count);
    const admitted = this.dropWarnings.admit("dropped");
    if (!admitted) return;
    const { keys, bytes } = this.store.usage();
    this.log.warn(
      `Deleted ${count} Idempotency-Key(s) before their ingest.idempotency.window.ms ended, those that expire first, to keep the stored keys under ingest.idempotency.max.bytes=${this.store.maxBytes} (${keys} keys in ${bytes} bytes kept): a retry with a deleted key writes its records again. Raise ingest.idempotency.max.bytes or lower the routes' ingest.idempotency.window.ms; ingest_idempotency_keys_dropped_total counts them${suppressedNote(admitted)}`,
    );
  }

  /**
   * An answer larger than the whole cap: a property of the request, not an episode of the store (a
   * full disk), so it is WARNed about at most once a minute and does not end or start an episode.
   */
  private overCap(route: IngestRoute, answered: string, error: AnswerOverCapError): void {
    this.metrics.idempotencyKeyNotStored(route.connector);
    const admitted = this.dropWarnings.admit("over cap");
    if (!admitted) return;
    this.log.warn(
      `Could not store the Idempotency-Key of a request to ${route.settings.path} (connector ${route.connector}): ${error.message}. ${answered}, but a retry with the same key is handled again: records it wrote are written again. Raise ingest.idempotency.max.bytes or send fewer records a request; ingest_idempotency_keys_not_stored_total counts them${suppressedNote(admitted)}`,
    );
  }

  /** The key's answer stands (its records are written); the operator learns that it is not remembered. */
  private notStored(route: IngestRoute, answered: string, error: unknown): void {
    this.metrics.idempotencyKeyNotStored(route.connector);
    if (this.failing) return;
    this.failing = true;
    // Neither the key nor the request: only the connector, its path and the store's error.
    this.log.warn(
      `Could not store the Idempotency-Key of a request to ${route.settings.path} (connector ${route.connector}): ${messageOf(error)}. ${answered}, but a retry with the same key is handled again: records it wrote are written again. Logged once until a key is stored again; ingest_idempotency_keys_not_stored_total counts them`,
    );
  }
}

/** The key was used with another request (body, path, content type or mapped header values). */
function mismatch(): IngestError {
  return new IngestError(
    422,
    ErrorCodes.IDEMPOTENCY_MISMATCH,
    "This Idempotency-Key was already used with a different request; use a new key for new data",
  );
}

/**
 * What the client of a request whose key was not stored was told: the answer (`status`), or, when
 * its key was held (`late`), that its records may still be written: the answer came too late.
 */
function answeredAs(status: number, late: boolean): string {
  return late
    ? `The request was answered that its records may still be written (Kafka acknowledged them since: the answer to keep was ${status})`
    : `The request was answered as usual (${status})`;
}

/**
 * Whether a stored key's request is this one. A key a gateway stored before mapped header values
 * and identities were hashed (gateway.db schema 2: in the scope SCHEMA_2_KEY_SCOPE since migration
 * 4, in the anonymous scope on a file migrated to 3 before) matches a request its own hash (method,
 * path, content type, body) would have matched: after an upgrade a device's retry is replayed, not
 * refused with 422 on a route that maps a header (the key header, an allow-list) nor written again
 * when the device authenticates. A key stored before one trailing slash stopped counting was hashed
 * with the path as sent (a connector's own path was served with one: `POST /a/`), and matches it.
 */
function sameRequest(
  stored: string,
  own: boolean,
  hash: string,
  scope: string,
  request: Request,
  body: Uint8Array,
  headers: readonly string[],
): boolean {
  if (own && stored === hash) return true;
  const sent = urlPath(request.url);
  const paths = sent === routePath(sent) ? [sent] : [routePath(sent), sent];
  return paths.some(
    (path) =>
      (own && stored === requestHash(request, body, scope, headers, path)) ||
      ((!own || scope === "") && stored === requestHash(request, body, "", [], path)),
  );
}

/** The request headers whose values reach the records: the allow-listed ones and the key header. */
function mappedHeaders(route: IngestRoute): readonly string[] {
  const { headers, key } = route.settings;
  const names = headers.allow.map((h) => h.from);
  if (key.source === "header") names.push(key.header.toLowerCase());
  return names;
}

/**
 * The path of a request URL as `new URL` gives it; for a URL it refuses (Bun builds `http://[/a`
 * from the Host `[`), the text from the first `/` after the scheme's `//` up to `?` or `#`.
 */
function urlPath(url: string): string {
  if (URL.canParse(url)) return new URL(url).pathname;
  const start = url.startsWith("/") ? 0 : url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.slice(start).search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, start + end);
}

/**
 * SHA-256 over what makes two requests the same: the identity's scope, method, path, content type,
 * the values of the headers that reach the records (`headers`, lower-case names) and the body. The
 * path is the route's, one trailing slash dropped: `POST /topics/t/` is the request `POST /topics/t`
 * (both are served, rest-proxy-routes.ts), so a retry by either replays the first one's answer.
 */
export function requestHash(
  request: Request,
  body: Uint8Array,
  scope = "",
  headers: readonly string[] = [],
  path = routePath(urlPath(request.url)),
): string {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(
    `${scope === "" ? "" : `${scope}\n`}${request.method}\n${path}\n${request.headers.get("content-type") ?? ""}\n`,
  );
  for (const name of headers) hasher.update(`${name}:${request.headers.get(name) ?? ""}\n`);
  hasher.update(body);
  return hasher.digest("hex");
}
