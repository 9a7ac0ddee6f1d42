/**
 * SpoolWorkerLoop: what the spool worker thread does with SpoolStore's messages (spool-protocol.ts),
 * run by spool-worker.ts; a test drives it in-thread with a `post` of its own.
 *
 * Messages queue and run in arrival order, one setImmediate turn at a time, except that a read
 * runs a chunk a turn and the appends and deletes that arrive meanwhile commit between its chunks
 * (spool-chunked-read.ts says why that answers the same). Consecutive appends
 * (up to COMMIT_MAX_BYTES of records, at least one) and the deletes among them run as ONE
 * transaction: the group commit, one fsync (synchronous=FULL) for every request in it. `durable`
 * is posted only after that transaction committed, so "answered ⇒ fsync'ed" holds. Deletes with no
 * append to ride in wait up to DELETE_HOLD_MS for one (counted from the first delete queued since
 * the last transaction took the deletes), or until they cover DELETE_HOLD_MAX_BYTES of records, then run without an fsync of their own
 * (spool-database.ts says why that is safe): at a low request rate a delete alone rewrites the
 * table's and the index's last pages (two WAL frames, 32 KiB at 16 KiB pages) that the next append
 * commit writes anyway, so holding it cuts the bytes written per request by a third (bench/disk-writes.ts,
 * BENCHMARKS.md "Bytes written to disk per request"). Only what the deletes write waits: the records'
 * counts and bytes went down when SpoolStore queued them; a restart after a crash deletes what a
 * committed source offset covers (deleteThrough) and sends the rest again, so a process crash (kill
 * -9, OOM) re-sends up to DELETE_HOLD_MS, and at most DELETE_HOLD_MAX_BYTES, of records Kafka acknowledged, where a delete written at once
 * survived it and was lost only to a power loss (at-least-once either way). Deletes carrying quarantined records (a caller waits for them) run at once,
 * and held ones run before any read (which must not return their records), deleteThrough, release
 * or close. A failed commit answers `failed` for its appends (their requests are refused) and keeps
 * its deletes for the next transaction; the first failure after a commit posts a warning, and the
 * next commit that works an info line (a full disk logs twice, not once per refused request). Reads, deleteThrough, raiseSequence, release and close run in order
 * between them.
 *
 * Deletes that failed (a full disk: SQLite needs room in the WAL to delete) do not wait for the
 * next message: they are retried every DELETE_RETRY_MS on an unref'd timer while any is pending
 * (cancelled at close), ride in an append commit if one comes first, and log one warning per
 * episode and an info line once they are written.
 *
 * Once open, a DataFileWatch checks that the spool file's path still names the open file: deleted
 * or replaced, it posts `lost` (SpoolStore has the gateway stop) and close writes the open file back
 * before it closes it (data-file-watch.ts).
 */
import { join, resolve } from "node:path";
import { FifoQueue } from "../util/fifo-queue.ts";
import { type SetTimer, unrefTimer } from "../util/timer.ts";
import { DataFileWatch } from "./data-file-watch.ts";
import { ChunkedRead } from "./spool-chunked-read.ts";
import { type AppendRows, type DeleteRange, SpoolTable } from "./spool-database.ts";
import { corruptSpoolError, openSpoolDatabase, SPOOL_FILE, type SpoolLog } from "./spool-file.ts";
import { appendedRows, COMMIT_MAX_BYTES, type FromWorker, pack, type ToWorker, transferOf } from "./spool-protocol.ts";
import type { QuarantineEntry } from "./spool-quarantine.ts";

type AppendMessage = Extract<ToWorker, { op: "append" }>;
/** Deletes taken for a transaction, kept again if it fails. */
interface TakenDeletes {
  readonly deletes: DeleteRange[];
  readonly quarantined: QuarantineEntry[];
  readonly waiting: number[];
  readonly bytes: number;
}
export type Post = (message: FromWorker, transfer?: ArrayBuffer[]) => void;

