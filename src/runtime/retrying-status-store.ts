/**
 * RetryingStatusStore: the StatusStore as the herder sees it, for a status write that fails (the
 * worker's SQLite file is full: SQLITE_FULL). Connect's KafkaStatusBackingStore sends a status and
 * retries it when the send fails, never failing the caller; here the latest status of each
 * connector and task that could not be stored is kept in memory, reads see it (memory wins over the
 * stored row until it is stored), and it is written again with the next status write of any
 * connector or task and every `retryMs` on a timer while any is kept (unref'd; `close` stops it).
 *
 * Logging is per episode, not per retry: the first failure logs an ERROR, further failures a DEBUG
 * line, and the write that empties the backlog an INFO. Removing a connector's or task's statuses
 * forgets what is kept of them, so a deleted connector is never written back.
 *
 * Called by the herder (reads, removals) and StatusWriter (writes) on the event loop: no locking.
 */
import { messageOf } from "../errors.ts";
import type { Status, StatusStore } from "../store/status-store.ts";
import type { Logger } from "../util/logger.ts";
import { type SetTimer, unrefTimer } from "../util/timer.ts";

/** The reads of a StatusStore (what status responses and metrics use). */
export type StatusReader = Pick<StatusStore, "connector" | "task" | "tasks">;

export interface RetryingStatusStoreOptions {
  readonly store: StatusStore;
  readonly log: Logger;
  /** Default: unref'd `setTimeout`. */
  readonly setTimer?: SetTimer;
  /** Default STATUS_RETRY_MS. */
  readonly retryMs?: number;
}

/** How often kept statuses are written again while any is kept. */
export const STATUS_RETRY_MS = 5000;

/** The connector's own status, as StatusStore numbers it. */
const CONNECTOR = -1;

interface Kept {
  readonly connector: string;
  readonly task: number;
  readonly status: Status;
}

const keyOf = (connector: string, task: number) => `${task}\u0000${connector}`;
const nameOf = (connector: string, task: number) =>
  task === CONNECTOR ? `connector ${connector}` : `task ${connector}-${task}`;

export class RetryingStatusStore implements StatusReader {
  private readonly kept = new Map<string, Kept>();
  private readonly setTimer: SetTimer;
  private readonly retryMs: number;
  private timer: { cancel(): void } | undefined;
  private closed = false;

  constructor(private readonly o: RetryingStatusStoreOptions) {
    this.setTimer = o.setTimer ?? unrefTimer;
    this.retryMs = o.retryMs ?? STATUS_RETRY_MS;
  }

  /** Statuses kept in memory because they could not be stored. */
  get pending(): number {
    return this.kept.size;
  }

  /** Stores the connector's status, or keeps it to retry; never throws. */
  putConnector(connector: string, status: Status): void {
    this.put(connector, CONNECTOR, status);
  }

  /** Stores the task's status, or keeps it to retry; never throws. */
  putTask(connector: string, task: number, status: Status): void {
    this.put(connector, task, status);
  }

  private put(connector: string, task: number, status: Status): void {
    if (this.kept.size > 0) this.retry();
    const key = keyOf(connector, task);
    try {
      this.write(connector, task, status);
    } catch (error) {
      const first = this.kept.size === 0;
      this.kept.set(key, { connector, task, status });
      this.schedule();
      const what = `Could not store status ${status.state} of ${nameOf(connector, task)}`;
      if (first) {
        this.o.log.error(
          `${what} (${messageOf(error)}); it is kept in memory (status requests show it) and written again every ${this.retryMs} ms and with the next status change; the worker goes on`,
          error,
        );
      } else this.o.log.debug(`${what} either (${messageOf(error)}); kept in memory`);
      return;
    }
    if (this.kept.delete(key) && this.kept.size === 0) this.recovered();
  }

  private write(connector: string, task: number, status: Status): void {
    if (task === CONNECTOR) this.o.store.putConnector(connector, status);
    else this.o.store.putTask(connector, task, status);
  }

  /**
   * Writes what is kept, oldest first. One that still fails stays kept and the others are tried
   * too: a status with a long trace may not fit where a short one does.
   */
  private retry(): void {
    if (this.kept.size === 0) return;
    for (const [key, k] of this.kept) {
      try {
        this.write(k.connector, k.task, k.status);
      } catch {
        continue;
      }
      this.kept.delete(key);
    }
    if (this.kept.size === 0) this.recovered();
    else this.schedule();
  }

  private recovered(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.o.log.info("Statuses are stored again: those kept in memory while the store was full are written");
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      this.retry();
      if (this.kept.size > 0) this.schedule();
    }, this.retryMs);
  }

  /** Stops the retry timer (the worker stops); what is still kept is lost, as a status never sent. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  connector(connector: string): Status | undefined {
    if (this.kept.size > 0) {
      const kept = this.kept.get(keyOf(connector, CONNECTOR));
      if (kept) return kept.status;
    }
    return this.o.store.connector(connector);
  }

  task(connector: string, task: number): Status | undefined {
    if (this.kept.size > 0) {
      const kept = this.kept.get(keyOf(connector, task));
      if (kept) return kept.status;
    }
    return this.o.store.task(connector, task);
  }

  tasks(connector: string): { id: number; status: Status }[] {
    const stored = this.o.store.tasks(connector);
    if (this.kept.size === 0) return stored;
    const byId = new Map(stored.map((t) => [t.id, t.status]));
    for (const k of this.kept.values()) if (k.connector === connector && k.task >= 0) byId.set(k.task, k.status);
    return [...byId].sort(([a], [b]) => a - b).map(([id, status]) => ({ id, status }));
  }

  /** Removes the statuses of tasks numbered `from` and above, kept ones too. */
  removeTasksFrom(connector: string, from: number): void {
    this.forget((k) => k.connector === connector && k.task >= Math.max(from, 0));
    this.o.store.removeTasksFrom(connector, from);
  }

  /** Removes the connector's and its tasks' statuses, kept ones too. */
  removeConnector(connector: string): void {
    this.forget((k) => k.connector === connector);
    this.o.store.removeConnector(connector);
  }

  private forget(matches: (k: Kept) => boolean): void {
    if (this.kept.size === 0) return;
    for (const [key, k] of this.kept) if (matches(k)) this.kept.delete(key);
    if (this.kept.size === 0) {
      this.timer?.cancel();
      this.timer = undefined;
    }
  }
}
