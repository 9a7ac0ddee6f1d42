/**
 * HttpIngestSourceTask: the SourceTask behind an ingest route. `start` attaches an IngestQueue to
 * the connector's route; requests fill it; `poll` drains whatever is queued (records of many
 * requests in one produce call); `commitRecord` settles each record, and a request answers once
 * all of its records are settled, in any order (`commitsAnyOrder`: a record a partition holds holds
 * only its own request). `stop` detaches and fails the records not yet polled; `afterStop`
 * (the runtime's batches in flight settled) fails whatever Kafka has not acknowledged.
 * Records carry no source offset: the HTTP client holds the data until it gets its answer.
 *
 * With `ingest.ack.mode=spool` the hand-off is a SpoolWriter instead: requests are answered once
 * their records are in the spool file, `poll` drains the spool in order and `commitRecord` deletes
 * what Kafka acknowledged (spool-writer.ts); the spool is the source partition and its sequence
 * the offset.
 */

import type {
  Config,
  RecordMetadata,
  RecordRejection,
  SourceOffsetUpdate,
  SourceTask,
  SourceTaskContext,
} from "../../api/connector.ts";
import { Headers } from "../../api/data/headers.ts";
import { unboxDouble } from "../../api/data/java-double.ts";
import { Schemas } from "../../api/data/schema.ts";
import type { SourceMap, SourceRecord } from "../../api/record.ts";
import { deniedOutcome, type IngestRecord } from "../../ingest/ingest-record.ts";
import { unauthorizedTopicsOf } from "../../kafka/access-errors.ts";
import { type SendRetryWording, sendRetryTrace } from "../../runtime/send-retry-trace.ts";
import type { SpoolStore } from "../../store/spool-store.ts";
import { inTurns } from "../../util/sliced.ts";
import { httpIngestConfig } from "./config.ts";
import type { HttpIngestServices } from "./connector.ts";
import { IngestQueue } from "./ingest-queue.ts";
import { spoolPartition } from "./spool-offset.ts";
import { SpoolWriter } from "./spool-writer.ts";

/** Spooled records acknowledged per event-loop turn (BENCHMARKS.md, "Spool drain under live load"). */
const SPOOL_ACKS_PER_TURN = 1_000;
/** A kafka-mode task's send retry, said of its requests (the devices are told 503 meanwhile), whoever retries it. */
const INGEST_RETRIED = "the send is being retried. Requests are not acknowledged until Kafka takes the records.";
const INGEST_WORDING: SendRetryWording = {
  records: "the ingest records",
  byTask: INGEST_RETRIED,
  byProducer: INGEST_RETRIED,
  unanswered: "requests are not acknowledged until Kafka takes the records.",
  held: "Requests are not acknowledged until Kafka takes the records.",
};

/** The SourceRecord of an ingested record (the spool's drainer passes its partition and offset). */
export function toSourceRecord(
  topic: string,
  record: IngestRecord,
  sourcePartition: SourceMap | null = null,
  sourceOffset: SourceMap | null = null,
): SourceRecord {
  const headers =
    record.headers.length === 0
      ? Headers.EMPTY
      : new Headers(
          record.headers.map(([key, value]) => ({
            key,
            value,
            schema: value instanceof Uint8Array ? Schemas.OPTIONAL_BYTES : null,
          })),
        );
  // sourceRecord()'s fields in its order (the same object shape), without its spread per record.
  return {
    sourcePartition,
    sourceOffset,
    kafkaPartition: record.partition,
    keySchema: record.key instanceof Uint8Array ? Schemas.OPTIONAL_BYTES : null,
    key: record.key,
    valueSchema: record.value instanceof Uint8Array ? Schemas.OPTIONAL_BYTES : null,
    value: record.value,
    timestamp: record.timestamp,
    headers,
    topic,
  };
}

export class HttpIngestSourceTask implements SourceTask {
  /**
   * A record Kafka refuses on its own, or one a transformation or converter fails on
   * (errors.tolerance=none), fails its request (or, spooled, goes to the quarantine), not the task;
   * one errors.tolerance=all skips (its rejection marked `skipped`) answers "dropped" as before, or,
   * spooled, goes to the quarantine too (acknowledged to its device: deleting it would lose it). Any
   * other send failure fails the task, never skipped by errors.tolerance=all (record-rejection.ts).
   */
  readonly rejectsRecords = true;
  /**
   * A request answers once its own records are written, whatever another request's record waits for (a partition
   * without a leader): `queue.ack` takes records in any order, and a spool deletes rows by sequence, its offset moving
   * by poll batch all the same (per-partition-acks).
   */
  readonly commitsAnyOrder = true;
  /** A request whose ingest.request.timeout.ms runs out takes back its records the producer holds unsent (503). */
  readonly withdrawsUnsent = true;
  private queue: IngestQueue | SpoolWriter | undefined;
  /** The spool of a SpoolWriter queue. */
  private spool: SpoolStore | undefined;
  /** The spool offset below the first refused record the spool failed to quarantine (its worker died): no commit passes it. */
  private spoolHeldAt: number | undefined;
  /** The queue `stop` detached, kept for the acknowledgements still to come until `afterStop`. */
  private stopping: IngestQueue | SpoolWriter | undefined;
  private connector = "";
  private context: SourceTaskContext | undefined;

