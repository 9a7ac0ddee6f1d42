/**
 * A write to gateway.db that is durable when it commits. The file runs in WAL mode with
 * `synchronous = NORMAL` (database.ts): a commit reaches the disk at the next checkpoint, so a
 * power loss can roll the last commits back. That is fine for a source task's offset commit (a
 * rollback only re-reads records) and for statuses, but not for what the REST API acknowledged:
 * connector configs, target states, task configs and altered or reset offsets. Those commit with
 * `synchronous = FULL` (the WAL is synced at the commit), as the spool does for its appends
 * (spool-database.ts). Such writes are rare; the mode is put back afterwards.
 *
 * Called by ConfigStore and OffsetStore.
 */
import type { Database } from "bun:sqlite";

/**
 * Runs `write` in one transaction committed with `synchronous = FULL`. Inside a transaction
 * already (SQLite refuses to change the mode there) it runs as part of that one, whose commit the
 * outer caller made durable.
 */
export function durably<T>(db: Database, write: () => T): T {
  if (db.inTransaction) return write();
  db.run("PRAGMA synchronous = FULL");
  try {
    return db.transaction(write)();
  } finally {
    db.run("PRAGMA synchronous = NORMAL");
  }
}
