/**
 * The store-and-forward spool of ingest acknowledgement mode `spool`: records a device was told
 * are safe, until Kafka acknowledged them. SpoolStore is the main thread's side; the SQLite file
 * (`<data.dir>/spool.db`, SQL in spool-database.ts) is owned by a worker thread (spool-worker.ts)
 * so that inserts, the commit's write and fsync, reads and deletes run on another core than the
 * event loop that parses requests and produces to Kafka.
 *
 * Group commit: `append` queues the records; once per event-loop turn everything queued goes to
 * the worker as packed groups (one transferred buffer per ≤ COMMIT_MAX_BYTES), and the worker
 * commits the groups waiting for it as one transaction with one fsync (synchronous=FULL). `append`
 * resolves when the worker answers `durable`, after that commit: "answered ⇒ fsync'ed" holds.
 *
 * The main thread keeps what must be known at once: per partition the records and bytes held
 * (`heldBytes` for ingest.spool.max.bytes, `stats` for /metrics), updated when a commit is
 * durable and when `delete` is called, and the oldest row's time, which the worker reports after
 * deletes. A drainer that keeps up reads the rows it appended from memory (SpoolTail), with the
 * payload the appender attached; otherwise `read` asks the worker.
 *
 * Failure: if the worker dies (an uncaught error, or it exits) the spool is not durable any more:
 * every pending operation rejects, `failure` is set, `onFailure` listeners run, and every later
 * append rejects. Nothing is answered as spooled that was not committed.
 *
 * Sequences come from AUTOINCREMENT: they only grow and are never reused (a partition's sequence
 * is its source offset). Deletes need no durability of their own (a lost delete re-sends a record,
 * a duplicate, never a loss): they are queued, coalesced into ranges and ride the next commit.
 */
import { StoreError } from "./database.ts";
import { deleteRanges, type PartitionStats } from "./spool-database.ts";
import { type FromWorker, pack, type RecordBatch, type ToWorker, unpack } from "./spool-protocol.ts";
import { SpoolTail, type TailRow } from "./spool-tail.ts";
import { COMMIT_MAX_BYTES } from "./spool-worker-loop.ts";

export { COMMIT_MAX_BYTES };
/** Most bytes of durable rows kept in memory per partition for a drainer that keeps up. */
export const TAIL_MAX_BYTES = 32 * 1_048_576;

export type SpoolRow = TailRow;

export interface SpoolStats {
  readonly records: number;
  readonly bytes: number;
  /** When the oldest record was spooled (ms since epoch), or null when empty. */
  readonly oldestAt: number | null;
}

export interface SpoolStoreOptions {
  readonly now?: () => number;
  /** The worker's entry (tests start a misbehaving one); default spool-worker.ts. */
  readonly workerUrl?: string | URL;
}

interface PendingAppend {
  readonly partition: string;
  /** The records back to back (its buffer moves to the worker and back), and each one's length. */
  data: Uint8Array;
  /** Where `data` is in its buffer (a moved view reads 0 for both until the buffer is back). */
  offset: number;
  size: number;
  readonly lengths: ArrayLike<number>;
  readonly payloads: readonly unknown[] | undefined;
  readonly now: number;
  readonly resolve: (seqs: number[]) => void;
  readonly reject: (error: unknown) => void;
}

interface Call {
  /** Runs in the message handler, before any later reply is handled. */
  readonly onReply: ((reply: FromWorker) => void) | undefined;
  readonly resolve: (reply: FromWorker) => void;
  readonly reject: (error: unknown) => void;
}

interface Counts {
  records: number;
  bytes: number;
  oldestAt: number | null;
}

/** Where the worker's entry is: beside this file, or in the compiled binary where scripts/build put it. */
export function spoolWorkerUrl(): string | URL {
  return import.meta.url.includes("/$bunfs/")
    ? "/$bunfs/root/store/spool-worker.ts"
    : new URL("./spool-worker.ts", import.meta.url);
}

/**
 * The error of a worker's uncaught exception. Bun's ErrorEvent has no `error`; its `message` is
 * the printed report (a source excerpt, then `error: <message>`, then the stack).
 */
function workerErrorMessage(event: ErrorEvent): string {
  if (event.error instanceof Error) return event.error.message;
  const text = String(event.message ?? "");
  return /^\w*(?:error|Error): (.+)$/m.exec(text)?.[1] ?? (text.trim() || "unknown error");
}

function packed(records: readonly Uint8Array[]): RecordBatch {
  const p = pack(records);
  return { data: new Uint8Array(p.data), lengths: p.lengths };
}

/**
 * The append message of a group: each request's buffer is moved to the worker as it is (a buffer
 * two requests share, which callers avoid, is copied once so that each is moved once).
 */
