/**
 * Reads a request body up to a byte limit. A declared Content-Length over the limit is refused
 * before anything is read; a chunked body is read until it crosses the limit, then the rest is
 * cancelled (never buffered). Either way: 413 in REST Proxy's error shape.
 *
 * Content-Length is read strictly (RFC 9110 §8.6): digits only, or a list of equal values (Bun
 * merges a repeated header into `N, N`); anything else is 400. A body with a declared length is
 * read with one `bytes()`: the HTTP server frames it by that same length (a repeated
 * `N, N` is framed as N), so the read ends at the declared length, which is within the limit;
 * what was read is checked against the limit again (`checkedBody`). Bun's own
 * `maxRequestBodySize` sits above the routes' limits (ingest-server.ts, `bunBodyLimit`), so the
 * refusals here are what clients get for a body over a route's limit.
 *
 * A body with a Content-Encoding other than `identity` (a client gzipping its request) is 415 before
 * it is read, with `Accept-Encoding: identity` (RFC 7694): the gateway does not decode request
 * bodies, and taking the encoded bytes as the body would write a garbled record (a raw route) or
 * answer a misleading "not JSON" 400. Confluent REST Proxy has no request decoding either.
 *
 * `BodyRead` bounds the read in time: the request's deadline (ingest.request.timeout.ms) passing
 * before the body arrived is 408 and the connection closes, so a slow body cannot hold a route's
 * concurrency slot.
 */
import { announceClosingRefusal } from "./closing-refusal.ts";
import { ErrorCodes, IngestError } from "./ingest-error.ts";
import type { RequestAbort } from "./request-deadlines.ts";

/**
 * The 413 of `request`'s body, decided before the rest of it is read: what a deadline then answers
 * (`read`), and announced (closing-refusal.ts) so that nothing pipelined behind it is handled.
 */
function refusedTooLarge(request: Request, limit: number, read: BodyRead | undefined): IngestError {
  const refusal = tooLarge(limit);
  if (read) read.refused = refusal;
  announceClosingRefusal(request);
  return refusal;
}

function tooLarge(limit: number): IngestError {
  return new IngestError(
    413,
    ErrorCodes.PAYLOAD_TOO_LARGE,
    `Request body is larger than the limit of ${limit} bytes (ingest.max.body.bytes)`,
    { headers: { Connection: "close" } },
  );
}

export function readBody(request: Request, limit: number): Promise<Uint8Array> {
  return readRawBody(request, limit).then((raw) => checkedBody(raw, limit));
}

/**
 * The first half of `readBody`, for the request pipeline: the body as read, to be passed to
 * `checkedBody` (one promise a request fewer than `readBody`'s `then`).
 *
 * `client`: the request's abort, made to watch the client's signal at once when the body is
 * chunked (not only after CLIENT_WATCH_DELAY_MS). Bun.serve ends a chunked body at its last chunk,
 * before the trailer section, and parses trailer fields as the next request: it answers that 400
 * and closes the connection before the request's records are sent (a client pipelining behind a
 * chunked request meets the same close). Watched from the start, the abort withdraws the records
 * still queued, so the client's 400 means that none was written.
 */
function readRawBody(request: Request, limit: number, client?: RequestAbort, read?: BodyRead): Promise<Uint8Array> {
  const encoding = request.headers.get("content-encoding");
  if (encoding !== null && !isIdentity(encoding)) {
    void request.body?.cancel().catch(() => undefined);
    return Promise.reject(unsupportedEncoding(encoding));
  }
  const header = request.headers.get("content-length");
  if (header !== null) {
    const declared = declaredLength(header);
    if (declared < 0) {
      void request.body?.cancel().catch(() => undefined);
      return Promise.reject(invalidLength(header));
    }
    if (declared > limit) {
      const refusal = refusedTooLarge(request, limit, read);
      if (declared > drainLimit(limit) || awaitsContinue(request)) {
        void request.body?.cancel().catch(() => undefined);
        return Promise.reject(refusal);
      }
      return drained(request.body, 0, limit).then(() => Promise.reject(refusal));
    }
    // Within the limit as declared: one read of the whole body (without making its stream, which
    // Bun creates only when `body` is touched) is the fast path. `bytes()` rather than
    // `arrayBuffer()` + a Buffer view: ~1 µs a request less under single-record load.
    return request.bytes();
  }
  client?.watch(request.signal);
  return readChunked(request, limit, read);
}

