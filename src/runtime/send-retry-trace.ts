/**
 * The status trace of a source task while Kafka does not take its records (a send being retried, by
 * the sender or by the producer itself: the sender's sendRetry, which says which), shown by the herder as the trace of the task's RUNNING status.
 * WorkerSourceTask.degradedTrace gives it for a task that has no trace of its own (FileStream
 * source: p3ingest round b), the HTTP source when its API is not being retried; a kafka-mode ingest task words it for its requests
 * (HttpIngestSourceTask.degradedTrace), as the spool's Degraded trace is in spool mode
 * (spool-metrics.ts). Without it such a task read RUNNING without a trace while nothing reached
 * Kafka (p3ingest). A send held before its producer (its connection, its topics) ends with how it waits (SendRetry.waits). A produce request a broker has not answered yet (the default client's, unanswered-request.ts)
 * names the broker and how long (explore31 F2). Null once the send goes through. The herder redacts it as a FAILED trace.
 */
import type { SendRetry } from "../api/connector.ts";
import { messageOf } from "../errors.ts";
import { missingTopicsOf, missingTopicText } from "../kafka/missing-topic.ts";
import { unansweredRequestOf, unansweredText } from "../kafka/unanswered-request.ts";

/** What a trace says of the task's records, and how the send is retried and what waits meanwhile, by who retries it. */
export interface SendRetryWording {
  readonly records: string;
  /** Retried by the runtime after the send failed (SendRetry.byProducer false). */
  readonly byTask: string;
  /** Retried by the producer on its own. */
  readonly byProducer: string;
  /** A produce request not answered yet (not retried before request.timeout.ms). */
  readonly unanswered: string;
  /** Said after a held send's own ending (SendRetry.waits), if anything. */
  readonly held?: string;
}

/**
 * A source task's: WorkerSourceTask polls it no more while it retries a send, but still does while the producer
 * retries (until max.in.flight requests wait).
 */
export const SOURCE_TASK_WORDING: SendRetryWording = {
  records: "the task's records",
  byTask: "the send is being retried. No more records are polled from the task until Kafka takes them.",
  byProducer: "the producer retries it until delivery.timeout.ms.",
  unanswered: "the producer retries it once request.timeout.ms has passed, until delivery.timeout.ms.",
};

/** `retry`: the task's send being retried (SourceTaskContext.sendRetry). */
export function sendRetryTrace(
  retry: SendRetry | undefined,
  wording: SendRetryWording = SOURCE_TASK_WORDING,
): string | null {
  if (retry === undefined) return null;
  const unanswered = unansweredRequestOf(retry.failure);
  if (unanswered)
    return `Degraded: ${unansweredText(unanswered, `a produce request of ${wording.records}`)}; ${wording.unanswered}`;
  const missing = missingTopicsOf(retry.failure);
  const cause = missing ? missingTopicText(missing) : `the last attempt failed: ${messageOf(retry.failure)}`;
  const ending =
    retry.waits !== undefined
      ? `${retry.waits}.${wording.held === undefined ? "" : ` ${wording.held}`}`
      : retry.byProducer
        ? wording.byProducer
        : wording.byTask;
  return `Degraded: Kafka does not take ${wording.records} (${cause}); ${ending}`;
}
