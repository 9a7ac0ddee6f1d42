/**
 * The cold ends of a WorkerSourceTask, kept apart from its per-record loop: the options it is built
 * from, the SourceTaskSender it sends through, the SourceTask's initialize and start (Connect's
 * WorkerSourceTask.initializeAndStart) and, on stop, the SourceTask's stop, its `afterStop` once the
 * batches in flight are settled, and the closing of what the task holds; and for a SourceTask that
 * `rejectsRecords`, the verdict on a record its conversion failed on (the error operator's path:
 * `convertWithOperator`) and the report of a poll batch (or its records) given up before it was sent
 * (`notSent`). Used by WorkerSourceTask.
 */
import type { OffsetStorageReader, RecordRejection, SendRetry, SourceTask } from "../api/connector.ts";
import type { SourceRecord } from "../api/record.ts";
import type { KafkaProducer, ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import type { OffsetStore } from "../store/offset-store.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { DirectFailure } from "./errors/stage.ts";
import { toProducerRecord } from "./record-conversion.ts";
import { commitSourceRecords, conversionRejectionOf, skipRejectionOf } from "./record-rejection.ts";
import type { NotSent } from "./send-coalescer.ts";
import { type Outgoing, SourceTaskSender, type SourceTaskSenderOptions } from "./source-task-sender.ts";
import type { TopicCreator } from "./topic-creation.ts";
import type { WorkerTaskOptions } from "./worker-task.ts";

/** One poll's records on their way to Kafka (WorkerSourceTask's batch in flight). */
export interface PollBatch {
  readonly records: readonly SourceRecord[];
  /** For each polled record, its index in `outgoing`, or -1 when it was dropped or skipped. */
  readonly positions: Int32Array;
  readonly outgoing: readonly Outgoing[];
}

export interface WorkerSourceTaskOptions extends WorkerTaskOptions {
  readonly task: SourceTask;
  readonly producer: () => Promise<KafkaProducer>;
  readonly offsets: OffsetStore;
  /** The producer's max.request.size: no single send is larger. */
  readonly maxRequestBytes: number;
  /** Poll batches sent and not yet acknowledged, at most (default 5). */
  readonly maxInFlightBatches?: number;
  /** Bytes sent and not yet acknowledged, at most (default 32 MiB, the producer's buffer.memory). */
  readonly maxInFlightBytes?: number;
  /** Creates a topic before its first record is sent (topic.creation.*); absent when unused. */
  readonly topicCreator?: TopicCreator;
  /**
   * The task promises poll order per partition (SourceConnectorDescriptor's `keepsOrder`): on a
   * producer that is not idempotent, one request in flight (default false).
   */
  readonly keepOrder?: boolean;
}

/** The task's way to Kafka: its producer, request limits and order promise. */
export function sourceTaskSender(
  o: WorkerSourceTaskOptions,
  log: Logger,
  stopSignal: () => AbortSignal,
  handOut?: SourceTaskSenderOptions["handOut"],
): SourceTaskSender {
  return new SourceTaskSender({
    id: o.id,
    clock: o.clock,
    log,
    operator: o.operator,
    producer: o.producer,
    keepOrder: o.keepOrder ?? false,
    topicCreator: o.topicCreator,
    stopSignal,
    maxRequestBytes: o.maxRequestBytes,
    maxInFlightBatches: o.maxInFlightBatches ?? 5,
    maxInFlightBytes: o.maxInFlightBytes ?? 33_554_432,
    rejectsRecords: o.task.rejectsRecords === true,
    withdrawsFromProducer: o.task.withdrawsUnsent === true,
    ...(handOut ? { handOut } : {}),
  });
}

/** Connect's WorkerSourceTask.initializeAndStart: the SourceTask gets its context, then starts. */
export async function initializeAndStartSourceTask(
  o: WorkerSourceTaskOptions,
  log: Logger,
  clock: Clock,
  sendRetry: () => SendRetry | undefined,
  holdUnwrittenSend: () => boolean,
  withdrawUnsent: (records: readonly SourceRecord[]) => ReadonlySet<SourceRecord>,
): Promise<void> {
  const reader: OffsetStorageReader = {
    offset: async (partition) => o.offsets.get(o.id.connector, partition),
  };
  o.task.initialize({
    config: o.config,
    ...(o.providedKeys ? { providedKeys: o.providedKeys } : {}),
    offsetStorageReader: reader,
    logger: log.named(o.taskClass),
    clock,
    connectorName: o.id.connector,
    pluginMetrics: o.metrics.plugin,
    sendRetry,
    holdUnwrittenSend,
    withdrawUnsent,
  });
  await o.task.start(o.config);
}

/** SourceTask.stop(); a failure is logged, the task's stop goes on. */
export async function stopSourceTask(task: SourceTask, log: Logger): Promise<void> {
  try {
    await task.stop();
  } catch (error) {
    log.warn("SourceTask.stop() failed", error);
  }
}

/**
 * SourceTask.afterStop(), once the batches in flight at the stop are settled and acknowledged; a
 * failure is logged, the task's close goes on.
 */
export async function sourceTaskStopped(task: SourceTask, log: Logger): Promise<void> {
  try {
    await task.afterStop?.();
  } catch (error) {
    log.warn("SourceTask.afterStop() failed", error);
  }
}

/** Closes what the task holds besides the SourceTask, once its batches are settled and committed. */
export async function closeSourceTaskResources(
  o: WorkerSourceTaskOptions,
  sender: SourceTaskSender,
  log: Logger,
): Promise<void> {
  o.transformations.close();
  await o.operator.close();
  await sender.close();
  await o.topicCreator?.close().catch((error) => log.warn("Could not close the topic admin", error));
}

/**
 * The rejection of a record a transformation or converter failed on, for a SourceTask that
 * `rejectsRecords`; none when the failure was retriable (conversionRejectionOf: its retries ran out
 * or a stop cut them short, so it may well convert later and must not be refused for good). A
 * failure that is not retriable is the record's own, stop or not: the rest of its poll is still sent.
 */
function conversionRejection(task: SourceTask, error: unknown): RecordRejection | undefined {
  return task.rejectsRecords === true ? conversionRejectionOf(error) : undefined;
}

/**
 * The error operator's path for a record whose direct conversion failed; undefined when the record
 * is not sent. A SourceTask that `rejectsRecords` gets a failure the operator does not tolerate as
 * the record's rejection (with its batch's acknowledgement, via `rejections`) instead of the task
 * failing: one bad record must not stop the rest. Such a task also gets a record errors.tolerance=all
 * skipped as a rejection marked `skipped` (a transformation returning null dropped the record on
 * purpose: no rejection, as for any task). Other tasks see Connect's behaviour. The operator path
 * resumes where the direct path failed (`direct`; `transformedDirect`: the record it had transformed
 * when a converter failed), so no stage runs again.
 */
export async function convertWithOperator(
  o: WorkerSourceTaskOptions,
  rejections: Map<SourceRecord, RecordRejection>,
  record: SourceRecord,
  direct?: DirectFailure,
  transformedDirect?: SourceRecord,
): Promise<ProducerRecord | undefined> {
  const operator = o.operator;
  try {
    // A converter failed on the direct path (`transformedDirect`): the transformations ran there, once.
    const transformed =
      transformedDirect ?? (await o.transformations.apply(record, operator, { source: record }, direct));
    const produced = transformed
      ? await toProducerRecord(transformed, o.converters, operator, record, direct)
      : undefined;
    // undefined (not null) from either: errors.tolerance=all skipped the record after a failure.
    if (produced === undefined && transformed !== null && o.task.rejectsRecords === true) {
      const skipped = skipRejectionOf(operator.lastSkipped);
      if (skipped) rejections.set(record, skipped);
    }
    return produced;
  } catch (error) {
    const rejection = conversionRejection(o.task, error);
    if (!rejection) throw error;
    rejections.set(record, rejection);
    return undefined;
  } finally {
    operator.lastSkipped = undefined;
  }
}

/**
 * A poll batch was given up before any of it reached the producer (its conversion threw, or a stop
 * cut the wait for room short: the task fails, or stops), its first `converted` records converted
 * (`positions` as in PollBatch for those; set to -1 for the rest). A record a transformation dropped before is committed with null
 * metadata (Connect's commitTaskRecord(record, null), at once, whatever becomes of its batch); the
 * SourceTask learns that the others were not written (`notSent`), with the rejections of its records
 * taken out of `pending`, the topic each was to be written to and `failure` (the task's failure, when
 * it failed meanwhile: a topic the broker refused makes the records bound for it denied); then
 * `error` is thrown on.
 */
export async function recordsNotSent(
  o: WorkerSourceTaskOptions,
  sender: SourceTaskSender,
  batch: PollBatch,
  converted: number,
  error: unknown,
  log: Logger,
  failure?: unknown,
): Promise<never> {
  const { records, positions } = batch;
  positions.fill(-1, converted); // not converted: no place in `outgoing`
  const pending = sender.rejections;
  await tellGivenUp(
    o,
    sender,
    batch,
    (i) => (i < converted && positions[i]! < 0 && !pending.has(records[i]!) ? "dropped" : "notSent"),
    log,
    failure,
  );
  throw error;
}

/**
 * A poll batch given up at a stop or after a failure (SendCoalescer's NotSent) whose records from outgoing index
 * `from` on, but those listed `written`, certainly never reached Kafka: a record a transformation dropped
 * (`positions` at -1, no rejection pending) is committed with null metadata, as Connect does when it drops it; a
 * record Kafka wrote all the same (`written`: acknowledged in a request another partition of which was refused) is
 * committed with its metadata, as Connect's producer callback commits each record it acknowledges, and so is one Kafka
 * refused for good (`refused`: skipped by errors.tolerance=all, or rejected), with null metadata (and its
 * rejection), as that callback commits it under errors.tolerance=all (their offsets are staged only while no record of
 * their source partition before them is left unwritten: SourceAcknowledgements); the SourceTask learns that the other
 * records from `from` on and those refused before sending were not written (`notSent`, with the topic each was to be
 * written to and `failure`: the error the batch failed with, when it did). The others may have been: it hears nothing
 * of them.
 */
export async function batchNotSent(
  o: WorkerSourceTaskOptions,
  sender: SourceTaskSender,
  batch: PollBatch,
  notSent: NotSent,
  log: Logger,
  failure?: unknown,
  handed?: Uint8Array,
): Promise<void> {
  await tellGivenUp(o, sender, batch, givenUpFate(batch, notSent, sender.rejections, handed), log, failure);
}

/**
 * What became of a given-up batch's record: dropped (nothing to write), refused by Kafka for good (skipped by
 * errors.tolerance=all, or rejected for a task that `rejectsRecords`), not sent, written (its metadata), written and
 * committed before the batch settled (`handedOut`: SourceTask.commitsAnyOrder), or not known.
 */
export type GivenUpFate = "dropped" | "refused" | "notSent" | "handedOut" | ProducedMetadata | undefined;

/**
 * The fate of each record of `batch`, given up as `notSent` (undefined: each sent record may have been written, or
 * the batch was rejected), a record dropped with a rejection pending in `pending` counting as not sent.
 */
export function givenUpFate(
  batch: PollBatch,
  notSent: NotSent | undefined,
  pending: ReadonlyMap<SourceRecord, unknown>,
  handed?: Uint8Array,
): (i: number) => GivenUpFate {
  const { records, positions } = batch;
  return (i) => {
    const at = positions[i]!;
    if (at < 0) return pending.has(records[i]!) ? "notSent" : "dropped";
    // Written and committed already, before the batch settled (SendCoalescer's handOut): never told again.
    if (handed?.[at] === 1) return "handedOut";
    if (!notSent) return undefined;
    if (notSent.refused?.has(at)) return "refused";
    const metadata = notSent.written?.get(at);
    if (metadata) return metadata;
    return at >= notSent.from ? "notSent" : undefined;
  };
}

/**
 * Whether a given-up record has nothing left to write: known written, dropped, or refused for good, skipped or
 * rejected (Connect acknowledges it in its producer callback under errors.tolerance=all, KIP-779). Its source offset
 * may be staged, as Connect's SubmittedRecords commits the acknowledged prefix of each source partition; a record not
 * written, or perhaps written, ends its partition's prefix.
 */
export function nothingLeftToWrite(fate: GivenUpFate): boolean {
  return fate !== undefined && fate !== "notSent";
}

/**
 * Commits the records of a given-up batch `fate` says were dropped or refused with null metadata (a record a
 * transformation dropped, or errors.tolerance=all skipped for a task that does not reject records: no rejection is
 * pending for it; one Kafka refused for good, skipped, or with its rejection pending, as Connect's producer callback
 * commits it under errors.tolerance=all) and those it gives the metadata of (written: their topics become the
 * connector's active topics), then tells the SourceTask those it says were not sent.
 */
async function tellGivenUp(
  o: WorkerSourceTaskOptions,
  sender: SourceTaskSender,
  batch: PollBatch,
  fate: (i: number) => GivenUpFate,
  log: Logger,
  failure?: unknown,
): Promise<void> {
  const { records } = batch;
  const committed: SourceRecord[] = [];
  const metadata: (ProducedMetadata | null)[] = [];
  const unsent: number[] = [];
  for (let i = 0; i < records.length; i++) {
    const f = fate(i);
    if (f === "notSent") unsent.push(i);
    else if (f !== undefined && f !== "handedOut") {
      committed.push(records[i]!);
      metadata.push(f === "dropped" || f === "refused" ? null : f);
    }
  }
  if (committed.length > 0) {
    // Connect's producer callback records the topic of each record it acknowledged (recordActiveTopic), whatever
    // becomes of its batch; it counts source-record-write only once every record of the batch is done, never here.
    for (const m of metadata) if (m) o.activeTopics.record(m.topic);
    const positions = Int32Array.from(metadata, (m, i) => (m ? i : -1));
    await commitSourceRecords(o.task, committed, positions, metadata, sender.rejections, log, false);
  }
  if (unsent.length > 0) await tellNotSent(o, sender, batch, unsent, log, failure);
}

/**
 * The topic the record at `i` of `batch` was to be written to: its ProducerRecord's (a transformation may have
 * changed it, e.g. RegexRouter), or, with no transformation to run, its own; undefined when a transformation chain
 * ran on it and its conversion did not finish (where it would have gone is not known).
 */
function destinationTopic(o: WorkerSourceTaskOptions, batch: PollBatch, i: number): string | undefined {
  const at = batch.positions[i]!;
  if (at >= 0 && at < batch.outgoing.length) return batch.outgoing[at]!.produced.topic;
  return o.transformations.isEmpty ? batch.records[i]!.topic : undefined;
}

/**
 * SourceTask.notSent with the records at `unsent` of `batch`, the rejections of its records taken out of `pending` and
 * the topic each was to be written to; a failure is logged.
 */
async function tellNotSent(
  o: WorkerSourceTaskOptions,
  sender: SourceTaskSender,
  batch: PollBatch,
  unsent: readonly number[],
  log: Logger,
  failure?: unknown,
): Promise<void> {
  const pending = sender.rejections;
  const records = unsent.map((i) => batch.records[i]!);
  const topics = unsent.map((i) => destinationTopic(o, batch, i));
  let rejections: Map<number, RecordRejection> | undefined;
  for (let i = 0; i < records.length; i++) {
    const rejection = pending.get(records[i]!);
    if (rejection === undefined) continue;
    pending.delete(records[i]!);
    rejections ??= new Map();
    rejections.set(i, rejection);
  }
  try {
    await o.task.notSent?.(records, rejections, failure, topics);
  } catch (notSentError) {
    log.warn("SourceTask.notSent() failed", notSentError);
  }
}