/** How much of a body over `limit` is read and dropped before its 413: Bun's own limit (bunBodyLimit). */
function drainLimit(limit: number): number {
  return 2 * limit + 1_048_576;
}

/** `Expect: 100-continue`: no body comes before a 100 (https sends it at the first read: none is asked for). */
function awaitsContinue(request: Request): boolean {
  return request.headers.get("expect")?.toLowerCase() === "100-continue";
}

/** How long the rest of a refused body is read at most: as the https listener's lingering close (lingering-close.ts LINGER_MS). */
const DRAIN_MS = 2_000;

/**
 * Reads the rest of a refused body and drops it, so that its 413 and the close come after the
 * client's last byte. Closing while the client still writes fails its write, and Java's HttpClient
 * then reports that failure ("HTTP/1.1 header parser received no bytes") instead of the 413 already
 * in its socket: a device that cannot tell "too large" from a network error retries for ever. Stops
 * past `drainLimit` or DRAIN_MS, when the client leaves, or when the request's deadline closes the
 * connection.
 */
async function drained(body: ReadableStream<Uint8Array> | null, size: number, limit: number): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  const stop = setTimeout(() => void reader.cancel().catch(() => undefined), DRAIN_MS);
  try {
    for (let read = size; read <= drainLimit(limit); ) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.length;
    }
    await reader.cancel();
  } catch {
    // The client left, or the connection closed: nobody is waiting for the answer.
  } finally {
    clearTimeout(stop);
  }
}

/** The 415 of a body with a Content-Encoding other than identity, or undefined. */
export function refusedEncoding(request: Request): IngestError | undefined {
  const encoding = request.headers.get("content-encoding");
  return encoding !== null && !isIdentity(encoding) ? unsupportedEncoding(encoding) : undefined;
}

/** `identity`, or an empty value (no coding), in any case and with white space around it. */
function isIdentity(encoding: string): boolean {
  const value = encoding.trim().toLowerCase();
  return value === "" || value === "identity";
}

function unsupportedEncoding(encoding: string): IngestError {
  return new IngestError(
    415,
    ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
    `Unsupported Content-Encoding: ${JSON.stringify(encoding.slice(0, 40))}; send the request body uncompressed`,
    { headers: { "Accept-Encoding": "identity" } },
  );
}

function invalidLength(header: string): IngestError {
  return new IngestError(
    400,
    ErrorCodes.BAD_REQUEST,
    `Invalid Content-Length: ${JSON.stringify(header.slice(0, 40))}`,
    {
      headers: { Connection: "close" },
    },
  );
}

/** A Content-Length value as a number: digits, or a list of equal digit strings; -1 for anything else. */
export function declaredLength(header: string): number {
  if (isDigits(header)) return Number(header);
  const values = header.split(",");
  const first = values[0]!.trim();
  if (values.length > 1 && isDigits(first)) {
    let same = true;
    for (let i = 1; i < values.length && same; i++) same = values[i]!.trim() === first;
    if (same) return Number(first);
  }
  return -1;
}

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The second half of `readBody`: a body read whole is checked against the limit (a declared
 * length can be wrong). A record value that is the body itself goes to the Kafka client as these
 * bytes, without another copy or view.
 */
export function checkedBody(raw: Uint8Array, limit: number): Uint8Array {
  if (raw.byteLength > limit) throw tooLarge(limit);
  return raw;
}

