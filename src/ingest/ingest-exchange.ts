/**
 * IngestExchange: one ingest request, from its arrival to its answer, as one object. It is what the
 * stages see (IngestRequestContext), the submission its writer takes (IngestSubmission) and, on
 * the connector's own path, its parsed records and their answer (ParsedRequest).
 * ingest-handler.ts makes one per request and runs the pipeline on it.
 *
 * Why one object: under single-record load the HTTP side's cost per request is mostly the
 * collection of what it allocates (BENCHMARKS.md, "Single-record requests, seventh cut"); the
 * context, the submission and the parsed request were three objects a request. Its abort signal
 * (a RequestAbort of RequestDeadlines) stays an object of its own: the deadline lanes keep it after
 * the answer (up to CLIENT_WATCH_DELAY_MS), and it must not keep the request (its Request, body,
 * records) alive that long: as one object, the gateway spent more CPU a request, not less.
 */
import type { ParsedRequest } from "./ingest-pipeline-contract.ts";
import type { IngestRecord, IngestSubmission, LateOutcomes, RecordOutcome } from "./ingest-record.ts";
import { nativeResponse } from "./native-response.ts";
import type {
  IngestConnection,
  IngestIdentity,
  IngestRequestContext,
  IngestStages,
  PeerAddressLookup,
} from "./request-context.ts";
import { PLAIN_CONNECTION, PlainConnection } from "./request-context.ts";
import type { RequestAbort } from "./request-deadlines.ts";
import { liftedIdleLimit } from "./request-idle-hold.ts";
import type { IngestRouteSettings } from "./route-settings.ts";
import type { IngestWriter } from "./route-table.ts";

const NO_RECORDS: readonly IngestRecord[] = Object.freeze([]);

/**
 * The executor of every outcome promise: it hands its resolve function over through `resolveNext`
 * (one shared function, not a closure per request).
 */
let resolveNext: ((outcomes: RecordOutcome[]) => void) | undefined;
const takeResolve = (resolve: (outcomes: RecordOutcome[]) => void): void => {
  resolveNext = resolve;
};

export class IngestExchange implements IngestRequestContext, IngestSubmission, ParsedRequest, LateOutcomes {
  acceptedRecords = 0;
  acceptedBytes = 0;
  /** The bytes the route's stamp adds to each record for this request's identity (set before parse). */
  stampedBytes = 0;
  /** The identity a route's stages gave before routing (rest-proxy-gate.ts), not asked again. */
  preauthenticated: { readonly stages: IngestStages; readonly identity: IngestIdentity } | undefined = undefined;
  /** Its outcomes once its records answered "may still be written" settled (`settled`), if they came yet. */
  private lateOutcomes: RecordOutcome[] | undefined = undefined;
  /** Who waits for `lateOutcomes` (`lateSettled`), installed only when asked. */
  private lateWaiter: ((outcomes: RecordOutcome[]) => void) | undefined = undefined;
  /** The submission's topic and records (set by `submitTo`). */
  topic = "";
  records: readonly IngestRecord[] = NO_RECORDS;
  /** The submission's abort signal (set by `submitTo`). */
  signal!: RequestAbort;
  private parsedUrl: URL | undefined;
  /** The route of a native-path request, for its answer (set by `parsedNative`). */
  private nativeSettings: IngestRouteSettings | null = null;

  constructor(
    readonly request: Request,
    private given: IngestConnection | undefined,
    private readonly server: PeerAddressLookup | undefined,
    /** Wall-clock arrival (the records' timestamp). */
    readonly receivedAt: number,
    /** Monotonic arrival (durations). */
    readonly startedAt: number,
  ) {}

  /**
   * Every request is told its late outcomes (IngestSubmission.late): a keyed one's answer waits for them, an
   * unanswered one's WARN. The exchange receives them itself: nothing is made for a request nobody waits on.
   */
  get late(): LateOutcomes {
    return this;
  }

  /** LateOutcomes: the writer tells what became of the records answered "may still be written". */
  settled(outcomes: RecordOutcome[]): void {
    this.lateOutcomes = outcomes;
    const waiter = this.lateWaiter;
    this.lateWaiter = undefined;
    waiter?.(outcomes);
  }

  /**
   * Resolves with the outcomes `settled` gives (at once if given already). Only for a request answered with a
   * record "may still be written": for no other is `settled` called.
   */
  lateSettled(): Promise<RecordOutcome[]> {
    if (this.lateOutcomes !== undefined) return Promise.resolve(this.lateOutcomes);
    return new Promise((resolve) => {
      this.lateWaiter = resolve;
    });
  }

  /** The URL is parsed only if a stage asks for it. */
  get url(): URL {
    this.parsedUrl ??= new URL(this.request.url);
    return this.parsedUrl;
  }

  /** A plain listener's connection is made only if a stage asks for it. */
  get connection(): IngestConnection {
    this.given ??= this.server ? new PlainConnection(this.server, this.request) : PLAIN_CONNECTION;
    return this.given;
  }

  /**
   * Lifts Bun's idle limit of an admitted v3 stream's request on a plain listener (request-idle-hold.ts);
   * what sets it back, with the stream's last chunk.
   */
  liftIdleLimit(): (() => void) | undefined {
    const server = this.server ?? (this.given instanceof PlainConnection ? this.given.server : undefined);
    return liftedIdleLimit(this.request, server);
  }

  /** A native-path body parsed into `records`: the exchange is its ParsedRequest. */
  parsedNative(records: readonly IngestRecord[], settings: IngestRouteSettings): ParsedRequest {
    this.records = records;
    this.nativeSettings = settings;
    return this;
  }

  /** The native path's answer (parsedNative). */
  respond(outcomes: readonly RecordOutcome[]): Response {
    const settings = this.nativeSettings!;
    return nativeResponse(settings.topic, outcomes, settings.limits.retryAfterSeconds);
  }

  /**
   * Hands `records` to `writer` as this exchange's submission, aborted by `signal`; resolves with
   * their outcomes. Throws (IngestError 503 …) as the writer does when it cannot take them.
   */
  submitTo(
    writer: IngestWriter,
    topic: string,
    records: readonly IngestRecord[],
    signal: RequestAbort,
  ): Promise<RecordOutcome[]> {
    this.topic = topic;
    this.records = records;
    this.signal = signal;
    if (writer.offer === undefined) return writer.submit(this);
    const outcomes = new Promise<RecordOutcome[]>(takeResolve);
    const resolve = resolveNext!;
    resolveNext = undefined;
    writer.offer(this, resolve);
    return outcomes;
  }
}