/** How often failed deletes are tried again while any is pending. */
export const DELETE_RETRY_MS = 1000;
/**
 * How long deletes with no append commit to ride in wait for one before they commit on their own.
 * A hold covers clients that send more often than it; at a period equal to it the outcome turns on
 * milliseconds. bench/disk-writes.ts spool-1-1ps with BENCH_JITTER_MS=100 (one request a second, ±100
 * ms): 71 KB a request with 1 s (half the deletes alone), 53 KB with 2 s; without jitter both 54-55 KB
 * (BENCHMARKS.md "Held deletes: each waits a hold of its own"). 2 s covers a device sending every
 * second with margin, for up to 2 s of acknowledged records re-sent after a process crash.
 */
export const DELETE_HOLD_MS = 2000;
/**
 * Held deletes covering this many bytes of records are written at once: a process crash re-sends at
 * most this much (plus what Kafka acknowledged that the gateway had not learnt yet), not a whole
 * backlog drained within the hold (task spooldup: a SIGKILL right after an outage re-sent 10,000 of
 * 10,000 spooled records). As much as one append commit carries (COMMIT_MAX_BYTES): a client sending
 * single records never reaches it within a hold (its bytes written per request are unchanged), and a
 * drain writes its deletes once per MiB of records rather than once per read (10,000 records by
 * default), none with an fsync of its own.
 */
export const DELETE_HOLD_MAX_BYTES = COMMIT_MAX_BYTES;

export class SpoolWorkerLoop {
  private table: SpoolTable | undefined;
  private readonly queue = new FifoQueue<ToWorker>();
  private scheduled = false;
  /** The read under way, a chunk a turn. */
  private reading: ChunkedRead | undefined;
  private deletes: DeleteRange[] = [];
  /** Bytes of the records `deletes` covers (DELETE_HOLD_MAX_BYTES). */
  private deleteBytes = 0;
  /** Records among `deletes` to copy to the quarantine first, and the calls to answer once written; kept and retried with them. */
  private quarantined: QuarantineEntry[] = [];
  private waiting: number[] = [];
  /** An append commit failed and none committed since (logged once per episode, not per request). */
  private appendsFailing = false;
  /** A delete failed and none was written since (one warning per episode). */
  private deletesFailing = false;
  /** The timer that runs the deletes held (DELETE_HOLD_MS) or kept after a failure (DELETE_RETRY_MS). */
  private deleteTimer: { cancel(): void } | undefined;
  /** The spool file's path, once an open was asked for. */
  private path: string | undefined;
  private watch: DataFileWatch | undefined;

  constructor(
    private readonly post: Post,
    private readonly open: (dataDir: string, info: SpoolLog, pageSize?: number) => SpoolTable = (dir, info, pageSize) =>
      new SpoolTable(openSpoolDatabase(dir, info, pageSize)),
    private readonly setTimer: SetTimer = unrefTimer,
    /** The spool file's DataFileWatch checks (a timer of their own: a test's clock drives the deletes'). */
    private readonly watchTimer: SetTimer = unrefTimer,
  ) {}

