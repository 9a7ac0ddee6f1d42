/**
 * V3RecordStream: REST Proxy v3 streaming mode (shared/rest-proxy-api.md §2), a chunked
 * `POST /v3/clusters/{cluster_id}/topics/{topic}/records` read and answered as it goes. The REST
 * Proxy v3 route (rest-proxy-routes.ts) hands a chunked request without an Idempotency-Key to the
 * stream pipeline here; everything else takes the whole-body pipeline (ingest-handler.ts).
 *
 * Admission is the pipeline's: route open with a task, authenticate, authorize, a concurrency slot
 * (ingest.max.concurrent.requests), header values each record carries within what a record of a
 * whole body of ingest.max.records records may carry (amplifiedHeaders) and a body reservation
 * (ingest.request.bodies.max.bytes); an error before that is answered with its own status. Then 200
 * at once, and:
 *   - each JSON value, as soon as its text is complete in the body read so far (json-stream-
 *     splitter.ts), is read as the whole-body path reads it (parseV3Texts: the same per-record
 *     reports). The values completed by one read of the body are submitted together (one
 *     submission of ingest.max.records at most: they share produce batches, as a whole body's
 *     records do). Each submission goes to the writer once the one before was handed over, and
 *     every one to the same task while it runs (its producer keeps their order): the records reach
 *     Kafka in the stream's order;
 *   - each record's delivery report is written as soon as it and every earlier record settled, in
 *     order (a chain of the submissions' outcomes);
 *   - the stream ends with one last error report (after the reports of the records read before,
 *     which settle first) when the body is not JSON text (400), a value starts with `}` `]` or `,`
 *     (400: the rest of the stream is one malformed value, as a whole body's rest is), a value's text
 *     with the header values each record carries passes ingest.max.body.bytes UTF-8 bytes (413), no
 *     byte arrives for ingest.request.timeout.ms (408), the stream is open for
 *     ingest.streaming.max.duration.ms (408, REST Proxy's "Streaming connection open for longer
 *     than allowed"), or the route is paused, stopped or reconfigured (503: the connector's
 *     suspended message). A stream without a record ends with the whole-body
 *     path's "Request body is empty" report.
 *
 * Bounds: a value's text (ingest.max.body.bytes), the records submitted and not settled
 * (ingest.max.records: the body is not read further until earlier records settle), the reports not
 * yet read by the client (REPORTS_BUFFERED_BYTES: likewise), each submission's wait for Kafka
 * (ingest.request.timeout.ms: records not sent by then are withdrawn and report 503).
 *
 * A client that goes away: the body's read fails, nothing more is read, records already submitted
 * are still written (their submissions are not tied to the client: at least once, as documented),
 * and the slot, the reservation, the timers and the route listener are released once they settle.
 * `streamEnd(response)` is when the stream ended: the request's metrics (duration, records and
 * bytes accepted) are counted then.
 */
import { isPromise } from "../util/async.ts";
import { refusedEncoding } from "./body-reader.ts";
import {
  ErrorCodes,
  errorBody,
  INTERNAL_ERROR_MESSAGE,
  IngestError,
  reportInternalError,
  unavailable,
} from "./ingest-error.ts";
import type { IngestExchange } from "./ingest-exchange.ts";
import type { IngestHandlerDeps } from "./ingest-pipeline-contract.ts";
import { type IngestRecord, type RecordOutcome, shownOutcomes } from "./ingest-record.ts";
import { JsonStreamSplitter } from "./json-stream-splitter.ts";
import { JsonStreamText, StreamNotText } from "./json-stream-text.ts";
import { copiedHeaderBytes } from "./record-builder.ts";
import type { IngestIdentity, IngestTarget } from "./request-context.ts";
import type { RequestDeadlines } from "./request-deadlines.ts";
import { bodyNotText, emptyBody, parseV3Texts, type ReportContext, type V3Parsed, v3Reports } from "./rest-proxy-v3.ts";
import { busyRoute, closedRoute, identityOn } from "./route-admission.ts";
import type { IngestRoute, IngestWriter } from "./route-table.ts";

/** Reports written and not yet read by the client beyond which the body is not read further. */
export const REPORTS_BUFFERED_BYTES = 1 << 20;

/** REST Proxy's report at streaming.connection.max.duration.ms (StreamingResponse). */
export const STREAM_DURATION_MESSAGE = "Streaming connection open for longer than allowed";

/** What a stream waits for while it reads the body (ingest.request.timeout.ms, once its records settled). */
const NO_BYTE = "No byte of the stream arrived";