function appendMessage(id: number, group: readonly PendingAppend[]): Extract<ToWorker, { op: "append" }> {
  let count = 0;
  let bytes = 0;
  for (const a of group) {
    count += a.lengths.length;
    bytes += a.size;
  }
  const lengths = new Uint32Array(count);
  const buffers: ArrayBuffer[] = [];
  const offsets: number[] = [];
  const seen = new Set<ArrayBufferLike>();
  let k = 0;
  for (const a of group) {
    if (seen.has(a.data.buffer) || !(a.data.buffer instanceof ArrayBuffer)) {
      a.data = a.data.slice();
      a.offset = 0;
    }
    seen.add(a.data.buffer);
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

export class SpoolStore {
  private queued: PendingAppend[] = [];
  private sendScheduled = false;
  private readonly inFlight = new Map<number, PendingAppend[]>();
  private readonly calls = new Map<number, Call>();
  private deletes: [string, number][] = [];
  private deleteScheduled = false;
  private nextId = 1;
  private readonly counts = new Map<string, Counts>();
  private readonly tails = new Map<string, SpoolTail>();
  private readonly failureListeners = new Set<(error: Error) => void>();
  private closing: Promise<void> | undefined;
  /** Why the spool stopped working (the worker died); undefined while it works. */
  failure: Error | undefined;
  /** Duration of the last group commit (insert and fsync) in the worker, ms. */
  lastCommitMs = 0;
  /** Group commits so far, and appends they carried (for the group-commit test and metrics). */
  commits = 0;
  appendsCommitted = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly now: () => number,
  ) {
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    worker.addEventListener("error", (event) => {
      this.fail(new StoreError(`The spool worker failed: ${workerErrorMessage(event as ErrorEvent)}`));
    });
    worker.addEventListener("messageerror", () =>
      this.fail(new StoreError("The spool worker sent an unreadable message")),
    );
    worker.addEventListener("close", () => {
      if (!this.closing) this.fail(new StoreError("The spool worker exited unexpectedly"));
    });
  }

  /** Starts the worker and opens (creating if needed) `<dataDir>/spool.db` in it. */
  static async open(dataDir: string, options: SpoolStoreOptions = {}): Promise<SpoolStore> {
    const store = new SpoolStore(new Worker(options.workerUrl ?? spoolWorkerUrl()), options.now ?? Date.now);
    try {
      const reply = await store.call({ op: "open", id: store.nextId++, dataDir });
      if (reply.op === "opened") for (const s of reply.stats) store.setCounts(s);
    } catch (error) {
      store.closing = Promise.resolve();
      store.worker.terminate();
      throw error;
    }
    return store;
  }

  /**
   * Appends records to a partition (each its own byte array, or a request's records back to back
   * in one: `RecordBatch`); resolves with their sequences once they are fsync'ed. `payloads[i]`
   * comes back with record i when a reader gets it from memory.
   */
  append(
    partition: string,
    records: readonly Uint8Array[] | RecordBatch,
    payloads?: readonly unknown[],
  ): Promise<number[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new StoreError("The spool is closing"));
    const { data, lengths } = Array.isArray(records) ? packed(records) : (records as RecordBatch);
    if (lengths.length === 0) return Promise.resolve([]);
    return new Promise<number[]>((resolve, reject) => {
      this.queued.push({
        partition,
        data,
        offset: data.byteOffset,
        size: data.byteLength,
        lengths,
        payloads,
        now: this.now(),
        resolve,
        reject,
      });
      if (!this.sendScheduled) {
        this.sendScheduled = true;
        setImmediate(() => this.sendAppends());
      }
    });
  }

  private sendAppends(): void {
    this.sendScheduled = false;
    let queued = this.queued;
    this.queued = [];
    while (queued.length > 0) {
      let take = 0;
      let bytes = 0;
      while (take < queued.length && (take === 0 || bytes < COMMIT_MAX_BYTES)) {
        bytes += queued[take]!.size;
        take++;
      }
      const group = queued.slice(0, take);
      queued = queued.slice(take);
      const id = this.nextId++;
      this.inFlight.set(id, group);
      const message = appendMessage(id, group);
      this.post(message, [...message.buffers]);
    }
  }

  /**
   * Up to `limit` rows of a partition after sequence `afterSeq`, oldest first: from memory when
   * the drainer keeps up (rows carry their appender's payload then), else read by the worker.
   */
  async read(partition: string, afterSeq: number, limit: number): Promise<SpoolRow[]> {
    if (this.failure) throw this.failure;
    const tail = this.tailOf(partition);
    const fromMemory = tail.take(afterSeq, limit);
    if (fromMemory) return fromMemory;
    tail.reset();
    // The tail learns the answer in the message handler, in reply order (see SpoolTail).
    const reply = await this.call({ op: "read", id: this.nextId++, partition, after: afterSeq, limit }, (r) => {
      if (r.op === "rows") tail.readFromFile(afterSeq, r.seqs, limit);
    });
    if (reply.op !== "rows") return [];
    const records = unpack(reply.records);
    return records.map((record, i) => ({
      seq: reply.seqs[i]!,
      record,
      bytes: record.byteLength,
      spooledAt: reply.spooledAt[i]!,
    }));
  }

  /** Deletes a row Kafka acknowledged (queued: sent once per event-loop turn, riding a commit). */
  delete(partition: string, seq: number, bytes: number): void {
    const c = this.countsOf(partition);
    c.records = Math.max(0, c.records - 1);
    c.bytes = Math.max(0, c.bytes - bytes);
    this.deletes.push([partition, seq]);
    if (!this.deleteScheduled) {
      this.deleteScheduled = true;
      setImmediate(() => this.flushDeletes());
    }
  }

  /** Sends the deletes queued so far to the worker now. */
  flushDeletes(): void {
    this.deleteScheduled = false;
    if (this.deletes.length === 0 || this.failure) return;
    const ranges = deleteRanges(this.deletes);
    this.deletes = [];
    this.post({ op: "delete", ranges });
  }

  /** Deletes every row of a partition up to `seq` (rows a committed source offset covers). */
  async deleteThrough(partition: string, seq: number): Promise<void> {
    this.flushDeletes();
    const reply = await this.call({ op: "deleteThrough", id: this.nextId++, partition, seq });
    if (reply.op === "done" && reply.stats) this.setCounts(reply.stats);
  }

  /** Bytes of a partition's rows (no query: the counts kept in memory). */
  heldBytes(partition: string): number {
    return this.countsOf(partition).bytes;
  }

  stats(partition: string): SpoolStats {
    const c = this.countsOf(partition);
    return { records: c.records, bytes: c.bytes, oldestAt: c.records > 0 ? c.oldestAt : null };
  }

  /** Partitions with rows in the spool. */
  partitions(): string[] {
    return [...this.counts].filter(([, c]) => c.records > 0).map(([p]) => p);
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
        await this.call({ op: "close", id: this.nextId++ }).catch(() => undefined);
      }
      this.worker.terminate();
    })();
    return this.closing;
  }

  private receive(m: FromWorker): void {
    switch (m.op) {
      case "durable":
        this.durable(m);
        return;
      case "deleted":
        this.setOldest(m.oldest);
        return;
      case "failed": {
        const error = new StoreError(`The spool could not store the records: ${m.message}`);
        for (const id of m.ids) {
          for (const a of this.inFlight.get(id) ?? []) a.reject(error);
          this.inFlight.delete(id);
          this.calls.get(id)?.reject(new StoreError(m.message));
          this.calls.delete(id);
        }
        return;
      }
      default: {
        const call = this.calls.get(m.id);
        this.calls.delete(m.id);
        call?.onReply?.(m);
        call?.resolve(m);
      }
    }
  }

  private durable(m: Extract<FromWorker, { op: "durable" }>): void {
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
        const c = this.countsOf(a.partition);
        const tail = this.tailOf(a.partition);
        const n = a.lengths.length;
        const seqs = new Array<number>(n);
        let offset = 0;
        for (let i = 0; i < n; i++) {
          const length = a.lengths[i]!;
          const seq = m.seqs[at++]!;
          seqs[i] = seq;
          c.bytes += length;
          const record = a.data.subarray(offset, offset + length);
          offset += length;
          tail.push({ seq, record, bytes: length, spooledAt: a.now, payload: a.payloads?.[i] });
        }
        if (c.records === 0) c.oldestAt = a.now;
        c.records += n;
        a.resolve(seqs);
      }
    }
    this.setOldest(m.oldest);
  }

  private setOldest(oldest: readonly [string, number | null][]): void {
    for (const [p, at] of oldest) this.countsOf(p).oldestAt = at;
  }

  private setCounts(s: PartitionStats): void {
    this.counts.set(s.partition, { records: s.records, bytes: s.bytes, oldestAt: s.oldestAt });
  }

  private countsOf(partition: string): Counts {
    let c = this.counts.get(partition);
    if (!c) {
      c = { records: 0, bytes: 0, oldestAt: null };
      this.counts.set(partition, c);
    }
    return c;
  }

  private tailOf(partition: string): SpoolTail {
    let t = this.tails.get(partition);
    if (!t) {
      t = new SpoolTail(TAIL_MAX_BYTES);
      this.tails.set(partition, t);
    }
    return t;
  }

  private call(message: Extract<ToWorker, { id: number }>, onReply?: (reply: FromWorker) => void): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<FromWorker>((resolve, reject) => {
      this.calls.set(message.id, { onReply, resolve, reject });
      this.post(message);
    });
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const a of this.queued) a.reject(error);
    this.queued = [];
    for (const group of this.inFlight.values()) for (const a of group) a.reject(error);
    this.inFlight.clear();
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
    this.closing ??= Promise.resolve();
    this.worker.terminate();
    for (const listener of this.failureListeners) listener(error);
  }
}
