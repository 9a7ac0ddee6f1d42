/**
 * The connector keys of a task that tolerates every error, logs it and writes each failed record to the dead letter
 * queue topic `dlq` (replication factor 1, the single test broker) with the context headers: the DLQ setup tests of
 * secrets in DLQ headers and of the data path share.
 */
export function deadLetterKeys(dlq: string): Record<string, string> {
  return {
    "errors.tolerance": "all",
    "errors.log.enable": "true",
    "errors.deadletterqueue.topic.name": dlq,
    "errors.deadletterqueue.topic.replication.factor": "1",
    "errors.deadletterqueue.context.headers.enable": "true",
  };
}
