/**
 * HttpSinkTask: delivers the records `put` hands it to an HTTP endpoint, in batch or single mode.
 *
 * Flow: `start` builds the delivery from the settings (delivery-for.ts); `put` encodes each record
 * (value converter, URL template, own headers) into the RecordBuffer and returns (a null value as
 * behavior.on.null.values says: skipped, a data error, or encoded; as a DELETE alone with `delete`); `pump` starts
 * requests while fewer than `concurrency` are in flight and the buffer is flushable (size, bytes
 * or age); each request runs in HttpDelivery (retries, OIDC renewal) and then completes its
 * records: delivered, or reported through the errant record reporter (errors.tolerance: dead
 * letter queue or task failure). A batch the endpoint rejects with
 * a non-retriable status is re-sent record by record, so one poison record does not take its
 * neighbours to the DLQ. An endpoint that stays unavailable, refuses the credentials (401, 407), or
 * keeps redirecting where the client may not follow for a reason no record causes (another origin,
 * https → http; any refused redirect at a url without placeholders: HttpDelivery.taskRedirect) fails
 * the task instead (a "fatal" outcome): its records are never reported, nor committed (they stay
 * pending in the buffer, as those of a request whose report threw).
 *
 * Guarantees: records of one partition are in at most one request at a time, in offset order;
 * `preCommit` returns, per partition, the offset of its first record not yet done, so offsets
 * are committed only for records delivered or reported (a restart re-delivers nothing committed
 * and loses nothing). After each request the task asks for a commit, which the runtime coalesces.
 * Revocation (`close`): a request holding records of a revoked partition is abandoned, never retried
 * (their offsets were not committed: the next owner re-reads them); a still-owned partition's
 * records of it go back to the head of their lane. `close` waits for an attempt already on the
 * wire (at most sink.request.timeout): cut off, the endpoint could still apply it after what the
 * next owner sends. Only `stop` and `cancel` (the worker abandoning the task at
 * task.shutdown.graceful.timeout.ms) cut attempts off; what a request ended so did not deliver
 * stays pending, as a revoked one's (no preCommit after the stop passes it).
 * Pause (the connector PAUSED, SinkTask.setPaused): no request starts, nor a retry or a re-send of one
 * (PauseGate); an attempt on the wire finishes and its records are done as usual. Buffered records
 * wait, uncommitted, for the resume, which goes on with them in order; a stop meanwhile leaves them
 * uncommitted (delivered by the next run: at-least-once).
 * Backpressure: at `sink.requests.max-buffered` records or `.bytes` (what they hold, RecordWeight,
 * and the bodies in flight; buffered or in flight) the task
 * pauses its partitions (sending partial batches: none can fill) and resumes them at half; partitions
 * opened meanwhile are paused too, one revoked before the resume is resumed when opened (Backpressure).
 *
 * Concurrency: all state is touched on the event loop only; requests run concurrently.
 * States: initialized → started → (failed) → stopped. After a failure (tolerance none, or a token
 * endpoint refusing us) nothing more is sent and `put`/`preCommit` throw it.
 */
import type { SinkTask, SinkTaskContext } from "../../api/connector.ts";
import type { SinkRecord, TopicPartition, TopicPartitionOffset } from "../../api/record.ts";
import { ConnectError, DataError } from "../../errors.ts";
import { watchClientCertificate } from "../../http/client-certificate-expiry.ts";
import { unverifiedEndpointWarning } from "../../http/tls-material.ts";
import { type Clock, monotonicNow } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { Backpressure } from "./backpressure.ts";
import { httpSinkConfig } from "./config.ts";
import type { HttpDelivery } from "./delivery.ts";
import { HttpStatusError } from "./delivery.ts";
import { deliveryFor } from "./delivery-for.ts";
import { PauseGate } from "./pause-gate.ts";
import { RecordBuffer, type TakenRequest } from "./record-buffer.ts";
import { batchBody, RecordEncoder, tpKey } from "./record-encoder.ts";
import { type SinkSettings, sinkSettings } from "./settings.ts";
import { SinkMetrics } from "./sink-metrics.ts";

const EMPTY = new Uint8Array(0);
const COMMIT_REQUEST_INTERVAL_MS = 250;
const TOMBSTONE_REFUSED = "The record's value is null (a tombstone) and behavior.on.null.values is fail";