async function readChunked(request: Request, limit: number, read?: BodyRead): Promise<Uint8Array> {
  const body = request.body;
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      const refusal = refusedTooLarge(request, limit, read);
      if (awaitsContinue(request)) await reader.cancel().catch(() => undefined);
      else {
        reader.releaseLock();
        await drained(body, size, limit);
      }
      throw refusal;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * What a failed body read answers: its own IngestError (413, 415, 400, 408), or, when the server's
 * stream failed (the client closed the connection mid-body: Bun's `AbortError` "The connection
 * was closed.", node:http's "aborted"; the https listener's AbortError of a request whose body it
 * could not parse, fetch-bridge.ts `withdraw`), 400 with the connection closed. That is the client's
 * doing, not the gateway's: counted as 4xx and not logged as an internal error (which answered 500
 * and logged an ERROR for every device whose network dropped mid-upload). Nothing was written.
 */
export function unreadBody(error: unknown, unexpected: (error: unknown) => void): IngestError {
  if (error instanceof IngestError) return error;
  // Anything else (a TypeError of a bug, a storage error) is the gateway's: logged, not hidden in a 400.
  if (!connectionClosed(error)) unexpected(error);
  return new IngestError(
    400,
    ErrorCodes.BAD_REQUEST,
    "The request body was not received in full: the connection closed before its end",
    { headers: { Connection: "close" } },
  );
}

/** The server's stream failed because the client's connection closed mid-body (Bun, node:http). */
function connectionClosed(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === "AbortError" ||
    code === "ECONNRESET" ||
    code === "ERR_STREAM_PREMATURE_CLOSE" ||
    error.message === "aborted"
  );
}

/**
 * The body being read, bounded by the request's deadline: IngestError 408 (connection closed) when
 * `signal` aborts first (its deadline passed, or its client left, before the body arrived). One
 * object a request, which is also the abort listener (no closure per request); `await` its `body`,
 * then call `done` so that the writer's listener is the signal's only one.
 */
export class BodyRead {
  private readonly reject: (error: unknown) => void;
  readonly body: Promise<Uint8Array>;
  /** The body's 413, known before the rest of it is read and dropped: what a deadline then answers. */
  refused: IngestError | undefined;

  /** Starts reading `request`'s body (readRawBody, up to `limit`; `signal` also watches a chunked body's client). */
  constructor(
    request: Request,
    limit: number,
    private readonly signal: RequestAbort,
    private readonly timeoutMs: number,
  ) {
    this.body = new Promise<Uint8Array>(takeBodyCallbacks);
    this.reject = bodyReject!;
    const resolve = bodyResolve!;
    bodyResolve = bodyReject = undefined;
    // Listening before the read starts: a chunked body's client found gone at once aborts the
    // signal inside readRawBody (its watch), and a listener added after that is never called.
    signal.addEventListener("abort", this);
    readRawBody(request, limit, signal, this).then(resolve, this.reject);
  }

  /** The signal aborted before the body arrived (or before the rest of a refused one was dropped). */
  handleEvent(): void {
    this.reject(this.refused ?? bodyTimeout(this.timeoutMs));
  }

  done(): void {
    this.signal.removeEventListener("abort", this);
  }
}

/** The executor of every BodyRead's promise hands its functions over here (one shared function, no closure). */
let bodyResolve: ((body: Uint8Array) => void) | undefined;
let bodyReject: ((error: unknown) => void) | undefined;
function takeBodyCallbacks(resolve: (body: Uint8Array) => void, reject: (error: unknown) => void): void {
  bodyResolve = resolve;
  bodyReject = reject;
}

function bodyTimeout(timeoutMs: number): IngestError {
  return new IngestError(
    408,
    ErrorCodes.REQUEST_TIMEOUT,
    `The request body did not arrive within ${timeoutMs} ms (ingest.request.timeout.ms)`,
    { headers: { Connection: "close" } },
  );
}
