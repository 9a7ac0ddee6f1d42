/**
 * PipelineSettings: what a ProducePipeline is made with, built by producer-connection.ts (connectPlatformaticProducer)
 * from the producer's resolved options (the defaults named here are applied where each is read). Read by
 * ProducePipeline and BatchSettlement; tests build them with produce-pipeline-test-support.ts's `settings`.
 */
export interface PipelineSettings {
  readonly idempotent: boolean;
  /** Requests on the wire per broker, at most. */
  readonly maxInFlight: number;
  readonly maxRequestBytes: number;
  /** batch.size: the most bytes of a piece when a batch too large for the broker is split (default 16384). */
  readonly batchBytes?: number;
  /** Bytes on the wire at once, over all brokers (buffer.memory); one larger request goes alone. */
  readonly maxInFlightBytes?: number;
  readonly deliveryTimeoutMs: number;
  /** request.timeout.ms, as a request not answered yet names it (default 30000). */
  readonly requestTimeoutMs?: number;
  readonly retries: number;
  readonly retryBackoffMs: number;
  /**
   * retry.backoff.max.ms: how long the waits that start at retry.backoff.ms grow, at most (default 1000): a batch's
   * before each of its retries (BatchSettlement) and the one between leader refreshes (PartitionLeaders).
   */
  readonly retryBackoffMaxMs?: number;
  /** The jitter's source of those waits (tests pass a constant). */
  readonly random?: () => number;
  /** metadata.max.age.ms: a topic's partitions and leaders asked again once older (default 5 min). */
  readonly metadataMaxAgeMs?: number;
  /** metadata.max.idle.ms: a topic not sent to this long is forgotten (PartitionLeaders; default 5 min). */
  readonly metadataMaxIdleMs?: number;
  /**
   * partitioner.availability.timeout.ms: a broker that took no batch this long is left out of keyless placement
   * (0: off).
   */
  readonly availabilityTimeoutMs?: number;
  /** A refused batch fails its partition's later batches not written yet too (NotSentError; see refuse). */
  readonly keepOrderAfterRefusal?: boolean;
  /** Builds the error a batch fails with (the adapter's error vocabulary). */
  readonly error: (message: string, retriable: boolean, cause?: unknown) => Error;
  /** Told about a batch that goes again (a warning for the log, as Java's Sender writes one). */
  readonly onRetry?: (message: string) => void;
}