/** What a request's records are checked against: their partitions (the route's partition-count check). */
export type KnownPartitions = (parsed: V3Parsed) => Promise<V3Parsed>;

/** Runs a v3 streaming request once its route and target are known; throws IngestError before admission. */
export type StreamPipeline = (
  context: IngestExchange,
  route: IngestRoute,
  target: IngestTarget,
  report: ReportContext,
  known: KnownPartitions,
) => Promise<Response>;

/** When each stream's response ended (the request's metrics are counted then). */
const ends = new WeakMap<Response, Promise<void>>();

/** When `response`'s stream ended, if it is a v3 stream's. */
export function streamEnd(response: Response): Promise<void> | undefined {
  return ends.get(response);
}

/**
 * Whether a chunked request to the v3 `…/records` route is streamed: unless it has an Idempotency-Key
 * the route honours (`guarded`: the worker keeps keys), whose answer must be replayable whole.
 */
export function isStreamed(request: Request, route: IngestRoute, guarded: boolean): boolean {
  return !(guarded && route.settings.idempotencyWindowMs > 0 && request.headers.has("idempotency-key"));
}

/** The stream pipeline, and the end of every stream open (the listeners stop). */
export interface V3Streams {
  readonly pipeline: StreamPipeline;
  /** Ends every open stream: nothing more is read, its records settle, then its 503 report. */
  stopping(): void;
}

/** What a stream open when the listeners stop ends with. */
export const STOPPING_MESSAGE = "The gateway is stopping; send the rest of the stream again once it is back";

export function createStreamPipeline(deps: IngestHandlerDeps, deadlines: RequestDeadlines): V3Streams {
  const open = new Set<V3RecordStream>();
  const pipeline: StreamPipeline = async (context, route, target, report, known) => {
    if (route.state !== "open" || route.writers.length === 0) throw closedRoute(route);
    // As the whole-body pipeline: a client that is not let in never holds one of the route's slots.
    const identity = await identityOn(context, route);
    await route.stages.authorize(identity, target);
    const refused = refusedEncoding(context.request);
    if (refused) throw refused;
    const requests = route.requests;
    if (requests.inFlight >= route.settings.limits.maxConcurrentRequests) throw busyRoute(route);
    const stamped = route.stages.stampedBytes ? route.stages.stampedBytes(identity) : 0;
    const copied = copiedHeaderBytes(route.settings, context.request, false) + stamped;
    const amplified = amplifiedHeaders(route.settings.limits, copied);
    if (amplified) throw amplified;
    const stream = new V3RecordStream(deps, deadlines, context, route, target, identity, report, known, {
      stamped,
      copied,
    });
    const reserved = deps.bodies ? deps.bodies.reserve(context.request, route) : 0;
    requests.inFlight++;
    open.add(stream);
    // Its own idle watch and ingest.streaming.max.duration.ms end it, not Bun's idle limit, which
    // counts from the last report written (request-idle-hold.ts).
    const restoreIdle = context.liftIdleLimit();
    const done = stream.run(() => {
      open.delete(stream);
      requests.inFlight--;
      deps.bodies?.release(reserved, route);
    }, restoreIdle);
    ends.set(stream.response, done);
    return stream.response;
  };
  return {
    pipeline,
    stopping: () => {
      for (const stream of open) stream.stop(STOPPING_MESSAGE);
    },
  };
}

/**
 * How a stream ends early: its last report; `stop` (the rest of the body is one malformed value,
 * already reported); `gone` (the client left: nothing more is written).
 */
type Ending = IngestError | "stop" | "gone";

class V3RecordStream {
  readonly response: Response;
  private readonly splitter = new JsonStreamSplitter();
  private readonly text = new JsonStreamText();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private out!: ReadableStreamDefaultController<Uint8Array>;
  private readonly encoder = new TextEncoder();
  /** Settles once every submission so far settled and its reports were written. */
  private tail: Promise<void> = Promise.resolve();
  /**
   * Settles once the last submission's records were handed to the writer (or failed before): the next
   * one's turn, so records reach Kafka in the stream's order though a partition look-up or a quota
   * makes one submission wait.
   */
  private handedOver: Promise<void> = Promise.resolve();
  /** The task this stream's records go to: one task's producer keeps their order (chosen again once it detached). */
  private writer: IngestWriter | undefined;
  /** What the stream waits for from the client (to send, to read), since `idleSince`; null when not waiting. */
  private waitingFor: string | null = null;
  private idleSince = 0;
  /** Records read and not yet reported. */
  private unsettled = 0;
  private values = 0;
  private ending: Ending | null = null;
  /** Resolves a wait for the client to read reports (`room`). */
  private pulled: (() => void) | null = null;
  private readonly stampedBytes: number;
  /** Bytes each record carries of the request's header values and the stamped identity (checkCopiedHeaders). */
  private readonly copiedBytes: number;
  private readonly hide: (text: string) => string;

