/**
 * SpoolWriter: the hand-off between ingest requests and the HttpIngestSource task in
 * `ingest.ack.mode=spool`. `submit` appends the request's records to the spool (group commit in
 * the spool's worker thread) and resolves once they are fsync'ed, as `spooled` outcomes: the
 * request is answered then, Kafka or not. The task's `poll` reads the spool in sequence order
 * (the spool is the source partition `{"spool": <connector>}`, the sequence its offset) and `ack`
 * (commitRecord) deletes exactly the rows Kafka acknowledged or a transform dropped (not a skipped one).
 * Nothing is ever withdrawn or failed: records in the spool stay until delivered, across task
 * restarts and gateway crashes. While the drainer keeps up, `poll` gets the rows it appended back
 * from the store's memory with the parsed records attached (no read, no decode); when it is
 * behind, it reads and decodes them from the file, the next batch while this one is produced
 * (at most 2,000 rows a batch while devices' appends arrive: DrainReads).
 *
 * If the spool's worker dies, the spool is not durable any more: `submit` answers 503 and `poll`
 * throws a non-retriable error, so the task goes FAILED with the reason as its trace.
 *
 * Order: one task drains a connector's spool, with several poll batches in flight (as any source
 * task: the producer's max.in.flight.requests.per.connection and buffer.memory). Each partition's
 * records reach Kafka in spool order (so in order per key) because requests reach the producer in
 * poll order, the producer writes a partition's records in call order, and a request that fails
 * fails every later unacknowledged send touching its partitions; the runtime then sends the failed
 * requests again, oldest first and only their records not written, before anything newer
 * (SendCoalescer; retried while Kafka is unreachable). Rows are deleted only for poll batches
 * Kafka acknowledged in full, in poll order. A batch failing for good fails the task with its
 * rows and every later one kept: the next start drains from the first unacknowledged sequence
 * (rows up to the committed offset are deleted at start), in spool order.
 *
 * This needs the idempotent producer (the default): the connector declares `keepsOrder`, and on a
 * producer that is not idempotent (acks=1/0, enable.idempotence=false, more than 5 in flight,
 * retries=0), which could write a retried batch after a later one, the runtime keeps one request
 * in flight (KafkaProducer's `idempotent`). The producer's own window remains (KafkaProducer's
 * `idempotent` says exactly: batches on the wire while the broker forgot the producer id may land
 * ahead of an earlier one it refused; max.in.flight.requests.per.connection=1 closes it).
 *
 * What that guarantees (that window aside): every acknowledged record reaches Kafka at least once, and the first copy
 * of each record comes after the first copies of the earlier records of its partition. A record is
 * written twice when Kafka wrote it but the gateway did not learn it (a crash between Kafka's
 * acknowledgement and the delete, a request whose last attempt ended without an answer, batches
 * after a failed one that Kafka wrote all the same); such a copy may land after later records of
 * its key: never a record of a key after a later one of that key, except as a duplicate of one
 * already delivered in its place.
 *
 * Backpressure: a request that would take the connector's spool past `ingest.spool.max.bytes`, or
 * the spool of all the worker's connectors past the worker's `ingest.spool.total.max.bytes`, gets
 * 503 with Retry-After (bytes of appends in flight count too), unless the connector's spool holds
 * nothing (so one request per connector may pass the worker's cap; none is refused forever).
 */
import type { RecordRejection } from "../../api/connector.ts";
import type { SourceMap, SourceRecord } from "../../api/record.ts";
import { ConnectError } from "../../errors.ts";
import { unavailable } from "../../ingest/ingest-error.ts";
import type { IngestRecord, IngestSubmission, RecordOutcome } from "../../ingest/ingest-record.ts";
import type { IngestWriter } from "../../ingest/route-table.ts";
import { encodeSpoolRecords } from "../../ingest/spool/spool-record.ts";
import type { SpoolRow, SpoolStore } from "../../store/spool-store.ts";
import { Signal } from "../../util/async.ts";
import { getLogger, type Logger } from "../../util/logger.ts";
import { Slicer } from "../../util/sliced.ts";
import type { SetTimer } from "../../util/timer.ts";
import { DrainReads } from "./drain-reads.ts";
import { PolledRows } from "./polled-rows.ts";
import { spoolTotalWarning } from "./request-fits-queue.ts";
import { spoolPartition } from "./spool-offset.ts";
import { spoolRoomRefusal } from "./spool-room.ts";
import { SpoolStart } from "./spool-start.ts";
import { type Spooled, spooled } from "./spooled-row.ts";

const log = getLogger("io.edgegateway.ingest.Spool");

/** `poll` decodes in slices this long: a live request waits a slice at each of its turns (BENCHMARKS.md, "Spool drain under live load"). */
const DRAIN_SLICE_MS = 1;