export class HttpSinkTask implements SinkTask {
  /** Consumed JSON values arrive unparsed (JsonText) and their bytes go into the bodies as they are. */
  readonly acceptsJsonText = true;
  private context!: SinkTaskContext;
  private settings!: SinkSettings;
  private encoder!: RecordEncoder;
  private buffer!: RecordBuffer;
  private delivery!: HttpDelivery;
  private metrics!: SinkMetrics;
  private log!: Logger;
  private clock!: Clock;
  private readonly stopping = new AbortController();
  /** Closed while the connector is PAUSED (set before `start` too, when the pause came first). */
  private readonly gate = new PauseGate();
  /** Monotonic ms, as the buffer's flush timeouts: a step of the host's clock neither holds nor hastens them. */
  private lastCommitRequest = Number.NEGATIVE_INFINITY;
  /** Records a flush released that are not in a request yet (at most those waiting), all encoded up to `releasedUpTo`. */
  private released = 0;
  private releasedUpTo = 0;
  private failure: Error | undefined;
  private backpressure!: Backpressure;
  private timer: { at: number; cancel: AbortController } | undefined;
  /** Each request in flight: its own abort (no further attempt) and its run. */
  private readonly inFlight = new Map<TakenRequest, { abort: AbortController; run: Promise<void> }>();
  /**
   * Requests that ended (not failed): the index of their first record not done (delivered or reported), their
   * length when all are. Close counts the records before it as delivered.
   */
  private readonly ended = new WeakMap<TakenRequest, number>();
  /**
   * Per partition closed with records not delivered: the first of them (what preCommit answers after
   * the close). Kept until the partition opens again or a preCommit does not name it (the runtime asks
   * for it once more right after close, so that one comes after the close's commit); the stop keeps
   * it, so no preCommit after the stop passes those records either.
   */
  private readonly closedAt = new Map<string, number>();

  initialize(context: SinkTaskContext): void {
    this.context = context;
  }

  start(config: Readonly<Record<string, string>>): void {
    this.log = this.context.logger;
    this.clock = this.context.clock;
    this.settings = sinkSettings(config, this.context.providedKeys);
    const s = this.settings;
    for (const warning of s.warnings) this.log.warn(warning);
    if (s.allowSelfSigned) {
      const key = "security.cert.server.allowSelfSigned";
      const written = httpSinkConfig.asWritten(config, key);
      this.log.warn(unverifiedEndpointWarning(`${key} is true${written === key ? "" : ` (set as ${written})`}`));
    }
    watchClientCertificate(s.tls, httpSinkConfig.asWritten(config, "security.cert.client"), {
      log: this.log,
      clock: this.clock,
      until: this.stopping.signal,
    });
    const converters = this.context.converters;
    if (!converters) throw new ConnectError("HttpSinkTask needs the connector's converters from the runtime");
    this.metrics = new SinkMetrics(this.context.pluginMetrics);
    this.encoder = new RecordEncoder(s.encoder, converters, () => monotonicNow(this.clock));
    this.buffer = new RecordBuffer(s.limits);
    this.backpressure = new Backpressure(this.context, s.maxBuffered, s.maxBufferedBytes, this.log);
    this.delivery = deliveryFor(s, this.encoder, {
      clock: this.clock,
      log: this.log,
      metrics: this.metrics,
      stopping: this.stopping.signal,
      gate: this.gate,
    });
  }

  setPaused(paused: boolean): void {
    if (!paused) {
      this.gate.open();
      if (this.buffer) this.pump();
      return;
    }
    this.gate.close();
    this.timer?.cancel.abort();
    this.timer = undefined;
  }

  /** Opened partitions take the backpressure state: paused while the task holds consumption paused, else resumed if it had paused them. */
  open(partitions: ReadonlyArray<TopicPartition>): void {
    for (const p of partitions) this.closedAt.delete(tpKey(p.topic, p.partition));
    this.backpressure?.open(partitions);
  }

  async put(records: ReadonlyArray<SinkRecord>): Promise<void> {
    this.throwIfFailed();
    for (const record of records) {
      try {
        // behavior.on.null.values: ignore (as Flink's pipeline: never sent, committed with what follows), fail, send, delete.
        const tombstone = record.value === null || record.value === undefined;
        if (tombstone && this.settings.nullValues === "ignore") continue;
        if (tombstone && this.settings.nullValues === "fail") throw new DataError(TOMBSTONE_REFUSED);
        this.buffer.add(this.encoder.encode(record));
      } catch (error) {
        await this.reportErrant([record], error);
      }
    }
    this.applyBackpressure();
    this.pump();
  }

  preCommit(offsets: ReadonlyArray<TopicPartitionOffset>): TopicPartitionOffset[] {
    this.throwIfFailed();
    if (this.closedAt.size > 0) {
      const asked = new Set(offsets.map((o) => tpKey(o.topic, o.partition)));
      for (const k of this.closedAt.keys()) if (!asked.has(k)) this.closedAt.delete(k);
    }
    return offsets.map((o) => {
      const k = tpKey(o.topic, o.partition);
      const first = this.closedAt.get(k) ?? this.buffer.firstPending(k);
      return first === undefined || first >= o.offset ? o : { ...o, offset: first };
    });
  }

