/**
 * Connectors and tasks (org.apache.kafka.connect.connector.*, .source.*, .sink.*).
 *
 * Lifecycle, as the Worker drives it: `start(config)` → `taskConfigs(maxTasks)` → … → `stop()`.
 * Tasks: `initialize(context)` → `start(config)` → repeated `poll()` / `put()` → `stop()`.
 * Configs arrive as Connect passes them: raw string maps, parsed by the plugin's own ConfigDef.
 * Any method may return a promise; the runtime awaits it.
 */
import type { PluginMetrics } from "../metrics/plugin-metrics.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { Converter, HeaderConverter } from "./converter.ts";
import type { SinkRecord, SourceMap, SourceRecord, TopicPartition, TopicPartitionOffset } from "./record.ts";

export type Config = Readonly<Record<string, string>>;
type MaybePromise<T> = T | Promise<T>;

/** What the runtime hands every plugin instance: its logger and its time source. */
export interface PluginContext {
  /**
   * The plugin's logger, named for its class (so `/admin/loggers` can set its level), whose lines
   * carry Connect's context: `[connector|worker]` for a connector, `[connector|task-N]` for a task.
   * Use it instead of a module-level logger.
   */
  readonly logger: Logger;
  /** The worker's clock: read time and sleep through it, so tests can drive time. */
  readonly clock: Clock;
  /**
   * Gateway extension (Connect has none): the name the worker knows the connector by (its REST paths,
   * statuses and offsets). The config's `name` keeps the name as created, which differs for one with a
   * lone surrogate (known as `?`, as Connect keys it in its config topic): what a plugin keeps per
   * connector (a route, a spool partition, a throttle) is keyed by this name.
   */
  readonly connectorName: string;
  /**
   * Gateway extension (Connect has none): the keys of the config this instance got whose raw value
   * held a config provider reference (`${file:…}`, `${env:…}`), wholly or in part, that a provider
   * resolved (a `${a:b}` no provider resolved stays as written: the user's own text). The user kept
   * those values out of the config: a plugin that shows such a value (an endpoint URL in its
   * messages) shows it hidden (http/shown-url.ts). Absent: none is known.
   */
  readonly providedKeys?: ReadonlySet<string>;
}

export interface ConnectorContext extends PluginContext {
  /** Ask the runtime to call `taskConfigs` again and restart tasks whose configs changed. */
  requestTaskReconfiguration(): void;
  /** Fail the connector (status FAILED with this error's trace). */
  raiseError(error: Error): void;
}

export interface SourceConnectorContext extends ConnectorContext {
  readonly offsetStorageReader: OffsetStorageReader;
}

export interface OffsetStorageReader {
  /** The last committed offset of a source partition, or null. */
  offset(partition: SourceMap): Promise<SourceMap | null>;
}

export interface Connector {
  initialize?(context: ConnectorContext): void;
  start(config: Config): MaybePromise<void>;
  taskConfigs(maxTasks: number): MaybePromise<Config[]>;
  stop(): MaybePromise<void>;
  /**
   * Gateway extension (Connect has none): the connector is PAUSED and was never started (created
   * PAUSED, or PAUSED when the worker started or its config changed), so `start` is not called, as
   * in Connect. A connector that clients reach directly (an ingest route) may show itself as paused
   * to them. `stop()` follows when it is stopped, deleted or restarted without having started.
   */
  announcePaused?(config: Config): void;
}

export interface SourceConnector extends Connector {
  initialize?(context: SourceConnectorContext): void;
  /**
   * Check (and optionally act on) offsets an operator is writing through the REST API. Return
   * true when the connector manages the change fully; throw to reject it with a message. `config`
   * is as stored (references unresolved); `providedKeys` (gateway extension): its keys a config
   * provider resolved now (PluginContext.providedKeys). Absent: unknown (a reset, whose offsets
   * are all null, resolves nothing). `connectorName` (gateway extension): PluginContext.connectorName
   * (this instance is not initialized).
   */
  alterOffsets?(
    config: Config,
    offsets: ReadonlyArray<{ partition: SourceMap; offset: SourceMap | null }>,
    providedKeys: ReadonlySet<string> | undefined,
    connectorName: string,
  ): MaybePromise<boolean>;
}

