/**
 * The store-and-forward spool of ingest acknowledgement mode `spool`: records a device was told
 * are safe, until Kafka acknowledged them. SpoolStore is the main thread's side; the SQLite file
 * (`<data.dir>/spool.db`, spool-database.ts) is owned by a worker thread (spool-worker.ts), so its
 * inserts, fsyncs, reads and deletes run on another core than the event loop.
 *
 * Group commit: `append` queues a request's records (one buffer); once per event-loop turn all
 * queued goes to the worker in messages of ≤ COMMIT_MAX_BYTES, buffers moved (not copied) there and
 * back; the worker commits what waits as one transaction with one fsync (synchronous=FULL), and
 * `append` resolves on its `durable` answer: "answered ⇒ fsync'ed" holds.
 *
 * The main thread keeps per partition the records and bytes held (`heldBytes`, `stats`), updated
 * on `durable` and `delete`, their sum plus appends not yet durable (`totalBytes`), and the oldest
 * row's time the worker reports. A drainer that keeps up reads what was appended from memory
 * (SpoolTail, with the appender's payload); else the worker reads the file. If the worker dies the
 * spool is not durable any more: every pending and later operation rejects, `failure` is set,
 * `onFailure` listeners run. Deletes are queued, coalesced into ranges, ride the next commit
 * (spool-delete-queue.ts).
 */
import { getLogger, type Logger } from "../util/logger.ts";
import { StoreError } from "./database.ts";
import { SpoolCounts, type SpoolStats } from "./spool-counts.ts";
import { SpoolDeleteQueue } from "./spool-delete-queue.ts";
import {
  appendMessage,
  commitGroups,
  type PendingAppend,
  type RecordBatch,
  rowsOf,
  toBatch,
} from "./spool-protocol.ts";
import type { QuarantineEntry } from "./spool-quarantine.ts";
import { type SpoolStoreOptions, TAIL_MAX_BYTES } from "./spool-store-options.ts";
import { SpoolTail, TailMemory, type TailRow } from "./spool-tail.ts";
import { type Notice, SpoolWorkerChannel, spoolWorkerUrl } from "./spool-worker-channel.ts";

export type SpoolRow = TailRow;

export class SpoolStore {
  private queued: PendingAppend[] = [];
  private sendScheduled = false;
  private readonly inFlight = new Map<number, PendingAppend[]>();
  /** Buffers of queued appends, until they move (they come back as new objects). */
  private readonly moving = new WeakSet<ArrayBufferLike>();
  private readonly deletes: SpoolDeleteQueue;
  private readonly counts: SpoolCounts;
  private readonly tails = new Map<string, SpoolTail>();
  /** Bytes of rows every partition's tail keeps in memory together, and their cap (ingest.spool.memory.max.bytes). */
  readonly tailMemory: TailMemory;
  private readonly failureListeners = new Set<(error: Error) => void>();
  private readonly channel: SpoolWorkerChannel;
  private closing: Promise<void> | undefined;
  /** Duration of the last group commit (insert and fsync) in the worker, ms. */
  lastCommitMs = 0;
  /** Group commits so far, and appends they carried (read by the group-commit tests only). */
  commits = 0;
  appendsCommitted = 0;

  private readonly now: () => number;
  private readonly log: Logger;
  private readonly onFileLost: () => void;
  /** The worker's ingest.spool.total.max.bytes; null: no cap beyond each connector's. */
  readonly totalMaxBytes: number | null;

  private constructor(options: SpoolStoreOptions) {
    this.now = options.now ?? Date.now;
    this.totalMaxBytes = options.totalMaxBytes ?? null;
    this.tailMemory = new TailMemory(options.memoryMaxBytes, () => this.tails.values());
    this.log = options.log ?? getLogger("io.edgegateway.ingest.Spool");
    this.onFileLost = options.onFileLost ?? (() => {});
    this.counts = new SpoolCounts(this.log);
    const notice = (m: Notice) => this.notice(m);
    this.channel = new SpoolWorkerChannel(options.workerUrl ?? spoolWorkerUrl(), { notice, died: (e) => this.died(e) });
    this.deletes = new SpoolDeleteQueue(this.channel, () => this.failure);
  }

  /** Starts the worker and opens (creating if needed) `<dataDir>/spool.db` in it. */
  static async open(dataDir: string, options: SpoolStoreOptions = {}): Promise<SpoolStore> {
    const store = new SpoolStore(options);
    try {
      const reply = await store.channel.call({
        op: "open",
        id: store.channel.id(),
        dataDir,
        ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      });
      if (reply.op === "opened") for (const s of reply.stats) store.counts.set(s);
    } catch (error) {
      store.closing = Promise.resolve();
      store.channel.end();
      throw error;
    }
    return store;
  }

