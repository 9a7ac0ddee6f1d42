/**
 * SubmittedOffsets: a WorkerSourceTask's source offsets from dispatch until they may be committed, as Connect's
 * SubmittedRecords. Per source partition (keyed by its canonical JSON, the offset store's key), a FIFO in poll order
 * filled at dispatch (`submit`), with one entry per poll batch holding records of that partition: a range, the offset
 * of the batch's last record of it (a 10,000-row spool batch is one entry). A batch is acknowledged whole
 * (`acknowledge`), or, once the task halted (a batch failed or given up), per partition up to its first record with
 * something left to write (`acknowledgePrefix`): that record is never acknowledged, so its partition's offsets end
 * there for good. `committable` stages each partition's acknowledged head: no offset is staged past an unacknowledged
 * record of its source partition, whatever order the batches are acknowledged in. A record without a source partition
 * is not tracked (Connect tracks the null partition apart and stores no offset for it): a batch of only such records
 * (ingest in kafka mode) costs no allocation. Used by SourceAcknowledgements.
 */
import type { SourceMap, SourceRecord } from "../api/record.ts";
import { canonicalJson } from "../store/offset-store.ts";
import type { StagedOffsets } from "./source-offset-staging.ts";

/**
 * `pending`: not yet acknowledged. `prefix`: acknowledged up to `offset`, then a record never acknowledged: staged
 * once, then `ended`. `ended`: its partition's offsets end here for good (nothing after it is staged).
 */
type State = "pending" | "acknowledged" | "prefix" | "ended";

interface SubmittedRange {
  readonly key: string;
  /** Its partition's FIFO. */
  readonly queue: SubmittedRange[];
  /** The `submit` call (poll batch) the range belongs to. */
  readonly batch: number;
  partition: SourceMap;
  offset: SourceMap | null;
  state: State;
}

/** The ranges of one poll batch, one per source partition it holds records of; handed back to acknowledge it. */
export type SubmittedBatch = readonly SubmittedRange[];

const NONE: SubmittedBatch = Object.freeze([]);

export class SubmittedOffsets {
  /** Per canonical source partition, its ranges in poll order. */
  private readonly partitions = new Map<string, SubmittedRange[]>();
  private batches = 0;

  /** The ranges held, all partitions together (what the FIFOs cost in memory). */
  get held(): number {
    let n = 0;
    for (const queue of this.partitions.values()) n += queue.length;
    return n;
  }

  /** Tracks a poll batch at dispatch, in poll order. */
  submit(records: readonly SourceRecord[]): SubmittedBatch {
    if (!anyPartitioned(records)) return NONE;
    const ranges: SubmittedRange[] = [];
    const batch = ++this.batches;
    forEachRun(records, (key, _start, end) => {
      // A null offset stages a tombstone, as SubmittedRecords hands the last acknowledged record's offset, null
      // included, to Connect's OffsetStorageWriter.
      const { sourcePartition, sourceOffset } = records[end - 1]!;
      const partition = sourcePartition!;
      const offset = sourceOffset ?? null;
      let queue = this.partitions.get(key);
      const last = queue?.at(-1);
      if (last?.batch === batch) {
        last.partition = partition;
        last.offset = offset;
        return;
      }
      if (!queue) {
        queue = [];
        this.partitions.set(key, queue);
      }
      const range: SubmittedRange = { key, queue, batch, partition, offset, state: "pending" };
      ranges.push(range);
      queue.push(range);
    });
    return ranges;
  }

  /** Every record of the batch has nothing left to write. */
  acknowledge(batch: SubmittedBatch): void {
    for (const range of batch) {
      range.state = "acknowledged";
      supersede(range.queue);
    }
  }

  /**
   * After a batch failed or was given up, Connect still commits each source partition's acknowledged prefix: per
   * partition, the batch's records are taken in poll order until the first one not `handled` (not written, or perhaps
   * written), which ends that partition for good; the other partitions go on.
   */
  acknowledgePrefix(batch: SubmittedBatch, records: readonly SourceRecord[], handled: (i: number) => boolean): void {
    if (batch.length === 0) return;
    const byKey = new Map(batch.map((range) => [range.key, range]));
    const ended = new Set<string>();
    const taken = new Set<string>();
    forEachRun(records, (key, start, end) => {
      if (ended.has(key)) return;
      let last = -1;
      for (let i = start; i < end; i++) {
        if (!records[i]!.sourcePartition) continue;
        if (!handled(i)) {
          ended.add(key);
          break;
        }
        last = i;
      }
      if (last < 0) return;
      const range = byKey.get(key)!;
      range.partition = records[last]!.sourcePartition!;
      range.offset = records[last]!.sourceOffset ?? null;
      taken.add(key);
    });
    for (const range of batch) {
      if (!ended.has(range.key)) range.state = "acknowledged";
      else if (taken.has(range.key)) range.state = "prefix";
      supersede(range.queue);
    }
  }

  /** Stages, per source partition, the offset of its last range acknowledged with every range before it. */
  committable(staged: StagedOffsets): void {
    for (const [key, queue] of this.partitions) {
      for (let head = queue[0]; head && stageable(head); head = queue[0]) {
        staged.set(key, { partition: head.partition, offset: head.offset });
        if (head.state === "prefix") {
          head.state = "ended";
          break;
        }
        queue.shift();
      }
      if (queue.length === 0) this.partitions.delete(key);
    }
  }
}

/**
 * Drops an acknowledged head whose next range is acknowledged too (or a prefix): `committable` would stage it only to
 * overwrite it, so between commits a partition acknowledged in order keeps one range, not one per poll batch (a
 * spool polled once per small request would otherwise keep ~130 bytes per request until the next commit).
 */
function supersede(queue: SubmittedRange[]): void {
  while (queue.length > 1 && queue[0]!.state === "acknowledged" && stageable(queue[1]!)) queue.shift();
}

/** Whether `committable` stages the range once those before it are staged. */
function stageable(range: SubmittedRange): boolean {
  return range.state === "acknowledged" || range.state === "prefix";
}

/**
 * Visits each run of consecutive records with the same source partition (`start` to `end`, exclusive), with the
 * partition's canonical key, computed once a run: a spool's batch, whose records share one partition object, is one
 * run. Records without a partition are skipped and do not break a run.
 */
function forEachRun(records: readonly SourceRecord[], visit: (key: string, start: number, end: number) => void): void {
  let previous: SourceMap | null = null;
  let key = "";
  let start = 0;
  let end = 0;
  for (let i = 0; i < records.length; i++) {
    const partition = records[i]!.sourcePartition;
    if (!partition) continue;
    if (previous === null || !sameSourceMap(previous, partition)) {
      if (previous !== null) visit(key, start, end);
      key = canonicalJson(partition);
      start = i;
    }
    previous = partition;
    end = i + 1;
  }
  if (previous !== null) visit(key, start, end);
}

function anyPartitioned(records: readonly SourceRecord[]): boolean {
  for (let i = 0; i < records.length; i++) if (records[i]!.sourcePartition) return true;
  return false;
}

function sameSourceMap(a: SourceMap, b: SourceMap): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    const v = a[k];
    if ((v !== null && typeof v === "object") || v !== b[k]) return false;
  }
  return true;
}