export interface SinkConnector extends Connector {
  initialize?(context: ConnectorContext): void;
  /**
   * Check (and optionally act on) the consumer group offsets an operator is writing through the
   * REST API, as SourceConnector.alterOffsets. Each offset is a number while a number holds it
   * exactly, else a bigint (a long beyond 2^53, up to Long.MAX_VALUE, as PATCH takes it); null
   * resets the partition.
   */
  alterOffsets?(
    config: Config,
    offsets: ReadonlyArray<{ partition: TopicPartition; offset: number | bigint | null }>,
  ): MaybePromise<boolean>;
}

/** A send of a source task's records being retried (`SourceTaskContext.sendRetry`). */
export interface SendRetry {
  /** Why Kafka does not take the records: the last attempt's failure. */
  readonly failure: unknown;
  /**
   * True while the producer retries it on its own (within delivery.timeout.ms: the task is still polled, as
   * Connect's is), or a broker has not answered a produce request of it for a few seconds (the default client: its
   * `failure` then marked so, unansweredRequestOf in kafka/unanswered-request.ts); false while the runtime does, after
   * the send failed (nothing more is polled from the task).
   */
  readonly byProducer: boolean;
  /**
   * A send held before it reaches the producer (its connection, its topics' creation: BeforeSendHolds): how it waits,
   * the trace's ending instead of the producer's retries, e.g. "the send waits until they are ready".
   */
  readonly waits?: string;
}

export interface SourceTaskContext extends PluginContext {
  readonly config: Config;
  readonly offsetStorageReader: OffsetStorageReader;
  /** Metrics the task defines for itself (KIP-877), shown on `/metrics` with its labels. */
  readonly pluginMetrics?: PluginMetrics;
  /**
   * Gateway extension (Connect has none): while a send of this task's records is being retried (by
   * the runtime, or by the producer itself within delivery.timeout.ms), why Kafka does not take them
   * and who retries them; else undefined.
   */
  readonly sendRetry?: () => SendRetry | undefined;
  /**
   * Gateway extension: while a send of this task's records is being retried and none of the records the task handed
   * over and has not had back through commitRecord(s) may have been written (no attempt at them reached a broker, or
   * the broker refused them: the rule by which a stop gives records back as `notSent`; a batch Kafka acknowledged whose
   * commitRecords has not been called or has not returned, e.g. waiting behind an earlier batch's, was written), holds
   * them: none is sent any more, and the task's stop gives them back through `notSent`; returns true. Otherwise returns
   * false and changes nothing.
   */
  readonly holdUnwrittenSend?: () => boolean;
  /**
   * Gateway extension: takes back those of `records` (polled from the task) that certainly have not reached the
   * producer yet (queued in the runtime's send path, or in a send being retried that no attempt carried to a broker, or
   * that the broker refused), or that the producer holds but gives back unsent (kafka.client=platformatic and the task
   * `withdrawsUnsent`: a batch of only such records no produce request carried yet), and returns them: none of them is
   * ever sent; their commitRecord(s) comes with null metadata, in their turn, and the task answers them as not written.
   * The others (the producer keeps them, or they may have been written) are left as they are. Only for records whose
   * acknowledgement nothing else waits on (a source offset of one is committed as if it were written).
   */
  readonly withdrawUnsent?: (records: readonly SourceRecord[]) => ReadonlySet<SourceRecord>;
}

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | null;
}

/**
 * Why Kafka refused one record for good, on its own (gateway extension, see
 * `SourceTask.rejectsRecords`): the broker's answer for that record alone, which sending it again
 * cannot change.
 */