  async close(partitions: ReadonlyArray<TopicPartition>): Promise<void> {
    if (!this.buffer) return;
    const keys = partitions.map((p) => tpKey(p.topic, p.partition));
    const pending = keys.map((k) => [k, this.buffer.pendingOf(k)] as const);
    this.buffer.drop(keys);
    this.released = Math.min(this.released, this.buffer.waiting); // dropped records are released no more
    // Neither a retry nor an attempt on the wire may land after what the next owner sends (the runtime
    // commits and rejoins once close returned). preCommit ran before close (Connect's closePartitions);
    // the runtime asks it again after close for what it held back, so a request the endpoint answered
    // during the wait is committed, not re-sent: from here preCommit answers each closed partition's
    // first record not delivered (closedAt).
    const abandoned: Promise<void>[] = [];
    for (const [request, { abort, run }] of this.inFlight) {
      // Only a request of kept partitions alone goes on: one carrying any closed partition's records is waited for, mixed or not.
      if (request.lanes.every((tp) => this.buffer.owns(request, tp))) continue;
      abort.abort(new ConnectError("Partition revoked"));
      abandoned.push(run);
    }
    this.applyBackpressure();
    if (abandoned.length > 0)
      this.log.info(
        `Closing ${partitions.length} partition(s): waiting for ${abandoned.length} request(s) on the wire; what they deliver is committed only if a commit follows (not for lost partitions, without a live consumer, nor for an abandoned task)`,
      );
    await Promise.allSettled(abandoned);
    for (const [k, lane] of pending) {
      const undelivered = (lane?.inFlight && this.firstNotDone(lane.inFlight.request, k)) ?? lane?.waiting;
      if (undelivered !== undefined) this.closedAt.set(k, undelivered);
    }
  }

  /**
   * The offset of lane `tp`'s first record in `request` not done, or undefined when they all are. A request
   * cut off while re-sending a refused batch record by record delivered those before the cut: only the rest
   * go to the next owner.
   */
  private firstNotDone(request: TakenRequest, tp: string): number | undefined {
    const undone = this.ended.get(request) ?? 0;
    return request.records.slice(undone).find((r) => r.tp === tp)?.offset;
  }

