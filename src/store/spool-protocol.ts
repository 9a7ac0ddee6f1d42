/**
 * The messages between SpoolStore (main thread) and the spool worker thread that owns the spool's
 * SQLite file (spool-worker.ts, SpoolWorkerLoop). Record bytes cross the boundary packed, never
 * as a structured clone per record: an append message carries each request's buffer (its records
 * back to back) and a Uint32Array of lengths, transferred (moved, not copied) to the worker and
 * back with `durable`; a read's rows come back as one transferred buffer of the same shape.
 *
 * Replies come back in the order the worker ran the operations, which is the order they were
 * sent except that consecutive appends and deletes merge into one transaction, and that those
 * sent while a read is under way commit between its chunks (spool-chunked-read.ts): so a
 * `durable` reply that arrives before a `rows` reply is for a commit that the read saw, unless
 * the read filled its limit before reaching that commit's rows (then it did not reach the end).
 */
import type { AppendRows, DeleteRange } from "./spool-database.ts";
import type { PartitionStats } from "./spool-partition-stats.ts";
import type { QuarantineEntry } from "./spool-quarantine.ts";
import type { TailRow } from "./spool-tail.ts";

/** Most record bytes one group commit writes (one large request may exceed it alone). */
export const COMMIT_MAX_BYTES = 1_048_576;

/** Records back to back in `data`, `lengths[i]` bytes each (a request's, as the caller encoded them). */
export interface RecordBatch {
  readonly data: Uint8Array;
  readonly lengths: ArrayLike<number>;
}

/** Records of one group, packed: `lengths[i]` bytes each, back to back in `data`. */
export interface Packed {
  readonly data: ArrayBuffer;
  readonly lengths: Uint32Array;
}

export type ToWorker =
  | {
      readonly op: "open";
      readonly id: number;
      readonly dataDir: string;
      /** Page size of the file if it is created (ingest.spool.page.size); default PAGE_SIZE. */
      readonly pageSize?: number;
    }
  | {
      readonly op: "append";
      readonly id: number;
      /** Per request in the group: partition, record count, spooled-at time. */
      readonly partitions: readonly string[];
      readonly counts: readonly number[];
      readonly nows: readonly number[];
      /**
       * Per request, the buffer holding its records back to back from `offsets[k]` (transferred,
       * and transferred back with `durable`: the records are never copied on the main thread).
       */
      readonly buffers: readonly ArrayBuffer[];
      readonly offsets: readonly number[];
      /** Every record's length, all requests' in order. */
      readonly lengths: Uint32Array;
      /** Sum of `lengths`. */
      readonly bytes: number;
    }
  /**
   * Deletes; `quarantine`: records among them to copy to the quarantine first (spool-quarantine.ts),
   * sent with an `id` the worker answers (`done`) once they are written.
   */
  | {
      readonly op: "delete";
      readonly id?: number;
      readonly ranges: readonly DeleteRange[];
      /** Bytes of the records the ranges delete (what a crash would re-send while the deletes are held). */
      readonly bytes: number;
      readonly quarantine?: readonly QuarantineEntry[];
    }
  | {
      readonly op: "read";
      readonly id: number;
      readonly partition: string;
      readonly after: number;
      readonly limit: number;
    }
  | { readonly op: "deleteThrough"; readonly id: number; readonly partition: string; readonly seq: number }
  /** Raises the file's sequence to `seq` unless it issued it already (SpoolTable.raiseSequence). */
  | { readonly op: "raiseSequence"; readonly id: number; readonly seq: number }
  /** The partition's drainer stopped: the worker drops what it keeps in memory for it (no answer). */
  | { readonly op: "release"; readonly partition: string }
  | { readonly op: "close"; readonly id: number };

export type FromWorker =
  | { readonly op: "opened"; readonly id: number; readonly stats: readonly PartitionStats[] }
  | {
      readonly op: "durable";
      /** The append messages this commit carried, in order; `seqs` holds all their records' sequences. */
      readonly ids: readonly number[];
      readonly seqs: Float64Array;
      readonly ms: number;
      /** The append messages' buffers, given back in order (transferred). */
      readonly buffers: readonly ArrayBuffer[];
      /** Oldest row of each partition the commit deleted from. */
      readonly oldest: readonly [string, number | null][];
    }
  | { readonly op: "deleted"; readonly oldest: readonly [string, number | null][] }
  /** Something went wrong that the worker retries (a failed delete) or skips (a check of data-file-watch.ts): logged as a warning. */
  | { readonly op: "warning"; readonly message: string }
  /** Something worth an INFO line in the log (a schema migration at open). */
  | { readonly op: "info"; readonly message: string }
  /** Something worth an ERROR line (the open file could not be written back at close: data-file-watch.ts). */
  | { readonly op: "error"; readonly message: string }
  /** The spool file was deleted or replaced while open (data-file-watch.ts): logged, and the gateway stops. */
  | { readonly op: "lost"; readonly message: string }
  | {
      readonly op: "rows";
      readonly id: number;
      readonly seqs: Float64Array;
      readonly spooledAt: Float64Array;
      readonly records: Packed;
    }
  | {
      readonly op: "done";
      readonly id: number;
      readonly stats?: PartitionStats;
      /** deleteThrough: the sequence is above any this file issued (nothing deleted, see SpoolTable). */
      readonly unknownSeq?: true;
    }
  | { readonly op: "failed"; readonly ids: readonly number[]; readonly message: string };