export interface RecordRejection {
  /**
   * Kafka's error: INVALID_TIMESTAMP, INVALID_RECORD, MESSAGE_TOO_LARGE or RECORD_LIST_TOO_LARGE;
   * for a record that failed before it was sent, the Connect stage (as `stage`).
   */
  readonly error: string;
  /** What the producer said (the broker's message, when it gave one), or the stage's failure. */
  readonly message: string;
  /**
   * Set when the record was never sent: a transformation or converter failed on it under
   * errors.tolerance=none (TRANSFORMATION, KEY_CONVERTER, VALUE_CONVERTER, HEADER_CONVERTER).
   */
  readonly stage?: string;
  /**
   * Set (with `stage`) when errors.tolerance=all skipped the record after that failure, reported
   * and counted as for any task (Connect calls commitRecord(record, null) for it, as for a record
   * a transformation dropped). A task may take it as dropped; the ingest spool quarantines its row.
   */
  readonly skipped?: true;
}

/**
 * A source partition's offset to commit (SourceTask.updateOffsets); a null offset removes the
 * partition's stored offset (a tombstone, as Connect writes for a null offset).
 */
export interface SourceOffsetUpdate {
  readonly partition: SourceMap;
  readonly offset: SourceMap | null;
}

export interface SourceTask {
  /**
   * Gateway extension, not in Connect. True: a record Kafka refuses for good on its own (a
   * RecordRejection: an out-of-range timestamp, a record too large for the topic, a null key on a
   * compacted topic) is that record's failure, which the task reports itself (an ingest request is
   * answered with it): the task does not fail and errors.tolerance does not apply. So is a record
   * a transformation or converter fails on under errors.tolerance=none (`RecordRejection.stage`;
   * under `all` it is skipped as in Connect, and the task gets its rejection marked `skipped`
   * where Connect passes only null metadata, so it can tell it from a record a transformation
   * dropped on purpose). A send failure that is not such a refusal (an
   * authorization error, any producer-level error) fails the task whatever errors.tolerance says:
   * skipping it would acknowledge a record Kafka never had. The record is
   * acknowledged in poll order like the others, with metadata null and its rejection (the third
   * argument of commitRecord / commitRecords). False or absent: Connect's behaviour (stage
   * KAFKA_PRODUCE: the task fails; with errors.tolerance=all the failure is reported and the
   * record skipped, commitRecord(record, null)).
   */
  readonly rejectsRecords?: boolean;
  /**
   * Gateway extension, not in Connect's API (Connect's producer callback commits each record in any order): true when
   * `commitRecords` (or `commitRecord`) may get any part of a poll batch, in any order across Kafka partitions, each
   * record once. Kafka's written records are then committed as they are written, not held behind a record of an
   * earlier batch, or of the same batch, that a partition has not taken yet (a partition without a leader, until
   * delivery.timeout.ms), and the task is polled while buffer.memory allows rather than up to
   * max.in.flight.requests.per.connection batches. The rest of a batch is committed when it settles; its source offsets
   * move only then, in poll order per source partition. Only with a producer that reports writes before a send
   * settles (kafka.client=platformatic); kafkajs settles a send whole. A task with neither `commitRecord` nor
   * `commitRecords` is polled so too. False or absent: whole batches, in poll order (see `poll`).
   */
  readonly commitsAnyOrder?: boolean;
  /**
   * Gateway extension: true when the task takes records back (SourceTaskContext.withdrawUnsent) and wants those the
   * producer holds unsent given back too; each send is then made so that the producer can (kafka.client=platformatic).
   * False or absent: withdrawUnsent takes back only records the producer does not hold yet; sends cost nothing more.
   */
  readonly withdrawsUnsent?: boolean;
  initialize(context: SourceTaskContext): void;
  start(config: Config): MaybePromise<void>;
  /**
   * Records available now, or an empty list / null after waiting a short while (≤ ~1 s). Must
   * return promptly once `signal` aborts (the task is stopping or pausing). The same signal is
   * passed to every poll until the task pauses or stops: a listener added to it must be removed
   * once the poll returns (as `abortable` and `Clock.sleep` do), or listeners pile up on it.
   *
   * Pipelining: the runtime calls `poll` again as soon as the previous batch is sent, while
   * earlier batches may still await Kafka's acknowledgement (up to the producer's
   * max.in.flight.requests.per.connection batches and buffer.memory bytes; when that is reached,
   * `poll` is not called until the oldest batch is acknowledged). Records are acknowledged
   * (`commitRecords` / `commitRecord`) in poll order, batch by batch, never out of order (unless the
   * task `commitsAnyOrder`); only the records of a batch given up in part reach `commitRecord` when it
   * is given up (see there).
   */
  poll(signal: AbortSignal): Promise<SourceRecord[] | null>;
  /**
   * Kafka acknowledged `record` (metadata null when a transform dropped it or errors.tolerance=all
   * skipped it). Called per record, in poll order, unless the task implements `commitRecords`.
   * Also called (whether or not the task implements `commitRecords`) for the records of a poll batch
   * given up at a stop or after a failure that Kafka wrote all the same, a transformation dropped, or
   * Kafka refused for good and errors.tolerance=all skipped (metadata null, with its rejection when the
   * task `rejectsRecords`), as Connect's producer callback commits each record it is done with: their
   * batch is not acknowledged as a whole (its other records were not written), so `commitRecords` does
   * not happen for it. The others of the batch reach `notSent` or nothing. From the first batch failed
   * or given up on, source offsets are staged per source partition, as Connect's SubmittedRecords
   * commits each partition's acknowledged prefix: those of a partition's records Kafka is done with
   * (in that batch and in the later ones that settle, whether or not they reach `commitRecord`), up to
   * the first of its records not written or perhaps written; a batch's offsets are staged only once
   * the promises its `commitRecord` calls return settled (a spool quarantines a refused record first).
   * Also called, metadata null, for a record a transformation dropped in a batch that settles after
   * the first one failed or given up on.
   */
  commitRecord?(record: SourceRecord, metadata: RecordMetadata | null, rejection?: RecordRejection): MaybePromise<void>;
  /**
   * One acknowledged poll batch at once, whole: `metadata[i]` belongs to `records[i]` (null as for
   * commitRecord), and Kafka wrote (or a transformation dropped) every record of it. When present it
   * replaces the per-record `commitRecord` calls for acknowledged batches. Batches arrive in poll
   * order (for a task that `commitsAnyOrder`, also parts of a batch Kafka wrote before the rest, and
   * then only the rest when the batch settles); a batch whose send failed for good is never passed here (the task fails), and batches
   * still in flight when the task stops are passed only if Kafka acknowledged all of them. Records
   * of a batch given up in part reach `commitRecord` only (see there), never this.
   */
  commitRecords?(
    records: ReadonlyArray<SourceRecord>,
    metadata: ReadonlyArray<RecordMetadata | null>,
    /** Index in `records` → why Kafka refused that record (`rejectsRecords`); absent when none was. */
    rejections?: ReadonlyMap<number, RecordRejection>,
  ): MaybePromise<void>;
  /**
   * Gateway extension, not in Connect: records of one poll (all, or some of them) that will never be
   * sent, acknowledged or polled again by this task: a transformation or converter failed while the
   * task was stopping or failing, before any record of the poll reached the producer; or, at a stop
   * or after a send failed, the runtime gave them up certainly unwritten (never in a produce request,
   * or only in attempts the producer says never reached a broker or the broker refused: the port's
   * `unwritten`). None was written; `rejections` (index in `records`) as for commitRecords: records
   * a transformation or converter refused; `failure`: the error the task failed with, when it
   * failed (a send failed for good, e.g. the broker's TopicAuthorizationException; they were given
   * up because of it). `topics[i]`: the topic `records[i]` was to be written to, after the
   * transformations (a RegexRouter may have changed it; a refusal such as a
   * TopicAuthorizationException names that topic), undefined when its transformations did not finish.
   * Records given up that may have been written are not passed here (`afterStop`),
   * nor those a transformation dropped: they reach `commitRecord` / `commitRecords` with null
   * metadata, as Connect commits a dropped record at once, whatever becomes of its poll.
   */
  notSent?(
    records: ReadonlyArray<SourceRecord>,
    rejections?: ReadonlyMap<number, RecordRejection>,
    failure?: unknown,
    topics?: ReadonlyArray<string | undefined>,
  ): MaybePromise<void>;
  /**
   * Gateway extension, not in Connect (Apache Kafka 4.3.1 and 4.4.0 have no such method; it follows
   * the KIP-910 proposal's `SourceTask.updateOffsets`): called before each offset commit (every
   * offset.flush.interval.ms, and the last one after `stop()`; never for a task whose `start` did not return) with the offsets of acknowledged
   * records about to be committed, possibly none. The entries it returns are committed with them,
   * replacing the offset of the same partition, so a task can move the offset of a partition no
   * record carried; null or undefined commits the offsets as given. A task must only return an
   * offset that is safe once the records acknowledged so far are in Kafka. An entry whose offset is
   * null is a tombstone, as a null offset given to Connect's OffsetStorageWriter (KIP-875): the
   * commit removes the partition's stored offset (it no longer appears in GET
   * /connectors/{c}/offsets); `offsets` holds such an entry again when a commit that carried it failed.
   */
  updateOffsets?(offsets: ReadonlyArray<SourceOffsetUpdate>): ReadonlyArray<SourceOffsetUpdate> | null | undefined;
  /** Offsets up to the last acknowledged records were committed. */
  commit?(): MaybePromise<void>;
  /**
   * The task is stopping: nothing more is polled. Batches still in flight are awaited after this
   * (task.shutdown.graceful.timeout.ms), and what Kafka acknowledges meanwhile still reaches
   * `commitRecord` / `commitRecords`, as in Connect.
   */
  stop(): MaybePromise<void>;
  /**
   * Gateway extension, not in Connect: called once after `stop()`, when every batch that was in
   * flight has settled and its acknowledgements were passed on (before the final offset commit).
   * A record polled and not acknowledged by then never will be: a task that answers for its
   * records (an ingest request) gives up on them here, not in `stop()`.
   */
  afterStop?(): MaybePromise<void>;
  /**
   * Gateway extension, not in Connect: why the task, though RUNNING, does not get its records into
   * Kafka now (e.g. a send being retried: `SourceTaskContext.sendRetry`), shown as the
   * trace of its RUNNING status; null or absent while it does.
   */
  degradedTrace?(): string | null;
}

