/**
 * How full an IngestQueue may get: records held before Kafka acknowledges them (queued, or sent and
 * awaiting their acknowledgement) are bounded by count (ingest.queue.max.records) and by their size
 * (ingest.queue.max.bytes: IngestRecord.bytes, key and value as received plus the request header
 * values each record repeats). The producer's buffer.memory bounds only what a task has
 * handed to Kafka; without a byte bound, concurrent requests of large records while Kafka is slow
 * would hold up to ingest.max.concurrent.requests × ingest.max.body.bytes (1 GiB by default). A
 * request that would overfill the queue gets 503 with Retry-After (nothing of it was written); a
 * request alone in the queue is always taken, whatever its size.
 */

export interface QueueLimits {
  readonly maxQueued: number;
  /** Default: no byte limit. */
  readonly maxQueuedBytes?: number;
}

/** The size of `records` (IngestRecord.bytes). */
export function recordsBytes(records: readonly { readonly bytes: number }[]): number {
  let bytes = 0;
  for (let i = 0; i < records.length; i++) bytes += records[i]!.bytes;
  return bytes;
}

/**
 * The 503's message when `records` may not join a queue holding `pending` records of `heldBytes`
 * bytes, or undefined when they may.
 */
export function queueFull(
  pending: number,
  heldBytes: number,
  records: readonly { readonly bytes: number }[],
  limits: QueueLimits,
): string | undefined {
  if (pending === 0) return undefined;
  let held: string | undefined;
  if (pending + records.length > limits.maxQueued) held = `${pending} records`;
  const max = limits.maxQueuedBytes;
  if (!held && max !== undefined && heldBytes + recordsBytes(records) > max)
    held = `${heldBytes} bytes of records, ingest.queue.max.bytes=${max}`;
  return held && `The ingest queue is full (${held} awaiting Kafka); retry later`;
}
