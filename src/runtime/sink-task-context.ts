/**
 * The SinkTaskContext a WorkerSinkTask hands its SinkTask (Connect's WorkerSinkTaskContext), with
 * its ErrantRecordReporter (Connect's WorkerErrantRecordReporter). Built once by WorkerSinkTask at
 * initialize; what the context changes in the task (commit requested, put retry timeout, crash)
 * goes back through the callbacks given here. Offsets the task asks for with `offset()` while the
 * runtime calls into it (a put, a commit's flush/preCommit, a revoked partition's close, open) are
 * held and applied by `rewind` afterwards, so they win over the put's advance and the commit's
 * committed offsets (as Connect's rewind runs at the next poll, after deliverMessages and
 * commitOffsets); at any other time they apply at once. An offset of a partition the task does not
 * own (asked for in start(), or of a partition another member owns) is kept, never recorded as the
 * partition's offset, and applied once the partition is assigned (Connect consults its
 * context.offsets() in the rewind after onPartitionsAssigned). Either way the batches of the
 * partition fetched before the seek are never put.
 */
import type { ErrantRecordReporter, SinkTaskContext } from "../api/connector.ts";
import {
  partitionMapKey as key,
  type SinkRecord,
  type TopicPartition,
  type TopicPartitionOffset,
} from "../api/record.ts";
import type { ConsumedRecord, KafkaConsumer } from "../kafka/kafka-port.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import type { RecordConverters } from "./record-conversion.ts";
import type { SinkOffsets } from "./sink-offsets.ts";
import type { SinkPartitionOwnership } from "./sink-partition-ownership.ts";
import type { TaskMetrics } from "./task-metrics.ts";
import type { ConnectorTaskId } from "./worker-task.ts";

export interface SinkTaskContextOptions {
  readonly id: ConnectorTaskId;
  readonly config: SinkTaskContext["config"];
  readonly providedKeys?: SinkTaskContext["providedKeys"];
  /** The task's logger, named for its class. */
  readonly logger: Logger;
  readonly clock: Clock;
  readonly consumer: () => KafkaConsumer | undefined;
  readonly offsets: SinkOffsets;
  /** The task owns the partition now: an offset asked for it may be applied. */
  readonly owned: (tp: TopicPartition) => boolean;
  /** `context.pause`/`resume`: kept as the task's own pauses, on the consumer unless the connector is paused. */
  readonly pauses: Pick<SinkPartitionOwnership, "pauseByTask" | "resumeByTask">;
  readonly operator: RetryWithToleranceOperator;
  /**
   * Whether the task gets an errantRecordReporter: as Connect's Worker, only when the connector has
   * a dead letter queue topic or errors.log.enable=true; otherwise it is null (undefined here).
   */
  readonly errantRecordReporter: boolean;
  readonly converters: RecordConverters;
  readonly pluginMetrics: TaskMetrics["plugin"];
  /** The consumed record behind a record handed to `put`. */
  readonly origin: (record: SinkRecord) => ConsumedRecord | undefined;
  /** `context.timeout(ms)`: bounds the next wait for records (a failed put's redelivery, or an idle put). */
  readonly setPutRetryTimeout: (ms: number) => void;
  readonly requestCommit: () => void;
  /** Fails the task with this error, unless it failed already (WorkerSinkTask's raise). */
  readonly raise: (error: Error) => void;
}

/** The context as its WorkerSinkTask sees it (Connect's WorkerSinkTaskContext offsets/clearOffsets). */
export interface WorkerSinkTaskContext extends SinkTaskContext {
  /** A put starts: offsets asked for from now on wait for `rewind` (holds nest). */
  holdOffsets(): void;
  /** The task asked for an offset of this partition since `holdOffsets`. */
  rewinds(tp: TopicPartition): boolean;
  /**
   * Connect's rewind, once the outermost hold ends: seeks to each offset asked for of a partition
   * owned now and makes it the partition's current and committed offset; those of partitions not
   * owned wait for their assignment.
   */
  rewind(): void;
  /** Runs a call into the task (a commit, open, close) with its offsets held, then `rewind`s. */
  holding<T>(call: () => Promise<T>): Promise<T>;
}

export function sinkTaskContext(c: SinkTaskContextOptions): WorkerSinkTaskContext {
  let holds = 0;
  const held = new Map<string, TopicPartitionOffset>();
  /** Offsets asked for partitions not owned when they were to apply (Connect's context.offsets()). */
  const requested = new Map<string, TopicPartitionOffset>();
  // Through SinkOffsets, so batches of the partition fetched before the seek are dropped, not put.
  const apply = (o: TopicPartitionOffset) => {
    if (c.owned(o)) c.offsets.seek(o);
    else requested.set(key(o), o);
  };
  const rewind = () => {
    if (holds > 0 && --holds > 0) return;
    if (held.size === 0 && requested.size === 0) return; // every put ends here: nothing to allocate
    // The later request of a partition wins: held ones were asked for after those still requested.
    const offsets = [...new Map([...requested, ...held]).values()];
    requested.clear();
    held.clear();
    for (const o of offsets) apply(o);
  };
  return {
    config: c.config,
    ...(c.providedKeys ? { providedKeys: c.providedKeys } : {}),
    logger: c.logger,
    clock: c.clock,
    connectorName: c.id.connector,
    offset: (offsets) => {
      for (const o of offsets) {
        if (holds > 0) held.set(key(o), o);
        else apply(o);
      }
    },
    holdOffsets: () => {
      holds++;
    },
    rewinds: (tp) => held.has(key(tp)),
    rewind,
    holding: async (call) => {
      holds++;
      try {
        return await call();
      } finally {
        rewind();
      }
    },
    timeout: (ms) => {
      c.setPutRetryTimeout(ms);
    },
    assignment: () => c.consumer()?.assignment() ?? [],
    pause: (partitions) => c.pauses.pauseByTask(partitions),
    resume: (partitions) => c.pauses.resumeByTask(partitions),
    requestCommit: () => {
      c.requestCommit();
    },
    ...(c.errantRecordReporter ? { errantRecordReporter: errantRecordReporter(c) } : {}),
    converters: c.converters,
    pluginMetrics: c.pluginMetrics,
    raiseError: (error) => {
      c.raise(error);
    },
  };
}

/**
 * Connect's WorkerErrantRecordReporter: the original consumed record goes through the error
 * operator (log, DLQ) at stage TASK_PUT; when tolerance is exceeded the task fails.
 */
function errantRecordReporter(c: SinkTaskContextOptions): ErrantRecordReporter {
  return {
    report: async (record, error) => {
      try {
        await c.operator.fail({
          connector: c.id.connector,
          task: c.id.task,
          stage: "TASK_PUT",
          executingClass: "org.apache.kafka.connect.sink.SinkTask",
          consumed: c.origin(record),
          error,
          attempts: 1,
        });
      } catch (fatal) {
        c.raise(fatal as Error);
        throw fatal;
      }
    },
  };
}