/**
 * Reports a record the sink task could not deliver (Connect's ErrantRecordReporter, KIP-610). It
 * goes through the connector's `errors.tolerance`, error log and dead letter queue like a failed
 * conversion: with tolerance `all` the promise resolves once the record is reported (the task
 * may then count it as done); with `none` it rejects and the task fails.
 */
export interface ErrantRecordReporter {
  report(record: SinkRecord, error: unknown): Promise<void>;
}

/** The converters the worker configured for this connector, for tasks that write Kafka-format bytes. */
export interface TaskConverters {
  readonly key: Converter;
  readonly keyClass: string;
  readonly value: Converter;
  readonly valueClass: string;
  readonly header: HeaderConverter;
  readonly headerClass: string;
}

export interface SinkTaskContext extends PluginContext {
  readonly config: Config;
  /**
   * Reports records `put` accepted but could not deliver; report the very object `put` received.
   * As in Connect, present only when the connector has a dead letter queue topic or
   * errors.log.enable=true; without one, fail (throw) unless the connector tolerates errors itself.
   */
  readonly errantRecordReporter?: ErrantRecordReporter;
  /** The connector's key, value and header converters. */
  readonly converters?: TaskConverters;
  /**
   * Fail the task now (status FAILED with this error's trace), for a failure found outside `put`
   * (e.g. a request completing in the background); nothing more is put or committed.
   */
  raiseError?(error: Error): void;
  /** Metrics the task defines for itself (KIP-877), shown on `/metrics` with its labels. */
  readonly pluginMetrics?: PluginMetrics;
  /** Rewind or skip: consume `partition` from `offset` next. */
  offset(offsets: ReadonlyArray<TopicPartitionOffset>): void;
  /**
   * Bound the worker's next wait for records to `ms` (> 0; used once), as Connect's next poll: after
   * a RetriableError from `put`, the batch is redelivered after `ms` (sooner when the next offset
   * commit falls due); after a `put` that returned (or when set outside `put`), an idle task gets
   * `put([])` after `ms` unless records come first.
   */
  timeout(ms: number): void;
  assignment(): ReadonlyArray<TopicPartition>;
  pause(partitions: ReadonlyArray<TopicPartition>): void;
  resume(partitions: ReadonlyArray<TopicPartition>): void;
  /** Ask for an offset commit as soon as possible. */
  requestCommit(): void;
}

