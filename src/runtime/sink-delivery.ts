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
 *
 * A partition the task paused itself (`context.pause`, as the HTTP sink's sink.requests.max-buffered)
 * before the delivery, or during the put of one of its slices and not resumed before the next, has
 * nothing more put: Connect puts one poll at a time and its next poll returns nothing of a paused
 * partition, so it overshoots by one put at most, and here by one slice. The partition is rewound
 * to its first record not put (SinkOffsets.resumeAt: the offset the next commit commits, and the
 * consumer's position), so those records come again, once, when the task resumes it. Checked per partition
 * between slices, only when the task paused something since the last check.
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
  // Partitions that have nothing more put: lost, revoked or sought (gone), or paused by the task.
  const gone = new Set<string>();
  let pauses = -1; // the first check takes in what the task paused before
  /**
   * Partitions the task paused since the last check, and still owns, have nothing of `records`
   * from `from` on put: each with a record there resumes at the first one (it is no longer owned
   * under this delivery's assignment). True when one did.
   */
  const newlyPaused = (records: readonly SinkRecord[], from: number) => {
    if (d.ownership.pausesByTask === pauses) return false;
    pauses = d.ownership.pausesByTask;
    const paused = new Set<string>();
    for (const [k, assignment] of assignments)
      if (!gone.has(k) && d.ownership.pausedByTask(k) && d.ownership.assignmentOf(k) === assignment) paused.add(k);
    if (paused.size === 0) return false;
    // Once per partition paused: it is gone from then on.
    for (const k of paused) gone.add(k);
    let resumed = false;
    for (let i = from; i < records.length && paused.size > 0; i++) {
      const origin = d.batches.origin(records[i]!)!;
      if (!paused.delete(key(origin))) continue;
      d.offsets.resumeAt({ topic: origin.topic, partition: origin.partition, offset: origin.offset });
      resumed = true;
    }
    return resumed;
  };
  // What the task paused before this delivery is not put (Connect's poll returns none of it).
  newlyPaused(converted, 0);
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
      if (at > 0) {
        // Both checks run, the losses first: a partition lost is gone, not rewound.
        const lost = newlyGone();
        if (newlyPaused(rest, at) || lost) {
          rest = rest.slice(at).filter(owned);
          at = 0;
          if (rest.length === 0) break;
        }
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