/** The SourceRecord of a spooled record, built with its source partition and offset (no copy). */
export type ToSpoolSourceRecord = (
  topic: string,
  record: IngestRecord,
  sourcePartition: SourceMap,
  sourceOffset: SourceMap,
) => SourceRecord;

export interface SpoolWriterOptions {
  readonly store: SpoolStore;
  readonly connector: string;
  readonly maxBytes: number;
  readonly maxPoll: number;
  readonly retryAfterSeconds: number;
  readonly toSourceRecord: ToSpoolSourceRecord;
  /** The committed offset's sequence: rows up to it were delivered (deleted at start). */
  readonly committedSeq: number | null;
  readonly now?: () => number;
  /** Where its warnings go; default the logger `io.edgegateway.ingest.Spool`. */
  readonly log?: Logger;
  /** The largest request body the route takes (ingest.max.body.bytes), checked against the worker's cap at start. */
  readonly maxRequestBytes?: number;
  /** Timers of the start's retries (SpoolStart); default unref'd setTimeout. */
  readonly setTimer?: SetTimer;
}

export class SpoolWriter implements IngestWriter {
  private cursor = 0;
  private reservedBytes = 0;
  private readonly sent = new PolledRows();
  private readonly wake = new Signal();
  /** The start's delete of the delivered rows, while it is being retried (SpoolStart). */
  private starting: SpoolStart | undefined;
  private closed = false;
  /** The drainer's reads: smaller while devices' appends arrive, the next read ahead after a full batch. */
  private readonly reads: DrainReads;
  /** Records deleted after Kafka's acknowledgement (for the drain rate). */
  drained = 0;
  /** Records Kafka refused for good, moved to the spool's quarantine table. */
  quarantined = 0;
  /** A record was quarantined and none delivered since: one WARN per such episode. */
  private quarantining = false;
  readonly partition: SourceMap;

  private readonly unsubscribe: () => void;

  constructor(private readonly o: SpoolWriterOptions) {
    this.partition = spoolPartition(o.connector);
    this.reads = new DrainReads(o.store, o.connector, o.maxPoll, () => this.reservedBytes > 0);
    this.unsubscribe = o.store.onFailure(() => this.wake.notify());
  }

  /**
   * Deletes the rows a committed offset covers; call once before routing requests or polling. When
   * that fails (a full disk), it is retried and nothing is accepted or polled meanwhile (SpoolStart).
   */
  async start(): Promise<void> {
    const warning = spoolTotalWarning(this.o.connector, this.o.store.totalMaxBytes, this.o.maxRequestBytes);
    if (warning !== undefined) (this.o.log ?? log).warn(warning);
    if (this.o.committedSeq === null) return;
    const onReady = (cursor: number) => {
      this.cursor = cursor;
      this.wake.notify();
    };
    this.starting = new SpoolStart({ ...this.o, committedSeq: this.o.committedSeq, log: this.o.log ?? log, onReady });
    await this.starting.run();
  }

  get pending(): number {
    return this.o.store.stats(this.o.connector).records;
  }

  async submit(submission: IngestSubmission): Promise<RecordOutcome[]> {
    if (this.closed)
      throw unavailable(`The ingest task of connector ${this.o.connector} is stopping`, this.o.retryAfterSeconds);
    const failure = this.o.store.failure;
    if (failure) throw unavailable(this.failedMessage(failure), this.o.retryAfterSeconds);
    const notReady = this.starting?.pending;
    if (notReady !== undefined) throw unavailable(notReady, this.o.retryAfterSeconds);
    const { topic, records } = submission;
    const encoded = encodeSpoolRecords(topic, records);
    const size = encoded.data.byteLength;
    const { connector, maxBytes, store } = this.o;
    const held = store.heldBytes(connector) + this.reservedBytes;
    const room = { connector, held, maxBytes, total: store.totalBytes, totalMax: store.totalMaxBytes };
    const refusal = spoolRoomRefusal(room, size);
    if (refusal !== undefined) throw unavailable(refusal, this.o.retryAfterSeconds);
    this.reservedBytes += size;
    this.reads.appending();
    let seqs: number[];
    try {
      seqs = await this.o.store.append(
        this.o.connector,
        encoded,
        records.map((record): Spooled => ({ topic, record })),
      );
    } catch (error) {
      throw unavailable(
        this.o.store.failure ? this.failedMessage(this.o.store.failure) : (error as Error).message,
        this.o.retryAfterSeconds,
      );
    } finally {
      this.reservedBytes -= size;
    }
    this.wake.notify();
    return seqs.map((sequence) => ({ kind: "spooled", sequence }));
  }

  /** Spooled records are durable: nothing is withdrawn when the connector pauses. */
  withdrawQueued(): void {}

