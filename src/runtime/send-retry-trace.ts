/**
 * The status trace of a source task while Kafka does not take its records (a send being retried, by
 * the sender or by the producer itself: the sender's retryFailure), shown by the herder as the trace of the task's RUNNING status.
 * WorkerSourceTask.degradedTrace gives it for a task that has no trace of its own (FileStream
 * source: p3ingest round b), the HTTP source when its API is not being retried; a kafka-mode ingest task words it for its requests
 * (HttpIngestSourceTask.degradedTrace), as the spool's Degraded trace is in spool mode
 * (spool-metrics.ts). Without it such a task read RUNNING without a trace while nothing reached
 * Kafka (p3ingest). Null once the send goes through. The herder redacts it as a FAILED trace.
 */
import { messageOf } from "../errors.ts";
import { missingTopicsOf, missingTopicText } from "../kafka/missing-topic.ts";

/** What a trace says of the task's records and of what waits meanwhile. */
export interface SendRetryWording {
  readonly records: string;
  readonly meanwhile: string;
}

/** A source task's: WorkerSourceTask polls it no more while a send is retried. */
export const SOURCE_TASK_WORDING: SendRetryWording = {
  records: "the task's records",
  meanwhile: "No more records are polled from the task until Kafka takes them.",
};

/** `sendFailure`: the task's send being retried, its last attempt's failure (SourceTaskContext.sendRetryFailure). */
export function sendRetryTrace(sendFailure: unknown, wording: SendRetryWording = SOURCE_TASK_WORDING): string | null {
  if (sendFailure === undefined) return null;
  const missing = missingTopicsOf(sendFailure);
  const cause = missing ? missingTopicText(missing) : `the last attempt failed: ${messageOf(sendFailure)}`;
  return `Degraded: Kafka does not take ${wording.records} (${cause}); the send is being retried. ${wording.meanwhile}`;
}
