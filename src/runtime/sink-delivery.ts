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
 * A partition the task paused itself (`context.pause`, as the HTTP sink at sink.requests.max-buffered)
 * before the delivery (its batches are not even converted), during the conversion, or during the
 * put of a slice and not resumed before the next has nothing more put: Connect puts one poll at a
 * time and its next poll returns nothing of a paused partition, so it overshoots a pause by one put,
 * and here by one slice. Its records not put are held (SinkPartitionOwnership.hold, those converted
 * already as they are) and put first once the task resumes it, as Java's consumer keeps a paused
 * partition's fetched records: nothing is sought or fetched again. Its offset advances to its
 * first record held only (the next commit commits exactly it). Checked per partition between
 * slices, and only when the task paused something since the last check (the check itself scans
 * the rest for the records of each partition newly paused: once per partition and delivery at most).
 * Called from the sink task's serial executor.
 */
import { partitionMapKey as key, type SinkRecord } from "../api/record.ts";
import type { ConsumedRecord } from "../kafka/kafka-port.ts";
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

type TakenBatch = Pick<QueuedBatch, "records" | "assignment" | "converted">;

/**
 * The batches of `taken` to convert and put: not those of a partition the task paused before this
 * delivery (Connect's poll returns nothing of a paused partition), which are held as they are. They
 * are not converted either: their conversion failures are reported once, when they are put.
 */
function withoutPaused(d: SinkDelivery, taken: readonly TakenBatch[]): readonly TakenBatch[] {
  const paused = new Set<TakenBatch>();
  for (const t of taken) {
    const k = key(t.records[0]!);
    if (d.ownership.pausedByTask(k) && d.ownership.assignmentOf(k) === t.assignment) paused.add(t);
  }
  if (paused.size === 0) return taken;
  for (const t of paused) d.ownership.hold(t);
  return taken.filter((t) => !paused.has(t));
}

/** The index of the first of `records` (in offset order) at or past `offset`. */
function firstAtOrPast(records: readonly ConsumedRecord[], offset: number): number {
  let [low, high] = [0, records.length];
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (records[mid]!.offset < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Converts the batches of `taken` not converted yet; those held converted come first (each partition's oldest). */
async function converted(d: SinkDelivery, taken: readonly TakenBatch[]): Promise<SinkRecord[]> {
  const ownedBatch = (t: TakenBatch) => d.ownership.assignmentOf(key(t.records[0]!)) === t.assignment;
  if (!taken.some((t) => t.converted))
    return d.batches.convert(
      taken.map((t) => t.records),
      (i) => ownedBatch(taken[i]!),
    );
  const raw = taken.filter((t) => !t.converted);
  const held = taken.flatMap((t) => t.converted ?? []);
  return held.concat(
    await d.batches.convert(
      raw.map((t) => t.records),
      (i) => ownedBatch(raw[i]!),
    ),
  );
}

/** True once delivered; false when the task's stop ended a put's redelivery (nothing advanced). */
export async function deliverBatches(
  d: SinkDelivery,
  all: readonly TakenBatch[],
  heartbeat: () => Promise<void>,
): Promise<boolean> {
  let pauses = d.ownership.pausesByTask;
  const taken = withoutPaused(d, all);
  const sinkRecordsConverted = await converted(d, taken);
  const max = d.maxPutRecords ?? Number.POSITIVE_INFINITY;
  const assignments = new Map(taken.map((t) => [key(t.records[0]!), t.assignment]));
  // Partitions that have nothing more put: lost, revoked or sought, or paused by the task (held).
  const gone = new Set<string>();
  const owned = (record: SinkRecord) => {
    const k = key(d.batches.origin(record)!);
    return d.ownership.assignmentOf(k) === assignments.get(k) && !gone.has(k);
  };
  /** Per partition held during this delivery: the offset of its first record held. */
  const heldFrom = new Map<string, number>();
  /**
   * Partitions the task paused since the last check, and still owns, have nothing of `records`
   * from `from` on put: each with a record there holds its records from the first one on. True
   * when one did.
   */
  const newlyPaused = (records: readonly SinkRecord[], from: number) => {
    if (d.ownership.pausesByTask === pauses) return false;
    pauses = d.ownership.pausesByTask;
    const paused = new Map<string, SinkRecord[]>();
    for (const [k, assignment] of assignments)
      if (!gone.has(k) && d.ownership.pausedByTask(k) && d.ownership.assignmentOf(k) === assignment) paused.set(k, []);
    if (paused.size === 0) return false;
    // Once per partition paused: it is gone from then on.
    for (const k of paused.keys()) gone.add(k);
    for (let i = from; i < records.length; i++) paused.get(key(d.batches.origin(records[i]!)!))?.push(records[i]!);
    let held = false;
    for (const [k, rest] of paused) {
      if (rest.length === 0) continue; // everything of it was put (or dropped by a transformation)
      const first = d.batches.origin(rest[0]!)!.offset;
      // The consumed records from the first one held on: its batches in this delivery, in order.
      const consumed: ConsumedRecord[] = [];
      for (const t of taken)
        if (key(t.records[0]!) === k && t.records.at(-1)!.offset >= first)
          consumed.push(...t.records.slice(firstAtOrPast(t.records, first)));
      d.ownership.hold({ records: consumed, assignment: assignments.get(k)!, converted: rest });
      heldFrom.set(k, first);
      held = true;
    }
    return held;
  };
  // Paused during the conversion (it shares the event loop): nothing of it is put either.
  newlyPaused(sinkRecordsConverted, 0);
  // The conversion shares the event loop (in slices): a partition revoked, lost or sought meanwhile is not put.
  const stale = gone.size > 0 || taken.some((t) => d.ownership.assignmentOf(key(t.records[0]!)) !== t.assignment);
  const sinkRecords = stale ? sinkRecordsConverted.filter(owned) : sinkRecordsConverted;
  // Read and not yet committed from here on: sampled once a delivery, before the put, as Connect's
  // sink-record-active-count after convertMessages (a put that blocks or retries holds them active).
  const reading = new Map<string, number>();
  for (const { records, assignment } of taken)
    if (d.ownership.assignmentOf(key(records[0]!)) === assignment)
      reading.set(key(records[0]!), records.at(-1)!.offset + 1);
  d.offsets.recordActive(reading);
  d.context.holdOffsets();
  try {
    // Every slice in turn. With no record left (a transformation dropped them all, the task paused
    // their partitions, or WorkerSinkTask's idle put before a commit) the loop still runs once and
    // puts an empty batch, as Connect's every poll calls put, and a failure raised meanwhile stops
    // the advance.
    // A partition lost or revoked during a slice's put has nothing more put: Connect's next poll,
    // which runs the rebalance callback, returns no record of it.
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
        // Both checks run, the losses first: a partition lost is gone, not held.
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
      if (!last || d.ownership.assignmentOf(key(last)) !== assignment || d.context.rewinds(last)) continue;
      // A partition holding records advances to the first one held only.
      const offset = heldFrom.size > 0 ? (heldFrom.get(key(last)) ?? last.offset + 1) : last.offset + 1;
      d.offsets.advance({ topic: last.topic, partition: last.partition, offset });
    }
    return true;
  } finally {
    d.context.rewind();
  }
}
