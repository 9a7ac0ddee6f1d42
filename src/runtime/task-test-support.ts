/**
 * Building blocks for unit tests of WorkerSourceTask and WorkerSinkTask: an in-memory offset
 * store, a UTF-8 string converter pair, a status recorder, an error operator, the Outgoing
 * records of the sender's tests, a WorkerSinkTask or WorkerSourceTask on a MemoryKafka, a producer
 * whose sends a test scripts (producerThrough, partlyWritten, leaderAway), and the
 * waits for a test's task to end (stopAndAwait, awaitStopped) or to fail (awaitFailed), and a
 * source plugin handing out queued batches (QueuedSource). Tests only.
 */
import { Database } from "bun:sqlite";
import type { SinkTask, SourceTask, SourceTaskContext } from "../api/connector.ts";
import type { Converter, HeaderConverter } from "../api/converter.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceMap, type SourceRecord, sourceRecord, type TopicPartitionOffset } from "../api/record.ts";
import { DataError, RetriableError } from "../errors.ts";
import type {
  ConsumedRecord,
  KafkaConsumer,
  KafkaHeader,
  KafkaProducer,
  ProducedMetadata,
  ProducerRecord,
  SendOptions,
} from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { migrate } from "../store/database.ts";
import { OffsetStore } from "../store/offset-store.ts";
import { deferred, within } from "../util/async.ts";
import { systemClock } from "../util/clock.ts";
import { LogManager } from "../util/logger.ts";
import { ActiveTopics } from "./active-topics.ts";
import { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import type { RecordConverters } from "./record-conversion.ts";
import type { WorkerSourceTaskOptions } from "./source-task-lifecycle.ts";
import type { Outgoing } from "./source-task-sender.ts";
import { TaskMetrics } from "./task-metrics.ts";
import { TransformationChain } from "./transformation-chain.ts";
import { WorkerSinkTask, type WorkerSinkTaskOptions } from "./worker-sink-task.ts";
import { WorkerSourceTask } from "./worker-source-task.ts";
import type { ConnectorTaskId, TaskStatusListener, WorkerTask } from "./worker-task.ts";

export function memoryOffsetStore(): OffsetStore {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  return new OffsetStore(db);
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

const stringConverter: Converter & HeaderConverter = {
  configure: () => {},
  fromConnectData: (_t, _h, _s, v) => (v === null || v === undefined ? null : utf8.encode(String(v))),
  toConnectData: (_t, _h, v) => ({ schema: Schemas.OPTIONAL_STRING, value: v === null ? null : text.decode(v) }),
  fromConnectHeader: (_t, _k, _s, v) => (v === null || v === undefined ? null : utf8.encode(String(v))),
  toConnectHeader: (_t, _k, v) => ({ schema: Schemas.OPTIONAL_STRING, value: v === null ? null : text.decode(v) }),
};

export const stringConverters: RecordConverters = {
  key: stringConverter,
  keyClass: "test.String",
  value: stringConverter,
  valueClass: "test.String",
  header: stringConverter,
  headerClass: "test.String",
};

/**
 * stringConverters whose value converter fails on the value `value` (a poison record), with `error` (by default a
 * DataError, as a converter refuses a value it cannot convert); `valueClass` names that converter.
 */
export function convertersFailingOn(
  value: string,
  o: { error?: () => Error; valueClass?: string } = {},
): RecordConverters {
  const error = o.error ?? (() => new DataError(`Value ${value} is not an integer`));
  return {
    ...stringConverters,
    value: {
      ...stringConverters.value,
      fromConnectData: (t, h, s, v) => {
        if (v === value) throw error();
        return stringConverters.value.fromConnectData(t, h, s, v);
      },
    },
    ...(o.valueClass ? { valueClass: o.valueClass } : {}),
  };
}

/** Records the states a task reports, its last failure, and which task it is (from the first report). */
export class StatusRecorder implements TaskStatusListener {
  readonly events: string[] = [];
  failure: unknown;
  id: ConnectorTaskId | undefined;
  private readonly failedOnce = deferred<true>();
  /** Resolves at the first FAILED. */
  readonly failed: Promise<true> = this.failedOnce.promise;
  onStartup = (id: ConnectorTaskId) => this.record(id, "RUNNING");
  onPause = (id: ConnectorTaskId) => this.record(id, "PAUSED");
  onResume = (id: ConnectorTaskId) => this.record(id, "RUNNING");
  onFailure = (id: ConnectorTaskId, error: unknown) => {
    this.failure = error;
    this.record(id, "FAILED");
    this.failedOnce.resolve(true);
  };
  private record(id: ConnectorTaskId, state: string): void {
    this.id = id;
    this.events.push(state);
  }
}

/**
 * Waits up to `timeoutMs` for the task `listener` records to report FAILED; rejects, naming the
 * task and the states it did report, if it did not fail in time.
 */
export async function awaitFailed(listener: StatusRecorder, timeoutMs = 20_000): Promise<void> {
  if (await within(listener.failed, timeoutMs)) return;
  const task = listener.id ? `The task [${listener.id.connector}|task-${listener.id.task}]` : "The task";
  const reported = listener.events.length > 0 ? `it reported ${listener.events.join(", ")}` : "it reported no state";
  throw new Error(`${task} did not fail within ${timeoutMs} ms (${reported})`);
}

export function quietLogs(): LogManager {
  return new LogManager({ sink: () => {} });
}

export function taskBasics(tolerance: "none" | "all" = "none") {
  const id = { connector: "c", task: 0 };
  const metrics = new TaskMetrics();
  const logs = quietLogs();
  const operator = new RetryWithToleranceOperator(
    { tolerance, retryTimeoutMs: 0, retryDelayMaxMs: 1000 },
    [],
    systemClock,
    id,
    metrics,
  );
  return { id, metrics, operator, log: logs.get("test"), listener: new StatusRecorder(), clock: systemClock };
}

/** `value` to `topic`-`partition` with the key "k" (a later value of the key must not land before an earlier one). */
export function outgoing(topic: string, value: string, partition = 0): Outgoing {
  const record: SourceRecord = sourceRecord({
    topic,
    kafkaPartition: partition,
    value,
    valueSchema: Schemas.STRING,
    sourcePartition: { f: 1 },
    sourceOffset: { v: value },
  });
  const produced: ProducerRecord = {
    topic,
    partition,
    key: new TextEncoder().encode("k"),
    value: new TextEncoder().encode(value),
    headers: [],
    timestamp: 1,
  };
  return { record, produced };
}

/**
 * A WorkerSinkTask (not started) running `plugin` on the topic "in" (`partitions` of it) of a
 * MemoryKafka, in the group "connect-c", with string converters and no transformations;
 * `options` overrides any of the task's options.
 */
export function memorySinkTask(o: {
  plugin: SinkTask;
  taskClass: string;
  offsetFlushIntervalMs: number;
  partitions?: number;
  basics?: ReturnType<typeof taskBasics>;
  /** Called with the offsets of every commit, before it is made. */
  onCommit?: (offsets: readonly TopicPartitionOffset[]) => void;
  /** Wraps the consumer the task gets (to watch what it hands out). */
  wrapConsumer?: (consumer: KafkaConsumer) => KafkaConsumer;
  options?: Partial<WorkerSinkTaskOptions>;
}) {
  const kafka = new MemoryKafka();
  kafka.createTopic("in", o.partitions ?? 1);
  const basics = o.basics ?? taskBasics();
  const task = new WorkerSinkTask({
    ...basics,
    initialState: "STARTED",
    task: o.plugin,
    taskClass: o.taskClass,
    config: {},
    errantRecordReporter: true, // as with a DLQ topic or errors.log.enable
    consumer: async () => {
      const consumer = await kafka.consumer({ groupId: "connect-c", topics: ["in"], properties: {} });
      const { onCommit } = o;
      if (onCommit) {
        const commit = consumer.commit.bind(consumer);
        consumer.commit = (offsets) => {
          onCommit(offsets);
          return commit(offsets);
        };
      }
      return o.wrapConsumer ? o.wrapConsumer(consumer) : consumer;
    },
    converters: stringConverters,
    transformations: TransformationChain.EMPTY,
    offsetFlushIntervalMs: o.offsetFlushIntervalMs,
    activeTopics: new ActiveTopics(() => true),
    ...o.options,
  });
  /** Appends `value` (UTF-8 unless bytes) to "in"-`partition`. */
  const produceTo = (partition: number, value: string | Uint8Array) =>
    kafka.append({
      topic: "in",
      partition,
      key: null,
      value: typeof value === "string" ? utf8.encode(value) : value,
      headers: [],
      timestamp: 1,
    });
  /** Appends each value to "in"-0. */
  const produce = (...values: string[]) => {
    for (const v of values) produceTo(0, v);
  };
  return { kafka, task, basics, listener: basics.listener, produce, produceTo };
}

/**
 * A WorkerSourceTask (not started) running `plugin` with `config` (none by default), producing to
 * `kafka` (a new MemoryKafka by default), with string converters, no transformations and no
 * offsets kept; `options` overrides any of the task's options.
 */
export function memorySourceTask(o: {
  plugin: SourceTask;
  taskClass: string;
  kafka?: MemoryKafka;
  config?: Record<string, string>;
  basics?: ReturnType<typeof taskBasics>;
  options?: Partial<WorkerSourceTaskOptions>;
}) {
  const kafka = o.kafka ?? new MemoryKafka();
  const basics = o.basics ?? taskBasics();
  const task = new WorkerSourceTask({
    ...basics,
    initialState: "STARTED",
    task: o.plugin,
    taskClass: o.taskClass,
    config: o.config ?? {},
    producer: () => kafka.producer(),
    converters: stringConverters,
    transformations: TransformationChain.EMPTY,
    offsets: { get: () => null, write: () => {} } as never,
    maxRequestBytes: 1_048_576,
    offsetFlushIntervalMs: 60_000,
    activeTopics: new ActiveTopics(() => true),
    ...o.options,
  });
  return { kafka, task, basics, listener: basics.listener };
}

/**
 * A task's producer (WorkerSourceTaskOptions.producer) taking `maxInFlight` requests at once, whose sends go through
 * `send` (`inner`: a producer of `kafka`; `n`: the send's number from 1; `options`: the send's).
 */
export function producerThrough(
  kafka: MemoryKafka,
  maxInFlight: number,
  send: (
    inner: KafkaProducer,
    records: readonly ProducerRecord[],
    n: number,
    options?: SendOptions,
  ) => Promise<ProducedMetadata[]>,
): () => Promise<KafkaProducer> {
  let calls = 0;
  return async () => {
    const inner = await kafka.producer();
    return {
      maxInFlight,
      close: () => inner.close(),
      send: (records: readonly ProducerRecord[], options?: SendOptions) => send(inner, records, ++calls, options),
    };
  };
}

/**
 * A send in which Kafka writes the records `writes` picks and fails the others with `error`, listing those written
 * (PartlyWritten, as when another partition's leader is away); resolves when it wrote every one. Those written are told
 * to the send's `onWritten` first when some are not.
 */
export async function partlyWritten(
  inner: KafkaProducer,
  records: readonly ProducerRecord[],
  writes: (record: ProducerRecord) => boolean,
  error: Error,
  options?: SendOptions,
): Promise<ProducedMetadata[]> {
  const chosen = records.filter(writes);
  const metadata = chosen.length > 0 ? await inner.send(chosen) : [];
  let k = 0;
  const written = records.map((r) => (writes(r) ? metadata[k++]! : null));
  if (written.every((m) => m !== null)) return written as ProducedMetadata[];
  if (options?.onWritten && metadata.length > 0) {
    const indexes = Int32Array.from(records.keys()).filter((i) => written[i] !== null);
    options.onWritten(indexes, metadata);
  }
  throw Object.assign(error, { written });
}

/**
 * A send whose records for `topic` wait for a leader that is away (retriable, at every attempt); the others are
 * written.
 */
export function leaderAway(topic: string) {
  return (inner: KafkaProducer, records: readonly ProducerRecord[]): Promise<ProducedMetadata[]> =>
    partlyWritten(
      inner,
      records,
      (r) => r.topic !== topic,
      new RetriableError(`NOT_LEADER_OR_FOLLOWER for ${topic}-0`),
    );
}

/**
 * Stops `task` and waits up to `timeoutMs` for its loop to end; rejects, naming the task, if it
 * did not end in time.
 */
export async function stopAndAwait(task: WorkerTask, timeoutMs = 5000): Promise<void> {
  task.stop();
  await awaitStopped(task, timeoutMs);
}

/**
 * Waits up to `timeoutMs` for `task`'s loop to end (it failed, or was stopped before); rejects,
 * naming the task and whether it was asked to stop, if it did not end in time.
 */
export async function awaitStopped(task: WorkerTask, timeoutMs = 5000): Promise<void> {
  if (await task.awaitStop(timeoutMs)) return;
  const { connector, task: n } = task.id;
  const asked = task.stopping ? "of stop()" : "(stop() was not called)";
  throw new Error(`${task.constructor.name} [${connector}|task-${n}] did not stop within ${timeoutMs} ms ${asked}`);
}

/** A source task's empty poll: waits 5 ms, or until `signal` aborts (the task is stopping). */
export function idlePoll(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, 5);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A SourceTask that hands out the batches the test queued, one per poll, then polls idle
 * (`idlePoll`); counts its polls, keeps its context and whether it was stopped. A test that needs
 * an acknowledgement API (commitRecord, commitRecords, updateOffsets) extends it.
 */
export class QueuedSource implements SourceTask {
  readonly queue: SourceRecord[][] = [];
  polls = 0;
  stopped = false;
  context: SourceTaskContext | undefined;
  initialize(context: SourceTaskContext): void {
    this.context = context;
  }
  start(): void {}
  async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    this.polls++;
    const next = this.queue.shift();
    if (next) return next;
    await idlePoll(signal);
    return null;
  }
  stop(): void {
    this.stopped = true;
  }
}

/** A record consumed from partition 0 of topic `t` at offset 0 with UTF-8 key and value. */
export function consumedText(key: string, value: string, headers: KafkaHeader[] = []): ConsumedRecord {
  const utf8 = new TextEncoder();
  return {
    topic: "t",
    partition: 0,
    offset: 0,
    timestamp: 1,
    timestampType: "CreateTime",
    key: utf8.encode(key),
    value: utf8.encode(value),
    headers,
  };
}

/** A string record of topic "t" with this source partition and offset. */
export function offsetRecord(partition: SourceMap | null, offset: SourceMap | null): SourceRecord {
  return sourceRecord({
    topic: "t",
    value: "v",
    valueSchema: Schemas.STRING,
    sourcePartition: partition,
    sourceOffset: offset,
  });
}

/** Line `n` of file "f" as a file source reads it: a string record of topic "t", its offset the line's position. */
export function line(n: number): SourceRecord {
  return sourceRecord({
    topic: "t",
    value: `line ${n}`,
    valueSchema: Schemas.STRING,
    sourcePartition: { file: "f" },
    sourceOffset: { pos: n },
  });
}
