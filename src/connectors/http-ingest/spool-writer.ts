/**
 * SpoolWriter: the hand-off between ingest requests and the HttpIngestSource task in
 * `ingest.ack.mode=spool`. `submit` appends the request's records to the spool (group commit)
 * and resolves once they are on disk, as `spooled` outcomes: the request is answered then, Kafka
 * or not. The task's `poll` reads the spool in sequence order (the spool is the source partition
 * `{"spool": <connector>}`, the sequence its offset) and `ack` (commitRecord) deletes exactly the
 * rows Kafka acknowledged (or that a transform dropped). Nothing is ever withdrawn or failed:
 * records in the spool stay until delivered, across task restarts and gateway crashes.
 *
 * Order: one task drains a connector's spool with one poll batch in flight at a time (the
 * descriptor's `maxInFlightBatches`), which WorkerSourceTask retries while Kafka is unreachable,
 * so records reach Kafka in spool order (and so in order per key). After a crash, rows whose delete was lost are sent again (duplicates,
 * counted by the consumer; never a loss); rows covered by a committed offset are deleted at start.
 *
 * Backpressure: a request that would take the spool past `ingest.spool.max.bytes` gets 503 with
 * Retry-After (bytes of appends in flight count too).
 */
import type { SourceMap, SourceRecord } from "../../api/record.ts";
import { unavailable } from "../../ingest/ingest-error.ts";
import type { IngestSubmission, RecordOutcome } from "../../ingest/ingest-record.ts";
import type { IngestWriter } from "../../ingest/route-table.ts";
import { decodeSpoolRecord, encodeSpoolRecord } from "../../ingest/spool/spool-record.ts";
import type { SpoolStore } from "../../store/spool-store.ts";
import { Signal } from "../../util/async.ts";
import type { ToSourceRecord } from "./ingest-queue.ts";

export interface SpoolWriterOptions {
  readonly store: SpoolStore;
  readonly connector: string;
  readonly maxBytes: number;
  readonly maxPoll: number;
  readonly retryAfterSeconds: number;
  readonly toSourceRecord: ToSourceRecord;
  /** The committed offset's sequence: rows up to it were delivered (deleted at start). */
  readonly committedSeq: number | null;
  readonly now?: () => number;
}

export class SpoolWriter implements IngestWriter {
  private cursor = 0;
  private reservedBytes = 0;
  private readonly sent = new Map<SourceRecord, { seq: number; bytes: number }>();
  private readonly wake = new Signal();
  private closed = false;
  /** Records deleted after Kafka's acknowledgement (for the drain rate). */
  drained = 0;
  readonly partition: SourceMap;

  constructor(private readonly o: SpoolWriterOptions) {
    this.partition = { spool: o.connector };
    if (o.committedSeq !== null) {
      o.store.deleteThrough(o.connector, o.committedSeq);
      this.cursor = o.committedSeq;
    }
  }

  get pending(): number {
    return this.o.store.stats(this.o.connector).records;
  }

  async submit(submission: IngestSubmission): Promise<RecordOutcome[]> {
    if (this.closed)
      throw unavailable(`The ingest task of connector ${this.o.connector} is stopping`, this.o.retryAfterSeconds);
    const encoded = submission.records.map((r) => encodeSpoolRecord(submission.topic, r));
    const size = encoded.reduce((n, e) => n + e.byteLength, 0);
    const held = this.o.store.heldBytes(this.o.connector) + this.reservedBytes;
    if (held > 0 && held + size > this.o.maxBytes) {
      throw unavailable(
        `The spool of connector ${this.o.connector} is full (${held} bytes, ingest.spool.max.bytes=${this.o.maxBytes}); retry later`,
        this.o.retryAfterSeconds,
      );
    }
    this.reservedBytes += size;
    let seqs: number[];
    try {
      seqs = await this.o.store.append(this.o.connector, encoded);
    } finally {
      this.reservedBytes -= size;
    }
    this.wake.notify();
    return seqs.map((sequence) => ({ kind: "spooled", sequence }));
  }

  /** Spooled records are durable: nothing is withdrawn when the connector pauses. */
  withdrawQueued(): void {}

  /** The next records after the last polled one, waiting for some when the spool is drained. */
  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    for (;;) {
      if (this.closed || signal.aborted) return [];
      const rows = this.o.store.read(this.o.connector, this.cursor, this.o.maxPoll);
      if (rows.length > 0) {
        this.cursor = rows.at(-1)!.seq;
        return rows.map((row) => {
          const { topic, record } = decodeSpoolRecord(row.record);
          const source: SourceRecord = {
            ...this.o.toSourceRecord(topic, record),
            sourcePartition: this.partition,
            sourceOffset: { seq: row.seq },
          };
          this.sent.set(source, { seq: row.seq, bytes: row.bytes });
          return source;
        });
      }
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal.addEventListener("abort", onAbort, { once: true });
        void this.wake.wait(1_000).then(() => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        });
      });
    }
  }

  /** Kafka acknowledged the record (or it was dropped): its row goes. */
  ack(record: SourceRecord): void {
    const s = this.sent.get(record);
    if (!s) return;
    this.sent.delete(record);
    this.o.store.delete(this.o.connector, s.seq, s.bytes);
    this.drained += 1;
  }

  close(): void {
    this.closed = true;
    this.sent.clear();
    this.o.store.flushDeletes();
    this.wake.notify();
  }
}