  receive(message: ToWorker): void {
    this.queue.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.run());
    }
  }

  /**
   * Runs everything queued so far (tests call it instead of waiting for the turn). A read goes a
   * chunk a turn (ChunkedRead): the appends and deletes queued meanwhile commit before its next
   * chunk, other messages wait behind it.
   */
  run(): void {
    this.scheduled = false;
    const queue = this.queue;
    while (queue.length > 0 || this.reading) {
      const first = queue.peek();
      if (first !== undefined && (first.op === "append" || first.op === "delete")) this.commitQueued();
      else if (this.reading) {
        if (this.readChunk()) continue;
        this.scheduled = true;
        setImmediate(() => this.run());
        return;
      } else if (first !== undefined) {
        this.flushDeletes();
        queue.shift();
        if (first.op === "read") this.reading = new ChunkedRead(first);
        else this.handle(first);
      }
    }
  }

  /** Consecutive appends (up to COMMIT_MAX_BYTES of records, at least one) and deletes at the queue's head: one transaction. */
  private commitQueued(): void {
    const queue = this.queue;
    const appends: AppendMessage[] = [];
    let bytes = 0;
    while (queue.length > 0 && (appends.length === 0 || bytes < COMMIT_MAX_BYTES)) {
      const m = queue.peek()!;
      if (m.op === "delete") {
        this.deletes.push(...m.ranges);
        this.deleteBytes += m.bytes;
        if (m.quarantine) this.quarantined.push(...m.quarantine);
        if (m.id !== undefined) this.waiting.push(m.id);
      } else if (m.op === "append") {
        appends.push(m);
        bytes += m.bytes;
      } else break;
      queue.shift();
    }
    if (appends.length > 0) this.commit(appends);
    // Deletes that failed are retried on their timer, not at every message.
    else if (this.waiting.length > 0 || (this.deleteBytes >= DELETE_HOLD_MAX_BYTES && !this.deletesFailing))
      this.flushDeletes();
    else this.flushDeletesIn(DELETE_HOLD_MS);
  }

  /** The read under way's next chunk; true once it is answered (its rows, or failed). */
  private readChunk(): boolean {
    const reading = this.reading!;
    const m = reading.message;
    try {
      const table = this.requireTable();
      if (!reading.step((partition, after, limit) => table.read(partition, after, limit))) return false;
      this.reading = undefined;
      const rows = reading.rows;
      const seqs = new Float64Array(rows.length);
      const spooledAt = new Float64Array(rows.length);
      for (let k = 0; k < rows.length; k++) {
        seqs[k] = rows[k]!.seq;
        spooledAt[k] = rows[k]!.spooled_at;
      }
      const records = pack(rows.map((r) => r.record));
      this.post({ op: "rows", id: m.id, seqs, spooledAt, records }, [
        seqs.buffer as ArrayBuffer,
        spooledAt.buffer as ArrayBuffer,
        ...transferOf(records),
      ]);
    } catch (error) {
      this.reading = undefined;
      this.post({ op: "failed", ids: [m.id], message: this.messageOf(error) });
    }
    return true;
  }

  private commit(messages: AppendMessage[]): void {
    const table = this.table;
    if (!table) {
      this.post({ op: "failed", ids: messages.map((m) => m.id), message: "The spool file is not open" });
      return;
    }
    const appends: AppendRows[] = messages.flatMap(appendedRows);
    const taken = this.takeDeletes();
    const { deletes, waiting } = taken;
    const started = performance.now();
    let seqs: Float64Array;
    try {
      seqs = table.commit(appends, deletes, taken.quarantined);
    } catch (error) {
      this.keepDeletes(taken);
      const message = this.messageOf(error);
      if (!this.appendsFailing) {
        this.appendsFailing = true;
        this.post({
          op: "warning",
          message: `Appending to the spool failed (${message}): ingest requests are answered 503 with Retry-After until an append commits again; records acknowledged before stay in the file and are still sent`,
        });
      }
      this.post({ op: "failed", ids: messages.map((m) => m.id), message });
      return;
    }
    const ms = performance.now() - started;
    // The records' buffers go back: the main thread keeps them for readers that keep up.
    const buffers = messages.flatMap((m) => m.buffers);
    this.post(
      { op: "durable", ids: messages.map((m) => m.id), seqs, ms, buffers, oldest: this.oldestOf(table, deletes) },
      [seqs.buffer as ArrayBuffer, ...buffers],
    );
    if (this.appendsFailing) {
      this.appendsFailing = false;
      this.post({ op: "info", message: "Appending to the spool works again" });
    }
    if (deletes.length > 0) this.deletesWritten(waiting);
  }

  /**
   * Deletes with no append commit to ride in: no fsync of their own. A failure (a full disk:
   * deleting is what frees space) keeps them for a retry on the timer or the next commit.
   */
  private flushDeletes(): void {
    const table = this.table;
    if (!table || this.deletes.length === 0) return;
    const taken = this.takeDeletes();
    const { deletes, waiting } = taken;
    try {
      table.deleteUnsynced(deletes, taken.quarantined);
    } catch (error) {
      this.keepDeletes(taken);
      if (!this.deletesFailing) {
        this.deletesFailing = true;
        this.post({
          op: "warning",
          message: `Deleting delivered rows failed (${this.messageOf(error)}): they stay in the file and are retried every ${DELETE_RETRY_MS} ms until the delete works`,
        });
      }
      return;
    }
    this.post({ op: "deleted", oldest: this.oldestOf(table, deletes) });
    this.deletesWritten(waiting);
  }

  /** The deletes kept so far, for a transaction; the timer that would have run them is cancelled, so a delete kept later waits a hold (or a retry) of its own. */
  private takeDeletes(): TakenDeletes {
    this.deleteTimer?.cancel();
    this.deleteTimer = undefined;
    const taken = {
      deletes: this.deletes,
      quarantined: this.quarantined,
      waiting: this.waiting,
      bytes: this.deleteBytes,
    };
    [this.deletes, this.quarantined, this.waiting, this.deleteBytes] = [[], [], [], 0];
    return taken;
  }

  /** Deletes that failed: kept, ahead of those queued since, for a retry. */
  private keepDeletes(taken: TakenDeletes): void {
    this.deletes = taken.deletes.concat(this.deletes);
    this.quarantined = taken.quarantined.concat(this.quarantined);
    this.waiting = taken.waiting.concat(this.waiting);
    this.deleteBytes += taken.bytes;
    this.flushDeletesIn(DELETE_RETRY_MS);
  }

  /** Deletes were written: the calls waiting for their quarantined records are answered. */
  private deletesWritten(waiting: readonly number[]): void {
    for (const id of waiting) this.post({ op: "done", id });
    if (!this.deletesFailing) return;
    this.deletesFailing = false;
    this.post({ op: "info", message: "Deleting delivered rows works again" });
  }

  /** One pending timer at most; it runs the deletes still kept, unless a commit or a read took them first. */
  private flushDeletesIn(ms: number): void {
    if (this.deleteTimer) return;
    this.deleteTimer = this.setTimer(() => {
      this.deleteTimer = undefined;
      this.flushDeletes();
    }, ms);
  }

  private oldestOf(table: SpoolTable, deletes: readonly DeleteRange[]): [string, number | null][] {
    const partitions = new Set<string>();
    for (const d of deletes) partitions.add(d[0]);
    return [...partitions].map((p) => [p, table.oldestAt(p)]);
  }

  private handle(m: Exclude<ToWorker, { op: "append" | "delete" | "read" }>): void {
    if (m.op === "release") {
      this.table?.release(m.partition);
      return;
    }
    try {
      switch (m.op) {
        case "open": {
          this.path = join(resolve(m.dataDir), SPOOL_FILE);
          try {
            this.table ??= this.open(
              m.dataDir,
              (message, level = "info") => this.post({ op: level, message }),
              m.pageSize,
            );
            this.watch ??= this.watchFile(this.path, this.table);
            this.post({ op: "opened", id: m.id, stats: this.table.stats() });
          } catch (error) {
            // Malformed pages show when the statistics read the rows.
            throw corruptSpoolError(this.path, error) ?? error;
          }
          return;
        }
        case "deleteThrough": {
          const table = this.requireTable();
          const known = table.deleteThrough(m.partition, m.seq);
          this.post({
            op: "done",
            id: m.id,
            stats: table.statsOf(m.partition),
            ...(known ? {} : { unknownSeq: true }),
          });
          return;
        }
        case "raiseSequence": {
          this.requireTable().raiseSequence(m.seq);
          this.post({ op: "done", id: m.id });
          return;
        }
        case "close": {
          this.flushDeletes();
          this.deleteTimer?.cancel();
          this.deleteTimer = undefined;
          this.watch?.stop();
          this.watch?.writeBack();
          this.watch = undefined;
          this.table?.close();
          this.table = undefined;
          this.post({ op: "done", id: m.id });
          return;
        }
      }
    } catch (error) {
      this.post({ op: "failed", ids: [m.id], message: this.messageOf(error) });
    }
  }

  private watchFile(path: string, table: SpoolTable): DataFileWatch {
    const watch = new DataFileWatch({
      db: table.db,
      path,
      name: "spool file",
      holds: "records acknowledged to devices and not yet in Kafka",
      log: {
        info: (message) => this.post({ op: "info", message }),
        warn: (message) => this.post({ op: "warning", message }),
        error: (message) => this.post({ op: "error", message }),
      },
      setTimer: this.watchTimer,
      onLost: (message) => this.post({ op: "lost", message }),
    });
    watch.start();
    return watch;
  }

  /**
   * An error's message; for malformed pages met after the open (a read or a delete of the drain, a
   * commit), the corrupt-file message that names the file and says what to do.
   */
  private messageOf(error: unknown): string {
    return ((this.path && corruptSpoolError(this.path, error)) || (error as Error)).message;
  }

  private requireTable(): SpoolTable {
    if (!this.table) throw new Error("The spool file is not open");
    return this.table;
  }
}