  /** The next records after the last polled one, waiting for some when the spool is drained (a second at most). */
  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    // Drained for a second: none, so that the runtime's loop commits offsets on its interval, as Connect's timer does.
    for (let drainedAt = 0; ; ) {
      if (this.closed || signal.aborted) return [];
      const failure = this.o.store.failure;
      if (failure) throw new ConnectError(this.failedMessage(failure), { cause: failure });
      if (this.starting?.pending !== undefined) {
        await this.waitForWake(signal);
        continue;
      }
      let rows: SpoolRow[];
      try {
        rows = await this.reads.next(this.cursor);
      } catch (error) {
        const dead = this.o.store.failure;
        throw dead ? new ConnectError(this.failedMessage(dead), { cause: dead }) : error;
      }
      if (this.closed) return [];
      if (rows.length > 0) {
        this.cursor = rows.at(-1)!.seq;
        // A full batch: the drainer is behind. The next one is read (in the spool's worker)
        // while this one is produced, rather than after.
        this.reads.readAhead(this.cursor, rows.length);
        // Decoded in slices (10,000 records from the file: ~0.1 s), live requests' turns in between.
        const slicer = new Slicer(undefined, DRAIN_SLICE_MS);
        const out: SourceRecord[] = new Array(rows.length);
        for (let i = 0; i < rows.length; i++) {
          if (slicer.tick()) await slicer.pause();
          const row = rows[i]!;
          const { topic, record } = spooled(row);
          out[i] = this.o.toSourceRecord(topic, record, this.partition, { seq: row.seq });
        }
        if (this.closed) return [];
        for (const row of rows) this.sent.add(row.seq, row.bytes);
        return out;
      }
      if (drainedAt > 0 && performance.now() - drainedAt >= 1_000) return [];
      drainedAt ||= performance.now();
      await this.waitForWake(signal);
    }
  }

  /** Until a submit or the spool's start wakes the drainer, the task stops, or a second passes. */
  private waitForWake(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const onAbort = () => resolve();
      signal.addEventListener("abort", onAbort, { once: true });
      void this.wake.wait(1_000).then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /**
   * Kafka acknowledged the record (or a transformation dropped it): its row goes. Kafka refused it,
   * or a converter or transformation failed on it (`rejection`, `skipped` or not): to the quarantine.
   */
  ack(record: SourceRecord, _metadata?: unknown, rejection?: RecordRejection): void {
    const seq = (record.sourceOffset as { seq?: unknown } | null)?.seq;
    if (record.sourcePartition !== this.partition || typeof seq !== "number") return;
    const bytes = this.sent.take(seq);
    if (bytes === undefined) return;
    if (rejection) this.quarantine(seq, bytes, record.topic ?? null, rejection);
    else {
      this.o.store.delete(this.o.connector, seq, bytes);
      this.drained += 1;
      this.quarantining = false;
    }
  }

  /** Moves a row Kafka refused for good (or a converter or transformation failed on) to the quarantine (with its delete), counted, a WARN per episode (never quoting the failure's message). */
  private quarantine(seq: number, bytes: number, topic: string | null, rejection: RecordRejection): void {
    const at = (this.o.now ?? Date.now)();
    this.o.store.delete(this.o.connector, seq, bytes, {
      topic,
      kafkaError: rejection.error,
      message: rejection.message,
      at,
    });
    this.quarantined += 1;
    if (this.quarantining) return;
    this.quarantining = true;
    const what = rejection.stage === undefined ? "Kafka refused" : "A transformation or converter failed on";
    (this.o.log ?? log).warn(
      `${what} spooled record ${seq} of connector ${this.o.connector} ${rejection.skipped ? "(skipped under errors.tolerance=all)" : "for good"} (${rejection.error}): the record (${bytes} bytes) was moved to the spool's quarantine table (spool_quarantine in <data.dir>/spool.db, whose message column says why) and the drain goes on; ingest_spool_quarantined_total counts such records, no further line until a record is delivered again`,
    );
  }

  private failedMessage(failure: Error): string {
    return `The spool of connector ${this.o.connector} is not durable any more, so nothing more is accepted (${failure.message}); restart the task (or the connector): its start opens the spool file again. Records acknowledged before stay in the file and are sent then.`;
  }

  /**
   * Nothing more is accepted or polled. Acknowledgements still delete and quarantine until `close` (a record Kafka
   * refuses after the stop began is quarantined before an offset past it); an abandoned task gets none (cancel).
   */
  stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.starting?.cancel();
    this.unsubscribe();
    this.reads.drop();
    this.o.store.flushDeletes();
    this.o.store.release(this.o.connector);
    this.wake.notify();
  }

  /** `stop`; acknowledgements are ignored from now on (rows not acknowledged stay in the spool). */
  close(): void {
    this.stop();
    this.sent.clear();
    this.o.store.flushDeletes();
  }
}
