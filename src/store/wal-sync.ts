/**
 * WalSync: makes what was committed to a WAL-mode SQLite file at `synchronous = NORMAL` durable,
 * without the commit itself waiting for the disk. At NORMAL a commit appends its frames to the
 * `-wal` file and returns; the frames reach the disk at the next checkpoint (which syncs the WAL
 * first), so a power loss can roll back the last commits. An fsync of the `-wal` file makes every
 * frame written before it durable: the same guarantee `synchronous = FULL` gives at each commit,
 * but run on the thread pool (node:fs/promises), so the event loop goes on meanwhile, and grouped:
 * one fsync in flight at a time; callers that come while it runs share the next one (their commits
 * may be after its start). A checkpoint meanwhile is harmless: it syncs the database file before
 * the WAL is reused, and the -wal file stays the same file (SQLite truncates it, never replaces it,
 * while the database is open). The -wal file carries no lock of SQLite's (WAL mode with exclusive
 * locking keeps the index in memory and locks the database file), so opening and closing it here
 * cannot release one.
 *
 * An fsync that does not finish within `timeoutMs` (a stalled disk) rejects its callers and those
 * queued behind it, as a failed one does: an ingest request waiting for its key to be durable is
 * answered (its key counted as not stored) instead of holding its route's request slot and its
 * key forever. No second fsync starts while one is still running (a stalled disk would tie up the
 * thread pool); the one queued behind it runs once it ends.
 *
 * Used by IdempotencyStore: an Idempotency-Key is answered only once its row is durable.
 */
import { open } from "node:fs/promises";

export class WalSync {
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** fsyncs started (one per group of callers). */
  syncs = 0;

  constructor(
    private readonly walPath: string,
    private readonly fsync: (path: string) => Promise<void> = fsyncFile,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Resolves once every commit made before the call is on disk; rejects when the fsync failed. */
  sync(): Promise<void> {
    if (!this.inFlight) return this.start();
    this.queued ??= this.bounded(
      this.inFlight.then(
        () => this.start(),
        () => this.start(),
      ),
    );
    return this.queued;
  }

  private start(): Promise<void> {
    this.queued = undefined;
    this.syncs += 1;
    const run = this.fsync(this.walPath).finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return this.bounded(run);
  }

  /** `fsync`, rejected once `timeoutMs` passed without it settling (one timer per group of callers). */
  private bounded(fsync: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`The fsync of ${this.walPath} did not finish within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      timer.unref();
      fsync.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }
}

async function fsyncFile(path: string): Promise<void> {
  const file = await open(path, "r");
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}