  constructor(private readonly services: HttpIngestServices) {}

  initialize(context: SourceTaskContext): void {
    this.context = context;
  }

  async start(config: Config): Promise<void> {
    const parsed = httpIngestConfig.parse(config);
    this.connector = this.context?.connectorName ?? "";
    if (parsed["ingest.ack.mode"] === "spool") {
      const store = await this.services.spool?.();
      if (!store) throw new Error("ingest.ack.mode=spool needs the gateway's spool store");
      this.spool = store;
      // Its lines carry the task's context, under the spool's logger name.
      const log = this.context?.logger.named("io.edgegateway.ingest.Spool");
      const committed = await this.context?.offsetStorageReader.offset(spoolPartition(this.connector));
      // A sequence written through PATCH .../offsets as `5.0` reads back as a Double (JavaDouble).
      const seq = committed ? unboxDouble(committed.seq) : null;
      // Stored through PATCH .../offsets before it checked them: a fraction covers the rows up to its whole part, as it
      // did; one that is no number, or negative, is taken as no offset, as it was, but said.
      const valid = typeof seq === "number" && Number.isFinite(seq) && seq >= 0;
      if (committed && !valid)
        log?.warn(
          `The stored offset of connector ${this.connector}'s spool is not a spool sequence (its 'seq' must be a non-negative number): ignored, the spool is drained from its first record; PATCH /connectors/${this.connector}/offsets (stopped) can write a valid one`,
        );
      this.queue = new SpoolWriter({
        store,
        connector: this.connector,
        maxBytes: parsed["ingest.spool.max.bytes"],
        maxRequestBytes: parsed["ingest.max.body.bytes"],
        maxPoll: parsed["ingest.poll.max.records"],
        retryAfterSeconds: parsed["ingest.retry.after.seconds"],
        toSourceRecord,
        committedSeq: valid ? Math.floor(seq) : null,
        ...(log ? { log } : {}),
      });
      await this.queue.start();
      this.services.spoolMetrics?.attach(this.connector, this.queue, store);
      this.services.routes.attach(this.connector, this.queue);
      return;
    }
    this.queue = new IngestQueue({
      maxQueued: parsed["ingest.queue.max.records"],
      maxQueuedBytes: parsed["ingest.queue.max.bytes"],
      maxPoll: parsed["ingest.poll.max.records"],
      retryAfterSeconds: parsed["ingest.retry.after.seconds"],
      toSourceRecord,
      ...(this.context ? { clock: this.context.clock } : {}),
      sendFailure: () => this.context?.sendRetry?.()?.failure,
      holdUnwritten: () => this.context?.holdUnwrittenSend?.() === true,
      withdraw: (records) => this.context?.withdrawUnsent?.(records),
    });
    this.services.routes.attach(this.connector, this.queue);
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    if (!this.queue) return null;
    const records = await this.queue.poll(signal);
    if (records.length === 0) return null;
    this.services.metrics?.batch(this.connector, records.length);
    return records;
  }

  /**
   * A record of a batch given up in part; spooled and refused, it resolves once its quarantine is written (as
   * commitRecords).
   */
  commitRecord(
    record: SourceRecord,
    metadata: RecordMetadata | null,
    rejection?: RecordRejection,
  ): void | Promise<void> {
    const queue = this.queue;
    queue?.ack(record, metadata, rejection);
    if (rejection && queue instanceof SpoolWriter) return this.quarantined(Promise.resolve(), [record]);
  }

