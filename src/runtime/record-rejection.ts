/**
 * A record Kafka refused for good when sent alone (SourceTaskSender's last resort): either a
 * RecordRejection the SourceTask takes as that record's failure (`SourceTask.rejectsRecords`, the
 * gateway's extension: an ingest request is answered with it, the task goes on), or Connect's
 * KAFKA_PRODUCE path through the error operator (AbstractWorkerSourceTask's send callback: the
 * task fails, or with errors.tolerance=all the failure is reported and the record skipped). For a
 * task that `rejectsRecords`, errors.tolerance never skips a send failure that is not a per-record
 * refusal (a removed topic ACL, any other producer-level error): the task fails and the record
 * stays unacknowledged (an ingest spool keeps its row; a request answers 5xx, not "dropped").
 * Such a task also gets a record that failed a transformation or converter under
 * errors.tolerance=none as a rejection (`conversionRejectionOf`), rather than failing, and one
 * errors.tolerance=all skipped after such a failure as a rejection marked `skipped` (`skipRejectionOf`).
 * Also hands the rejections to the SourceTask with the acknowledgement of their poll batch
 * (`commitSourceRecords`), in poll order. Nothing here runs for a batch without a rejection beyond
 * one size check.
 */
import type { RecordMetadata, RecordRejection, SourceTask } from "../api/connector.ts";
import type { SourceRecord } from "../api/record.ts";
import { isRetriable } from "../errors.ts";
import { kafkaErrorOf } from "../kafka/send-rejection.ts";
import type { Logger } from "../util/logger.ts";
import type { ProcessingContext } from "./errors/processing-context.ts";
import { type RetryWithToleranceOperator, ToleranceExceededError } from "./errors/retry-with-tolerance.ts";
import { TOLERATES_ANY_ERROR } from "./errors/stage.ts";
import { logFailedSend } from "./send-callback-failure.ts";
import type { Outgoing } from "./source-task-sender.ts";
import type { ConnectorTaskId } from "./worker-task.ts";

/**
 * Kafka's errors that refuse one record for its own content, whatever is sent around it, and that
 * a retry cannot cure: the timestamp outside the topic's message.timestamp.*.max.ms, a record the
 * broker finds invalid (a null key on a compacted topic; KIP-467's per-record errors), a record
 * or batch larger than the topic's max.message.bytes, a partition the topic does not have (the
 * producer's refusal once it asked the cluster again), a topic Kafka refuses as a name (a
 * transformation such as RegexRouter made it: validation refuses it in the connector's own topic
 * keys). (CORRUPT_MESSAGE is retriable in Kafka and stays so: the producer sends it again.) Only a
 * task that `rejectsRecords` reads these: for any other, a send failure goes through Connect's
 * KAFKA_PRODUCE path (KIP-779: the task fails under errors.tolerance=none, the record is skipped
 * under all), an InvalidTopicException as any other producer error.
 */
export const RECORD_REJECTIONS: ReadonlySet<string> = new Set([
  "INVALID_TIMESTAMP",
  "INVALID_RECORD",
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  // The producer's own: a partition the topic lacks by the cluster's fresh answer (kafka/invalid-partition.ts).
  "INVALID_PARTITION",
  "INVALID_TOPIC_EXCEPTION",
]);

/** The rejection of a send that failed with `error`, when that is a per-record refusal. */
export function recordRejectionOf(error: unknown): RecordRejection | undefined {
  const kafkaError = kafkaErrorOf(error);
  if (kafkaError === undefined || !RECORD_REJECTIONS.has(kafkaError)) return undefined;
  return { error: kafkaError, message: (error as Error)?.message ?? String(error) };
}

export interface RecordFailureContext {
  readonly id: ConnectorTaskId;
  /** The task's logger (its context on every line). */
  readonly log: Logger;
  readonly operator: RetryWithToleranceOperator;
  /** The SourceTask takes per-record refusals as the record's failure (`SourceTask.rejectsRecords`). */
  readonly rejectsRecords: boolean;
  /** Where a record's rejection waits for its batch's acknowledgement (commitSourceRecords). */
  readonly rejections: Map<SourceRecord, RecordRejection>;
}

/**
 * `outgoing` failed with `error` when sent alone. Resolves when it counts as handled (rejected, or
 * skipped by errors.tolerance=all: its metadata is null); rejects when the task must fail. As
 * Connect's send callback, a failure not handed to the SourceTask as a rejection is logged as an
 * ERROR, and only errors.tolerance=all reports it to the error operator (errors.log, the error
 * metrics): under none Connect's callback keeps the exception for the task loop, reporting nothing.
 */
export async function recordFailedAlone(c: RecordFailureContext, outgoing: Outgoing, error: unknown): Promise<void> {
  const { record, produced } = outgoing;
  const rejection = c.rejectsRecords ? recordRejectionOf(error) : undefined;
  if (rejection) {
    c.rejections.set(record, rejection);
    return;
  }
  logFailedSend(c.log, c.id, produced.topic, error);
  if (!c.operator.toleratesAll) throw error;
  // Skipping would acknowledge a record Kafka never had for a reason that is not its own (a task
  // that rejects records deletes a spooled row for it): for such a task the failure is not tolerable.
  await c.operator.fail(
    {
      ...c.id,
      stage: "KAFKA_PRODUCE",
      // Connect's send callback names the task class, not the producer's (WorkerSourceTask.class).
      executingClass: "org.apache.kafka.connect.runtime.WorkerSourceTask",
      error,
      attempts: 1,
      source: record,
    },
    !c.rejectsRecords,
  );
}

