/**
 * How long a producer retries a send on its own before it reports it (KafkaProducer.retryFailure: the source task's
 * Degraded trace, and one WARN): a short run (one NOT_LEADER_OR_FOLLOWER while a leader moves) is not reported.
 */
export const RETRY_GRACE_MS = 5_000;