  /** Why the spool stopped working (its worker died); undefined while it works. */
  get failure(): Error | undefined {
    return this.channel.failure;
  }

  /**
   * Appends records to a partition (each its own byte array, or a request's records back to back
   * in one: `RecordBatch`, whose buffer the store takes: it moves to the worker, and other views
   * of it go empty); resolves with their sequences once they are fsync'ed. `payloads[i]` comes
   * back with record i when a reader gets it from memory.
   */
  append(
    partition: string,
    records: readonly Uint8Array[] | RecordBatch,
    payloads?: readonly unknown[],
  ): Promise<number[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new StoreError("The spool is closing"));
    let { data, lengths } = Array.isArray(records) ? toBatch(records) : (records as RecordBatch);
    if (lengths.length === 0) return Promise.resolve([]);
    // Each buffer moves to the worker once: one already on its way (another request's view of
    // it, which callers avoid), one that cannot move, or one the view does not cover (a pooled
    // Buffer's memory, whose other views would go empty; slack the tail would keep) is copied.
    const b = data.buffer;
    if (this.moving.has(b) || !(b instanceof ArrayBuffer) || data.byteLength !== b.byteLength) data = data.slice();
    this.moving.add(data.buffer);
    return new Promise<number[]>((resolve, fail) => {
      const [offset, size, now] = [data.byteOffset, data.byteLength, this.now()];
      const reject = this.counts.queued(size, fail);
      this.queued.push({ partition, data, offset, size, lengths, payloads, now, resolve, reject });
      if (!this.sendScheduled) {
        this.sendScheduled = true;
        setImmediate(() => this.sendAppends());
      }
    });
  }

  private sendAppends(): void {
    this.sendScheduled = false;
    const groups = commitGroups(this.queued);
    this.queued = [];
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const id = this.channel.id();
      this.inFlight.set(id, group);
      try {
        const message = appendMessage(id, group);
        this.channel.post(message, [...message.buffers]);
      } catch (error) {
        // Not sent (a buffer that cannot move): this group and the rest fail, nothing is stored.
        this.inFlight.delete(id);
        const e = new StoreError(`The spool could not take the records: ${(error as Error).message}`);
        for (const a of groups.slice(g).flat()) a.reject(e);
        return;
      }
    }
  }

  /** Up to `limit` rows after `afterSeq`, oldest first: from memory (with payloads) when the drainer keeps up, else the file. */
  async read(partition: string, afterSeq: number, limit: number): Promise<SpoolRow[]> {
    if (this.failure) throw this.failure;
    if (this.closing) throw new StoreError("The spool is closing");
    const tail = this.tailOf(partition);
    const fromMemory = tail.take(afterSeq, limit);
    if (fromMemory) return fromMemory;
    tail.reset(); // it learns the answer in the message handler, in reply order (see SpoolTail)
    const reply = await this.channel.call(
      { op: "read", id: this.channel.id(), partition, after: afterSeq, limit },
      (r) => {
        if (r.op === "rows") tail.readFromFile(afterSeq, r.seqs, limit);
      },
    );
    return reply.op === "rows" ? rowsOf(reply) : [];
  }

  /** Deletes a record Kafka acknowledged (queued; see flushDeletes), or with `quarantine` one it refused (spool-quarantine.ts). */
  delete(partition: string, seq: number, bytes: number, quarantine?: Omit<QuarantineEntry, "partition" | "seq">): void {
    this.counts.removed(partition, bytes);
    this.deletes.add(partition, seq, bytes, quarantine);
  }

  /** Sends the deletes queued so far to the worker now (once per event-loop turn; they ride a commit; a row goes with its last record). */
  flushDeletes(): void {
    this.deletes.flush();
  }

  /** Resolves once the records queued for the quarantine so far are in the file (SpoolDeleteQueue). */
  quarantineWritten(): Promise<void> {
    return this.deletes.quarantineWritten();
  }

  /**
   * Deletes every row of a partition up to `seq` (rows a committed source offset covers); false
   * when `seq` is of another spool file (above every sequence this one issued: nothing deleted,
   * and new rows get sequences above `seq`).
   */
  async deleteThrough(partition: string, seq: number): Promise<boolean> {
    if (this.failure) throw this.failure;
    if (this.closing) throw new StoreError("The spool is closing");
    this.flushDeletes();
    const reply = await this.channel.call({ op: "deleteThrough", id: this.channel.id(), partition, seq });
    // The worker's figures replace the counts: every earlier append's `durable` was handled
    // before this reply, and a later one's comes after it. Deletes queued meanwhile would be
    // counted twice, but there are none for this partition: its drainer calls this at start,
    // before it polls (so before any acknowledgement), and a closed or abandoned drainer acknowledges nothing.
    if (reply.op === "done" && reply.stats) this.counts.set(reply.stats);
    return !(reply.op === "done" && reply.unknownSeq);
  }

  /**
   * Raises the file's sequence to `seq` unless it issued it already: new rows come after it, so an offset `seq`
   * written by an operator is one of this file at the next start (deleteThrough), not one of a file lost since.
   */
  async raiseSequence(seq: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closing) throw new StoreError("The spool is closing");
    await this.channel.call({ op: "raiseSequence", id: this.channel.id(), seq });
  }

  /** Bytes of a partition's rows (no query: the counts kept in memory). */
  heldBytes(partition: string): number {
    return this.counts.stats(partition).bytes;
  }
  /** Bytes of every partition's rows plus those of appends not yet durable (ingest.spool.total.max.bytes). */
  get totalBytes(): number {
    return this.counts.totalBytes + this.counts.pendingBytes;
  }
  stats(partition: string): SpoolStats {
    return this.counts.stats(partition);
  }

  /** Partitions with rows in the spool. */
  partitions(): string[] {
    return this.counts.partitions();
  }

  /** Calls `listener` once if the worker dies; returns the unsubscribe function. */
  onFailure(listener: (error: Error) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Commits what is queued, closes the file and ends the worker. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.failure) {
        this.sendAppends();
        this.flushDeletes();
        await this.channel.call({ op: "close", id: this.channel.id() }).catch(() => undefined);
      }
      this.channel.end();
    })();
    return this.closing;
  }

  private notice(m: Notice): void {
    if (m.op === "durable") this.durable(m);
    else if (m.op === "deleted") this.counts.setOldest(m.oldest);
    else if (m.op === "warning") this.log.warn(`Spool: ${m.message}`);
    else if (m.op === "info") this.log.info(`Spool: ${m.message}`);
    else if (m.op === "error") this.log.error(`Spool: ${m.message}`);
    else if (m.op === "lost") {
      this.log.error(`Spool: ${m.message}`);
      this.onFileLost();
    } else {
      const error = new StoreError(`The spool could not store the records: ${m.message}`);
      for (const id of m.ids) {
        for (const a of this.inFlight.get(id) ?? []) a.reject(error);
        this.inFlight.delete(id);
      }
    }
  }

  private durable(m: Extract<Notice, { op: "durable" }>): void {
    this.commits += 1;
    this.lastCommitMs = m.ms;
    let at = 0;
    let b = 0;
    for (const id of m.ids) {
      const group = this.inFlight.get(id) ?? [];
      this.inFlight.delete(id);
      this.appendsCommitted += group.length;
      for (const a of group) {
        a.data = new Uint8Array(m.buffers[b++]!, a.offset, a.size);
        const n = a.lengths.length;
        const seqs = Array.from(m.seqs.subarray(at, at + n));
        at += n;
        // Rows are kept only for a reader that caught up (its tail accepts them).
        const tail = this.tails.get(a.partition);
        if (tail?.accepting) tail.pushRequest(seqs, a.data, a.lengths, a.now, a.payloads);
        this.counts.added(a.partition, n, a.size, a.now);
        a.resolve(seqs);
      }
    }
    this.counts.setOldest(m.oldest);
  }

  /** A partition's drainer stopped: its rows in memory go, here and in the worker; its counts too if it holds none. */
  release(partition: string): void {
    this.tails.get(partition)?.reset();
    this.tails.delete(partition);
    this.counts.forgetEmpty(partition);
    if (!this.closing) this.channel.post({ op: "release", partition });
  }

  private tailOf(partition: string): SpoolTail {
    const t = this.tails.get(partition) ?? new SpoolTail(TAIL_MAX_BYTES, this.tailMemory);
    this.tails.set(partition, t);
    return t;
  }

  private died(error: Error): void {
    for (const a of this.queued) a.reject(error);
    this.queued = [];
    for (const group of this.inFlight.values()) for (const a of group) a.reject(error);
    this.inFlight.clear();
    this.closing ??= Promise.resolve();
    for (const listener of this.failureListeners) listener(error);
  }
}