/** Packs records into one buffer (one copy each) and their lengths. */
export function pack(records: readonly Uint8Array[]): Packed {
  let size = 0;
  for (const r of records) size += r.byteLength;
  const data = new Uint8Array(size);
  const lengths = new Uint32Array(records.length);
  let offset = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    data.set(r, offset);
    offset += r.byteLength;
    lengths[i] = r.byteLength;
  }
  return { data: data.buffer, lengths };
}

/** The records of a packed group, as views into its buffer (no copy). */
export function unpack(packed: Packed): Uint8Array[] {
  const out = new Array<Uint8Array>(packed.lengths.length);
  let offset = 0;
  for (let i = 0; i < packed.lengths.length; i++) {
    const n = packed.lengths[i]!;
    out[i] = new Uint8Array(packed.data, offset, n);
    offset += n;
  }
  return out;
}

/** What to list in postMessage's transfer list for a packed group. */
export function transferOf(packed: Packed): ArrayBuffer[] {
  return [packed.data, packed.lengths.buffer as ArrayBuffer];
}

/** An append message's requests, each its records back to back: a view into its buffer (no copy). */
export function appendedRows(m: Extract<ToWorker, { op: "append" }>): AppendRows[] {
  const out: AppendRows[] = [];
  let r = 0;
  for (let k = 0; k < m.buffers.length; k++) {
    const count = m.counts[k]!;
    const lengths = m.lengths.subarray(r, r + count);
    r += count;
    let size = 0;
    for (let i = 0; i < count; i++) size += lengths[i]!;
    const data = new Uint8Array(m.buffers[k]!, m.offsets[k]!, size);
    out.push({ partition: m.partitions[k]!, now: m.nows[k]!, data, lengths });
  }
  return out;
}

/** One request's records as the store queues them for an append message. */
export interface AppendSource {
  readonly partition: string;
  /** The records back to back; its buffer moves to the worker and back (`durable`). */
  data: Uint8Array;
  /** Where `data` is in its buffer (a moved view reads 0 for both until the buffer is back). */
  readonly offset: number;
  readonly size: number;
  readonly lengths: ArrayLike<number>;
  readonly now: number;
}

/** An append SpoolStore queued, until its commit answers. */
export interface PendingAppend extends AppendSource {
  readonly payloads: readonly unknown[] | undefined;
  readonly resolve: (seqs: number[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Splits queued appends into append messages of ≤ COMMIT_MAX_BYTES of records (at least one each). */
export function commitGroups<T extends AppendSource>(queued: readonly T[]): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const a of queued) {
    if (group.length > 0 && bytes >= COMMIT_MAX_BYTES) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(a);
    bytes += a.size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** A read's answer as rows (records are views into its one buffer). */
export function rowsOf(reply: Extract<FromWorker, { op: "rows" }>): TailRow[] {
  return unpack(reply.records).map((record, i) => ({
    seq: reply.seqs[i]!,
    record,
    bytes: record.byteLength,
    spooledAt: reply.spooledAt[i]!,
  }));
}

/** Separate byte arrays as one batch in a buffer of its own. */
export function toBatch(records: readonly Uint8Array[]): RecordBatch {
  const p = pack(records);
  return { data: new Uint8Array(p.data), lengths: p.lengths };
}

/** The append message of a group: each request's buffer is moved to the worker as it is. */
export function appendMessage(id: number, group: readonly AppendSource[]): Extract<ToWorker, { op: "append" }> {
  let count = 0;
  let bytes = 0;
  for (const a of group) {
    count += a.lengths.length;
    bytes += a.size;
  }
  const lengths = new Uint32Array(count);
  const buffers: ArrayBuffer[] = [];
  const offsets: number[] = [];
  let k = 0;
  for (const a of group) {
    buffers.push(a.data.buffer as ArrayBuffer);
    offsets.push(a.offset);
    for (let i = 0; i < a.lengths.length; i++) lengths[k++] = a.lengths[i]!;
  }
  return {
    op: "append",
    id,
    partitions: group.map((a) => a.partition),
    counts: group.map((a) => a.lengths.length),
    nows: group.map((a) => a.now),
    buffers,
    offsets,
    lengths,
    bytes,
  };
}

/**
 * Coalesces deletes into ranges of consecutive sequences of one partition, in queue order: a
 * range `[from, to]` holds only sequences that were queued, so it deletes exactly those rows
 * (a sequence in between that belongs to another partition is not there to delete). Kafka
 * acknowledges a poll batch in order, so a batch of n rows is usually one statement, not n.
 */
export function deleteRanges(batch: readonly (readonly [string, number])[]): DeleteRange[] {
  const out: DeleteRange[] = [];
  let last: DeleteRange | undefined;
  for (const [partition, seq] of batch) {
    if (last !== undefined && last[0] === partition && seq === last[2] + 1) last[2] = seq;
    else {
      last = [partition, seq, seq];
      out.push(last);
    }
  }
  return out;
}