export interface SinkTask {
  /**
   * True when `put` takes JsonText values (api/data/json-text.ts): with no transformation
   * configured, a value the value converter reads as schemaless JSON (JsonConverter with
   * `schemas.enable=false`) then arrives as a JsonText of the consumed bytes, unparsed. The task
   * hands it to a converter (JsonConverter writes those bytes back) or reads `value()`.
   */
  readonly acceptsJsonText?: boolean;
  initialize(context: SinkTaskContext): void;
  start(config: Config): MaybePromise<void>;
  open?(partitions: ReadonlyArray<TopicPartition>): MaybePromise<void>;
  /**
   * Records to deliver, in order per partition. Called with none too, as Connect's every poll: when
   * no record waits as the commit interval ends (before that commit's flush/preCommit), so a task
   * can flush what it buffers by time, and when a transformation dropped every record of a delivery
   * or the task paused their partitions. A RetriableError redelivers the same records later.
   */
  put(records: ReadonlyArray<SinkRecord>): MaybePromise<void>;
  /** Make everything passed to `put` durable up to `offsets`. */
  flush?(offsets: ReadonlyArray<TopicPartitionOffset>): MaybePromise<void>;
  /**
   * The offsets safe to commit; defaults to `flush(offsets)` then `offsets`. Gateway extension: when
   * partitions close with offsets held back, it is asked again after `close` for those partitions (so
   * what close waited for and was delivered is committed): for a partition it closed, it must answer
   * its first record not delivered, never the offsets asked for. That ask comes right after `close`,
   * before any other preCommit, put or open (setPaused or cancel may come in between): a later
   * preCommit names a closed partition again only once it is opened.
   */
  preCommit?(offsets: ReadonlyArray<TopicPartitionOffset>): MaybePromise<ReadonlyArray<TopicPartitionOffset>>;
  close?(partitions: ReadonlyArray<TopicPartition>): MaybePromise<void>;
  stop(): MaybePromise<void>;
  /**
   * Gateway extension, not in Connect: the worker abandoned the task (it did not stop within
   * task.shutdown.graceful.timeout.ms, "Graceful stop of task … failed"). Nothing it does from now
   * on is committed; it should give up at once what it still waits for (a request on the wire),
   * so that `close`/`stop` return. May come while `close` or `stop` runs; called at most once.
   */
  cancel?(): void;
  /**
   * Gateway extension, not in Connect (whose SinkTask hears nothing of a pause: `put` is just no
   * longer called): the connector was paused (true) or resumed (false). Called as the target state
   * changes, before the task reports PAUSED, possibly before `start` (a task paused while it starts);
   * not for a task created PAUSED, which starts only once resumed. A task that delivers in the
   * background stops starting deliveries while paused, so that PAUSED means nothing is sent.
   */
  setPaused?(paused: boolean): void;
  /**
   * Gateway extension, not in Connect (as SourceTask.degradedTrace): why the task, though RUNNING,
   * does not deliver now (e.g. its endpoint failing attempts that are being retried), shown as the
   * trace of its RUNNING status; null or absent while it does.
   */
  degradedTrace?(): string | null;
}
