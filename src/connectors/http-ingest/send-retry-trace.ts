/**
 * The status trace of a kafka-mode ingest task (ingest.ack.mode=kafka) while Kafka does not take its
 * records: HttpIngestSourceTask.degradedTrace, shown by the herder as the trace of the task's RUNNING
 * status, as the spool's Degraded trace is in spool mode (spool-metrics.ts). Without it such a task
 * read RUNNING without a trace while every request failed (p3ingest). Null once the send goes through.
 */
import { messageOf } from "../../errors.ts";
import { missingTopicsOf, missingTopicText } from "../../kafka/missing-topic.ts";

/** `sendFailure`: the task's send being retried, its last attempt's failure (SourceTaskContext.sendRetryFailure). */
export function sendRetryTrace(sendFailure: unknown): string | null {
  if (sendFailure === undefined) return null;
  const missing = missingTopicsOf(sendFailure);
  const cause = missing ? missingTopicText(missing) : `the last attempt failed: ${messageOf(sendFailure)}`;
  return (
    `Degraded: Kafka does not take the ingest records (${cause}); the send is being retried. ` +
    "Requests are not acknowledged until Kafka takes the records."
  );
}