  constructor(
    private readonly deps: IngestHandlerDeps,
    private readonly deadlines: RequestDeadlines,
    private readonly context: IngestExchange,
    private readonly route: IngestRoute,
    private readonly target: IngestTarget,
    private readonly identity: IngestIdentity,
    private readonly report: ReportContext,
    private readonly known: KnownPartitions,
    headerBytes: { readonly stamped: number; readonly copied: number },
  ) {
    this.reader = (
      context.request.body ?? new ReadableStream<Uint8Array>()
    ).getReader() as ReadableStreamDefaultReader<Uint8Array>;
    this.stampedBytes = headerBytes.stamped;
    this.copiedBytes = headerBytes.copied;
    this.hide = (text) => deps.redact(text, route.connector);
    this.response = new Response(
      new ReadableStream<Uint8Array>(
        {
          start: (controller) => {
            this.out = controller;
          },
          pull: () => this.wake(),
          cancel: () => this.end("gone"),
        },
        { highWaterMark: REPORTS_BUFFERED_BYTES, size: (chunk) => chunk?.byteLength ?? 0 },
      ),
      { status: 200, headers: { "Content-Type": "application/json" } },
    );
  }

  /**
   * Reads the body to its end (or the stream's), then writes the last reports and ends the response;
   * `release` (the slot, the reservation) runs before the response ends, `lastChunk` (Bun's idle
   * limit set back) just before, while the request is still Bun's.
   */
  async run(release: () => void, lastChunk: (() => void) | undefined): Promise<void> {
    const { limits } = this.route.settings;
    const lifetime = new AbortController();
    let unsubscribe = () => {};
    try {
      // Inside the try: whatever throws, the finally below gives the limits and the slot back.
      void this.deps.clock.sleep(limits.streamMaxDurationMs, lifetime.signal).then(() => {
        if (!lifetime.signal.aborted)
          this.end(new IngestError(408, ErrorCodes.REQUEST_TIMEOUT, STREAM_DURATION_MESSAGE));
      });
      void this.watchIdle(lifetime.signal);
      unsubscribe = this.deps.routes.onChange(() => {
        if (this.route.state !== "open" || !this.deps.routes.routes().includes(this.route))
          this.end(closedRoute(this.route));
      });
      await this.readBody();
      await this.tail;
      const ending = this.ending;
      if (ending instanceof IngestError) this.write(errorBody(ending.errorCode, this.hide(ending.message)));
    } catch (error) {
      reportInternalError(this.deps, this.route.settings.path, error);
      // The reports of the records read before come first (the chain never rejects).
      await this.tail;
      this.write(errorBody(ErrorCodes.INTERNAL_SERVER_ERROR, INTERNAL_ERROR_MESSAGE));
    } finally {
      lifetime.abort();
      unsubscribe();
      release();
      this.wake();
      lastChunk?.();
      try {
        this.out.close();
      } catch {
        // the client cancelled the response meanwhile
      }
      if (this.context.request.signal.aborted) this.deps.metrics.requestUnanswered(this.route.connector);
    }
  }

  /** Ends the stream with a 503 report `message` (the listeners stop). */
  stop(message: string): void {
    this.end(unavailable(message, this.route.settings.limits.retryAfterSeconds));
  }

  /** Ends the stream early (the first reason stays): nothing more of the body is read. */
  private end(reason: Ending): void {
    if (this.ending === null || reason === "gone") this.ending = reason;
    this.wake();
    void this.reader.cancel().catch(() => undefined);
  }

  private wake(): void {
    const pulled = this.pulled;
    this.pulled = null;
    pulled?.();
  }