/**
 * The rejection of a record that failed a transformation or converter (the error operator's
 * ToleranceExceededError under errors.tolerance=none): the stage as its error, the stage, the
 * class and the cause in its message. Undefined for any other error.
 */
export function conversionRejectionOf(error: unknown): RecordRejection | undefined {
  if (!(error instanceof ToleranceExceededError) || error.stage === undefined) return undefined;
  if (!TOLERATES_ANY_ERROR.has(error.stage)) return undefined;
  // A retriable failure whose retries ran out is no verdict on the record: the task fails, as Connect's.
  if (isRetriable(error.cause)) return undefined;
  return {
    error: error.stage,
    message: stageFailure(error.stage, error.executingClass, error.cause),
    stage: error.stage,
  };
}

/**
 * The rejection, marked `skipped`, of a record errors.tolerance=all skipped after a transformation
 * or converter failed on it (`failure`: the operator's `lastSkipped`); undefined for any other stage.
 */
export function skipRejectionOf(failure: ProcessingContext | undefined): RecordRejection | undefined {
  if (failure === undefined || !TOLERATES_ANY_ERROR.has(failure.stage)) return undefined;
  const message = stageFailure(failure.stage, failure.executingClass, failure.error);
  return { error: failure.stage, message, stage: failure.stage, skipped: true };
}

function stageFailure(stage: string, executingClass: string | undefined, cause: unknown): string {
  return `${stage} failed in ${executingClass ?? "an unknown class"}: ${cause instanceof Error ? cause.message : String(cause)}`;
}

/** A poll batch's records with their rejections taken out of `pending`, by index; undefined when none. */
function takeRejections(
  records: readonly SourceRecord[],
  positions: Int32Array,
  metadata: readonly (RecordMetadata | null)[],
  pending: Map<SourceRecord, RecordRejection>,
): Map<number, RecordRejection> | undefined {
  let out: Map<number, RecordRejection> | undefined;
  for (let i = 0; i < records.length; i++) {
    const at = positions[i]!;
    if (at >= 0 && metadata[at] != null) continue; // -1: not sent, maybe for a failed conversion
    const rejection = pending.get(records[i]!);
    if (rejection === undefined) continue;
    pending.delete(records[i]!);
    out ??= new Map();
    out.set(i, rejection);
  }
  return out;
}

/**
 * Acknowledges records of one poll batch to the SourceTask, in poll order; `metadata` is per sent
 * record (`positions[i]`: record i's index there, -1 when dropped). Rejected records get their
 * rejection as the third argument. A throw is logged: `commitRecords`' once, `commitRecord`'s per record.
 *
 * `whole`: the batch is acknowledged as a whole, so `commitRecords` takes it once when the task has
 * it (else `commitRecord` per record). Not whole (a batch given up at a stop or after a failure:
 * some of its records were not written): `commitRecord` only, per record, as Connect's producer
 * callback does; never `commitRecords`, which promises a whole acknowledged batch (a task such as
 * the HTTP source takes it as "the poll's records are all in Kafka" and would save its source
 * offset past the unwritten ones). A task without `commitRecord` then hears nothing of them.
 */
export async function commitSourceRecords(
  task: SourceTask,
  records: readonly SourceRecord[],
  positions: Int32Array,
  metadata: readonly (RecordMetadata | null)[],
  pending: Map<SourceRecord, RecordRejection>,
  log: Logger,
  whole: boolean,
): Promise<void> {
  const batch = whole ? task.commitRecords : undefined;
  const rejections = pending.size > 0 ? takeRejections(records, positions, metadata, pending) : undefined;
  if (!batch) return commitEach(task, records, positions, metadata, rejections, log);
  try {
    const all: (RecordMetadata | null)[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) all[i] = positions[i]! >= 0 ? (metadata[positions[i]!] ?? null) : null;
    await (rejections ? batch.call(task, records, all, rejections) : batch.call(task, records, all));
  } catch (error) {
    log.error("Exception thrown while calling task.commitRecords()", error);
  }
}

/**
 * `commitRecord` per record, in order (metadata and rejections as in commitSourceRecords). As Connect's
 * commitTaskRecord, a throw (or a rejected promise) is logged and the next record is still told.
 */
async function commitEach(
  task: SourceTask,
  records: readonly SourceRecord[],
  positions: Int32Array,
  metadata: readonly (RecordMetadata | null)[],
  rejections: ReadonlyMap<number, RecordRejection> | undefined,
  log: Logger,
): Promise<void> {
  if (!task.commitRecord) return;
  for (let i = 0; i < records.length; i++) {
    const meta = positions[i]! >= 0 ? (metadata[positions[i]!] ?? null) : null;
    const rejection = rejections?.get(i);
    try {
      const done = rejection ? task.commitRecord(records[i]!, meta, rejection) : task.commitRecord(records[i]!, meta);
      if (done instanceof Promise) await done;
    } catch (error) {
      log.error("Exception thrown while calling task.commitRecord()", error);
    }
  }
}