  /** One acknowledged poll batch (the pipelined runtime calls this instead of commitRecord). */
  commitRecords(
    records: ReadonlyArray<SourceRecord>,
    metadata: ReadonlyArray<RecordMetadata | null>,
    rejections?: ReadonlyMap<number, RecordRejection>,
  ): void | Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    // A drain's batch (10,000 rows) is acknowledged (its rows deleted) a piece a turn, devices' requests in between.
    if (queue instanceof SpoolWriter) {
      const acked = inTurns(records.length, SPOOL_ACKS_PER_TURN, (i) =>
        queue.ack(records[i]!, metadata[i] ?? null, rejections?.get(i)),
      );
      if (rejections === undefined) return acked;
      return this.quarantined(
        acked,
        [...rejections.keys()].map((i) => records[i]!),
      );
    }
    if (rejections === undefined) for (let i = 0; i < records.length; i++) queue.ack(records[i]!, metadata[i] ?? null);
    else for (let i = 0; i < records.length; i++) queue.ack(records[i]!, metadata[i] ?? null, rejections.get(i));
  }

  /**
   * Resolves once `acked` did and the spool wrote the quarantine of the `refused` rows it moved there: the runtime
   * stages their offsets only then. If it could not, their rows are still in the file and an offset past them would
   * make the next start delete them (deleteThrough): no commit passes the first of them (`spoolHeldAt`).
   */
  private quarantined(acked: Promise<void>, refused: readonly SourceRecord[]): Promise<void> {
    const spool = this.spool;
    if (!spool) return acked;
    return acked
      .then(() => spool.quarantineWritten())
      .catch((error) => {
        for (const record of refused) {
          const seq = (record.sourceOffset as { seq?: unknown } | null)?.seq;
          if (typeof seq === "number") this.spoolHeldAt = Math.min(this.spoolHeldAt ?? seq - 1, seq - 1);
        }
        throw error;
      });
  }

  /** The spool's offset is held below a refused record that was not quarantined (see `quarantined`). */
  updateOffsets(offsets: ReadonlyArray<SourceOffsetUpdate>): SourceOffsetUpdate[] | undefined {
    const held = this.spoolHeldAt;
    if (held === undefined || !offsets.some((o) => o.partition.spool === this.connector)) return undefined;
    return [{ partition: spoolPartition(this.connector), offset: { seq: held } }];
  }

  /**
   * The runtime gave up records certainly unwritten (the task stopped or failed while converting their poll batch, or
   * they never reached a broker before the stop or a failure ended their sending, or the broker refused them): they
   * fail as not written (503), those a transformation or converter refused with their rejection (422), those bound
   * for a topic the task failed on because its Kafka principal may not write it (`failure` a
   * TopicAuthorizationException naming it) as denied, naming it (deniedOutcome). A record's topic there is the one
   * its transformations gave it (`topics`, e.g. RegexRouter's), not its route's. Spooled rows stay in the spool: the
   * next task drains them again.
   */
  notSent(
    records: ReadonlyArray<SourceRecord>,
    rejections?: ReadonlyMap<number, RecordRejection>,
    failure?: unknown,
    topics?: ReadonlyArray<string | undefined>,
  ): void {
    const queue = this.queue;
    if (!(queue instanceof IngestQueue)) return;
    const reason = `The ingest task of connector ${this.connector} stopped or failed before the record was sent to Kafka`;
    const denied = unauthorizedTopicsOf(failure);
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const rejection = rejections?.get(i);
      if (rejection && rejection.skipped !== true) queue.ack(record, null, rejection);
      else {
        const topic = topics ? topics[i] : record.topic;
        const refused = topic !== undefined && denied?.includes(topic) === true;
        queue.notSent(record, reason, refused ? deniedOutcome(topic) : undefined);
      }
    }
  }

  /**
   * Detaches the route; queued records fail as not written (503). Records sent to Kafka keep
   * waiting for their acknowledgement: the runtime passes on what Kafka acknowledges while it
   * awaits the batches in flight, then calls `afterStop`.
   */
  stop(): void {
    const queue = this.queue;
    if (!queue || this.stopping === queue) return;
    this.stopping = queue;
    this.services.routes.detach(this.connector, queue);
    if (queue instanceof SpoolWriter) queue.stop();
    else queue.stop(`The ingest task of connector ${this.connector} is stopping; the record was not sent to Kafka`);
  }

  /**
   * In kafka mode, while the send is retried: why Kafka does not take the records (send-retry-trace.ts);
   * in spool mode none of its own (the spool's Degraded trace says when it backs up).
   */
  degradedTrace(): string | null {
    return this.queue instanceof IngestQueue ? sendRetryTrace(this.context?.sendRetry?.(), INGEST_WORDING) : null;
  }

  /** The batches in flight settled: what Kafka did not acknowledge fails as "may still be written". */
  afterStop(): void {
    const queue = this.queue;
    if (!queue) return;
    this.stop();
    this.queue = undefined;
    this.stopping = undefined;
    if (queue instanceof SpoolWriter) {
      this.services.spoolMetrics?.detach(this.connector, queue);
      queue.close();
      return;
    }
    queue.close(
      `The ingest task of connector ${this.connector} stopped or failed before Kafka acknowledged the record`,
    );
  }
}