  private async readBody(): Promise<void> {
    const limits = this.route.settings.limits;
    for (;;) {
      await this.room();
      if (this.ending !== null) return;
      let chunk: { done: boolean; value?: Uint8Array };
      try {
        chunk = await this.clientWait(this.reader.read(), NO_BYTE);
      } catch {
        this.end("gone");
        return;
      }
      if (this.ending !== null) return;
      try {
        if (chunk.done) {
          if (!this.split(this.text.end())) return;
          const last = this.splitter.end();
          if (last !== null) this.submit([last]);
          if (this.values === 0) this.end(emptyBody());
          return;
        }
        if (!this.split(this.text.push(chunk.value ?? new Uint8Array(0)))) return;
      } catch (error) {
        if (!(error instanceof StreamNotText)) throw error;
        this.end(bodyNotText(error.encoding));
        return;
      }
      if (this.splitter.pendingLength > limits.maxBodyBytes - this.copiedBytes) {
        this.end(tooLongRecord(limits.maxBodyBytes, this.copiedBytes));
        return;
      }
    }
  }

  /**
   * Submits the values `text` completes, at most ingest.max.records a submission (the queue limits
   * rely on it); false when the stream ended: a value longer than ingest.max.body.bytes (the ones
   * before it are submitted), or the rest of the stream cannot be split.
   */
  private split(text: string): boolean {
    if (text.length === 0) return true;
    const { texts, broken } = this.splitter.push(text);
    if (broken !== null) texts.push(broken);
    const { maxBodyBytes, maxRecords } = this.route.settings.limits;
    // In UTF-8 bytes, as a whole body's are counted (a value still pending is bounded in characters, fewer).
    const long = texts.findIndex((t) => Buffer.byteLength(t) > maxBodyBytes - this.copiedBytes);
    const taken = long < 0 ? texts : texts.slice(0, long);
    for (let at = 0; at < taken.length; at += maxRecords) this.submit(taken.slice(at, at + maxRecords));
    if (long >= 0) this.end(tooLongRecord(maxBodyBytes, this.copiedBytes));
    else if (broken !== null) this.end("stop");
    return long < 0 && broken === null;
  }

  /** `waiting` for the client (to send or read), `what` it is for the idle watch (`watchIdle`). */
  private async clientWait<T>(waiting: Promise<T>, what: string): Promise<T> {
    this.idleSince = this.deps.clock.now();
    this.waitingFor = what;
    try {
      return await waiting;
    } finally {
      this.waitingFor = null;
    }
  }

  /**
   * Ends the stream (408) once it waited ingest.request.timeout.ms for the client, who sent or read
   * nothing meanwhile: one timer a stream (not one a read), checked against when the wait began.
   */
  private async watchIdle(signal: AbortSignal): Promise<void> {
    const timeoutMs = this.route.settings.limits.requestTimeoutMs;
    let wait = timeoutMs;
    for (;;) {
      await this.deps.clock.sleep(wait, signal);
      if (signal.aborted || this.ending !== null) return;
      // A client waiting for its records' reports before it sends more is not idle.
      const what = this.waitingFor === NO_BYTE && this.unsettled > 0 ? null : this.waitingFor;
      const idle = this.deps.clock.now() - this.idleSince;
      if (what !== null && idle >= timeoutMs) {
        this.end(
          new IngestError(
            408,
            ErrorCodes.REQUEST_TIMEOUT,
            `${what} within ${timeoutMs} ms (ingest.request.timeout.ms)`,
          ),
        );
        return;
      }
      wait = what === null ? timeoutMs : timeoutMs - idle;
    }
  }

  /** Waits while the client has not read the reports written, or too many records are unsettled. */
  private async room(): Promise<void> {
    const max = this.route.settings.limits.maxRecords;
    while (this.ending === null) {
      if (this.unsettled >= max) await this.tail;
      else if ((this.out.desiredSize ?? 1) <= 0)
        await this.clientWait(
          new Promise<void>((resolve) => {
            this.pulled = resolve;
          }),
          "The client did not read the stream's reports",
        );
      else return;
    }
  }

  private write(text: string): void {
    if (this.ending === "gone" || text.length === 0) return;
    try {
      this.out.enqueue(this.encoder.encode(text));
    } catch {
      // the client cancelled the response: its cancel ends the stream
    }
  }

  /** Submits `texts` as one request's records; their reports follow every earlier one's. */
  private submit(texts: string[]): void {
    this.values += texts.length;
    this.unsettled += texts.length;
    const turn = this.handedOver;
    let handOver!: () => void;
    this.handedOver = new Promise<void>((resolve) => {
      handOver = resolve;
    });
    const reports = this.reports(texts, turn, handOver);
    this.tail = Promise.all([this.tail, reports]).then(([, text]) => {
      this.unsettled -= texts.length;
      if (this.unsettled === 0 && this.waitingFor === NO_BYTE) this.idleSince = this.deps.clock.now();
      this.write(text);
    });
  }

