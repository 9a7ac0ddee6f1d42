/**
 * deliverBatches: one delivery of a WorkerSinkTask's queued batches to its SinkTask (Connect's
 * deliverMessages followed by rewind). The records go to `put` in slices of at most
 * `maxPutRecords`; then each partition still owned by the same assignment advances past its batch,
 * unless the task asked for an offset of it during the put (`context.offset`): that offset is
 * applied afterwards and wins, as Connect's rewind runs after currentOffsets.putAll. Records of a
 * partition revoked, lost or sought while the batches were converted (in slices), or while an
 * earlier slice was put, are not put: Connect revokes and seeks only between polls, never between a
 * poll and its put, and its next poll returns nothing of such a partition. A failure the task
 * swallowed during a put (its errantRecordReporter beyond errors.tolerance, raiseError) throws
 * before anything advances, as Connect's "Tolerance exceeded in error handler" check after `put`.
 * Called from the sink task's serial executor.
 */
import { partitionMapKey as key, type SinkRecord } from "../api/record.ts";
import type { SinkBatchConverter } from "./sink-batch-converter.ts";
import type { SinkOffsets } from "./sink-offsets.ts";
import type { QueuedBatch, SinkPartitionOwnership } from "./sink-partition-ownership.ts";
import type { SinkPutRetry } from "./sink-put-retry.ts";
import type { WorkerSinkTaskContext } from "./sink-task-context.ts";

export interface SinkDelivery {
  readonly batches: SinkBatchConverter;
  readonly putRetry: SinkPutRetry;
  readonly ownership: SinkPartitionOwnership;
  readonly offsets: SinkOffsets;
  readonly context: WorkerSinkTaskContext;
  readonly maxPutRecords?: number;
  /** Throws the error that fails the task, if one was raised. */
  readonly throwIfFailed: () => void;
}

/** True once delivered; false when the task's stop ended a put's redelivery (nothing advanced). */
export async function deliverBatches(
  d: SinkDelivery,
  taken: readonly Pick<QueuedBatch, "records" | "assignment">[],
  heartbeat: () => Promise<void>,
): Promise<boolean> {
  const converted = await d.batches.convert(
    taken.map((t) => t.records),
    (i) => d.ownership.assignmentOf(key(taken[i]!.records[0]!)) === taken[i]!.assignment,
  );
  const max = d.maxPutRecords ?? Number.POSITIVE_INFINITY;
  const assignments = new Map(taken.map((t) => [key(t.records[0]!), t.assignment]));
  const owned = (record: SinkRecord) => {
    const k = key(d.batches.origin(record)!);
    return d.ownership.assignmentOf(k) === assignments.get(k);
  };
  // The conversion shares the event loop (in slices): a partition revoked, lost or sought meanwhile is not put.
  const stale = taken.some((t) => d.ownership.assignmentOf(key(t.records[0]!)) !== t.assignment);
  const sinkRecords = stale ? converted.filter(owned) : converted;
  // Read and not yet committed from here on: sampled once a delivery, before the put, as Connect's
  // sink-record-active-count after convertMessages (a put that blocks or retries holds them active).
  const reading = new Map<string, number>();
  for (const { records, assignment } of taken)
    if (d.ownership.assignmentOf(key(records[0]!)) === assignment)
      reading.set(key(records[0]!), records.at(-1)!.offset + 1);
  d.offsets.recordActive(reading);
  d.context.holdOffsets();
  try {
    // Every slice in turn (an empty batch too, as Connect calls put with one). A partition lost or
    // revoked during a slice's put has nothing more put: Connect's next poll, which runs the
    // rebalance callback, returns no record of it.
    // Checked per partition between slices (not per record: a batch holds many slices of 500).
    const gone = new Set<string>();
    const newlyGone = () => {
      let found = false;
      for (const [k, assignment] of assignments) {
        if (gone.has(k) || d.ownership.assignmentOf(k) === assignment) continue;
        gone.add(k);
        found = true;
      }
      return found;
    };
    let rest = sinkRecords;
    for (let at = 0; at === 0 || at < rest.length; at += max) {
      if (at > 0 && newlyGone()) {
        rest = rest.slice(at).filter(owned);
        at = 0;
        if (rest.length === 0) break;
      }
      if (!(await d.putRetry.put(rest.slice(at, at + max), heartbeat, owned))) return false;
      d.throwIfFailed();
    }
    for (const { records, assignment } of taken) {
      const last = records.at(-1);
      // A partition lost or revoked during the put is not this task's to commit any more.
      if (last && d.ownership.assignmentOf(key(last)) === assignment && !d.context.rewinds(last))
        d.offsets.advance({ topic: last.topic, partition: last.partition, offset: last.offset + 1 });
    }
    return true;
  } finally {
    d.context.rewind();
  }
}