  async stop(): Promise<void> {
    this.stopping.abort(new ConnectError("The task is stopping"));
    this.timer?.cancel.abort();
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight.values()].map((r) => r.run));
  }

  /**
   * The worker abandoned the task at task.shutdown.graceful.timeout.ms: requests on the wire are
   * cut off now (close() waits for them otherwise, up to sink.request.timeout). Their records stay
   * uncommitted (an abandoned task commits nothing), so the next owner delivers them again.
   */
  cancel(): void {
    this.stopping.abort(new ConnectError("The task was abandoned: it did not stop within the graceful timeout"));
    this.timer?.cancel.abort();
    this.timer = undefined;
  }

  /** While the endpoint fails attempts being retried, why (EndpointDegradation): the RUNNING status's trace. */
  degradedTrace(): string | null {
    return this.delivery?.degradation.trace ?? null;
  }

  /** Sends waiting at the pause for the resume (tests). */
  heldByPause(): number {
    return this.gate.held;
  }

  /** Resolves when no request is in flight (tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()].map((r) => r.run));
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private pump(): void {
    if (this.failure || this.stopping.signal.aborted || this.gate.closed) return;
    const now = monotonicNow(this.clock);
    while (this.inFlight.size < this.settings.concurrency) {
      // As Flink's AsyncSinkWriter: a flush releases up to sink.batch.max-size of the records buffered then (later ones
      // wait for the next flush), sent in requests of up to sink.request.batch.size as fast as concurrency allows.
      this.released = Math.min(this.released, this.buffer.waiting);
      // Records put after a flush wait for the next one, even while some it released wait for their busy partition.
      let request = this.released > 0 ? this.buffer.take(this.released, this.releasedUpTo) : undefined;
      if (!request) {
        if (!this.buffer.flushable(now, this.backpressure.holding)) break;
        this.released = Math.min(this.settings.limits.maxBatchRecords, this.buffer.waiting);
        this.releasedUpTo = this.buffer.newestSeq;
        request = this.buffer.take(this.released, this.releasedUpTo);
        if (!request) break;
      }
      this.released -= request.records.length;
      this.launch(request);
    }
    this.scheduleFlush(now);
  }

  /** Wakes `pump` when the oldest waiting record reaches the flush timeout. */
  private scheduleFlush(now: number): void {
    const at = this.inFlight.size < this.settings.concurrency ? this.buffer.nextTimeout() : undefined;
    if (at === undefined || (this.timer && this.timer.at <= at)) return;
    this.timer?.cancel.abort();
    const cancel = new AbortController();
    this.timer = { at, cancel };
    void this.clock.sleep(Math.max(0, at - now), cancel.signal).then(() => {
      if (cancel.signal.aborted) return;
      this.timer = undefined;
      this.pump();
    });
  }

  private launch(request: TakenRequest): void {
    const abort = new AbortController();
    const run = this.deliver(request, AbortSignal.any([this.stopping.signal, abort.signal]))
      .then(
        (undone) => {
          // Ended by a revocation, the stop or cancel: what it did not deliver stays pending (at the
          // head of its lanes still owned), so no preCommit passes it, whenever it is asked.
          this.ended.set(request, undone ?? request.records.length);
          if (undone !== undefined) this.buffer.requeue(request, undone);
          else this.buffer.complete(request);
        },
        // Failed (fatal outcome, or a report that threw): its records stay pending, their lanes busy,
        // so no commit passes them even if preCommit did not throw after a failure.
        (error: unknown) => this.fail(error),
      )
      .then(() => {
        this.inFlight.delete(request);
        this.applyBackpressure();
        this.pump();
        this.maybeRequestCommit();
      });
    this.inFlight.set(request, { abort, run });
  }

  /**
   * Asks the runtime to commit what is done: at most every COMMIT_REQUEST_INTERVAL_MS while
   * requests keep completing (each commit is a broker round trip that holds up consumption), and
   * at once when the task has nothing left in flight or buffered.
   */
  private maybeRequestCommit(): void {
    if (this.stopping.signal.aborted || this.failure) return;
    const now = monotonicNow(this.clock);
    const idle = this.inFlight.size === 0 && this.buffer.size === 0;
    if (!idle && now - this.lastCommitRequest < COMMIT_REQUEST_INTERVAL_MS) return;
    this.lastCommitRequest = now;
    this.context.requestCommit();
  }

  /** When `signal` aborted it (nothing more is sent for it): the index of its first record not done. */
  private async deliver(request: TakenRequest, signal: AbortSignal): Promise<number | undefined> {
    const records = request.records;
    const first = records[0]!;
    const body =
      first.method !== undefined ? EMPTY : this.settings.singleBodies ? (first.body ?? EMPTY) : batchBody(records);
    const outcome = await this.delivery.send({ ...first, body, records: records.length }, signal);
    if (outcome.kind === "aborted") return 0;
    if (outcome.kind === "fatal") throw outcome.error;
    if (outcome.kind === "delivered") {
      this.metrics.recordsSent.inc({}, records.length);
      return undefined;
    }
    const error = outcome.error;
    if (records.length > 1 && error instanceof HttpStatusError) {
      this.log.warn(`${error.message}; sending its ${records.length} records one by one to find the rejected ones`);
      for (const [i, record] of records.entries()) {
        const single = await this.delivery.send({ ...record, body: batchBody([record]), records: 1 }, signal);
        if (single.kind === "aborted") return i;
        if (single.kind === "fatal") throw single.error;
        if (single.kind === "delivered") this.metrics.recordsSent.inc();
        else if (this.buffer.owns(request, record.tp)) await this.reportErrant([record.record], single.error);
      }
      return undefined;
    }
    const owned = records.filter((r) => this.buffer.owns(request, r.tp)).map((r) => r.record);
    await this.reportErrant(owned, error);
    return undefined;
  }

  private async reportErrant(records: readonly SinkRecord[], error: unknown): Promise<void> {
    if (records.length === 0) return;
    this.log.warn(`${records.length} record(s) could not be delivered: ${(error as Error).message}`);
    const reporter = this.context.errantRecordReporter;
    // No reporter (Connect gives none without a DLQ topic or errors.log.enable): its own errors.tolerance.
    if (!reporter) {
      if (!this.settings.tolerateAll) throw error;
      this.metrics.recordsFailed.inc({}, records.length);
      return;
    }
    // Counted once errors.tolerance took it: under none the reporter throws and the task fails.
    for (const record of records) {
      await reporter.report(record, error);
      this.metrics.recordsFailed.inc();
    }
  }

  private fail(error: unknown): void {
    if (this.failure || this.stopping.signal.aborted) return;
    this.failure = error instanceof Error ? error : new ConnectError(String(error));
    this.log.error("The HTTP sink task failed; it sends nothing more", this.failure);
    this.context.raiseError?.(this.failure);
  }

  private applyBackpressure(): void {
    this.backpressure.update(this.buffer.size, this.buffer.bytes);
  }
}