  /**
   * The reports of `texts` once their records settled; never rejects (a failure is each one's report).
   * Their records go to the writer once `turn` (the earlier submission's hand-off) settled, then `handOver`.
   */
  private async reports(texts: string[], turn: Promise<void>, handOver: () => void): Promise<string> {
    const { route, target, identity } = this;
    try {
      const receivedAt = this.deps.clock.now();
      const read = parseV3Texts(route.settings, this.context.request, texts, receivedAt, this.stampedBytes, true);
      await turn;
      const parsed = await this.known(read);
      if (parsed.records.length === 0) return v3Reports(this.report, parsed, []);
      let bytes = 0;
      for (const t of texts) bytes += Buffer.byteLength(t);
      const limited = route.stages.limit(identity, target, bytes);
      if (isPromise(limited)) await limited;
      const stamped = route.stages.stamp
        ? route.stages.stamp(identity, parsed.records, route.settings)
        : parsed.records;
      const writer = this.chosenWriter();
      if (!writer || route.state !== "open") throw closedRoute(route);
      const submitted = this.submitted(writer, stamped);
      handOver();
      const outcomes = await submitted;
      this.accepted(outcomes, stamped);
      return v3Reports(this.report, parsed, shownOutcomes(outcomes, this.hide));
    } catch (error) {
      if (!(error instanceof IngestError)) {
        reportInternalError(this.deps, route.settings.path, error);
        return errorBody(ErrorCodes.INTERNAL_SERVER_ERROR, INTERNAL_ERROR_MESSAGE).repeat(texts.length);
      }
      return errorBody(error.errorCode, this.hide(error.message)).repeat(texts.length);
    } finally {
      handOver();
    }
  }

  /** The stream's task: chosen once (route.writer), again only when it detached (earlier records were handed over). */
  private chosenWriter(): IngestWriter | undefined {
    if (this.writer === undefined || !this.route.writers.includes(this.writer)) this.writer = this.route.writer();
    return this.writer;
  }

  /** The records' outcomes; their wait for Kafka is bounded by ingest.request.timeout.ms, not tied to the client. */
  private async submitted(writer: IngestWriter, records: readonly IngestRecord[]): Promise<RecordOutcome[]> {
    const signal = this.deadlines.start(this.route.settings.limits.requestTimeoutMs);
    try {
      return await writer.submit({ topic: this.target.topic, records, signal });
    } finally {
      signal.end();
    }
  }

  private accepted(outcomes: readonly RecordOutcome[], records: readonly IngestRecord[]): void {
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      if (o.kind === "written" || o.kind === "spooled") {
        this.context.acceptedRecords++;
        this.context.acceptedBytes += records[i]!.bytes;
      }
    }
  }
}

/**
 * What ends a stream whose record's text, with the `copied` bytes of header values each record carries
 * (checkCopiedHeaders: a stream's records are bounded one by one, not by how many one read completed),
 * passes ingest.max.body.bytes (each record's bound, not the stream's).
 */
/**
 * 413 before the stream is answered when the header values each record carries (`copied`, the stamped
 * identity's included) exceed what each record of a whole body of ingest.max.records records may carry
 * (checkCopiedHeaders): a stream of tiny records would otherwise multiply them without bound (a 4 KB
 * stream of `{}` writing 30 MB of header values).
 */
function amplifiedHeaders(limits: { maxBodyBytes: number; maxRecords: number }, copied: number): IngestError | null {
  if (copied * limits.maxRecords <= limits.maxBodyBytes) return null;
  return new IngestError(
    413,
    ErrorCodes.PAYLOAD_TOO_LARGE,
    `Each record of the stream would carry ${copied} bytes of its header values (key, allow-listed headers, stamped content type and identity), over the ${Math.floor(limits.maxBodyBytes / limits.maxRecords)} bytes a record of a whole body of ingest.max.records (${limits.maxRecords}) records may carry within ingest.max.body.bytes (${limits.maxBodyBytes}); nothing was written`,
  );
}

function tooLongRecord(limit: number, copied: number): IngestError {
  const what = copied > 0 ? `, with the ${copied} bytes of header values each record carries,` : "";
  return new IngestError(
    413,
    ErrorCodes.PAYLOAD_TOO_LARGE,
    `A record of the stream${what} is longer than the limit of ${limit} bytes (ingest.max.body.bytes)`,
  );
}
