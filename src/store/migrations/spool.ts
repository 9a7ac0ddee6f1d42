/**
 * Numbered, forward-only migrations of the spool file (`<data.dir>/spool.db`, spool-store.ts),
 * applied above its `PRAGMA user_version`. Never edit a released migration: add one.
 */
import type { Migration } from "./index.ts";

export const spoolMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "ingest spool",
    sql: `
      CREATE TABLE spool (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        partition TEXT NOT NULL,
        record BLOB NOT NULL,
        bytes INTEGER NOT NULL,
        spooled_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX spool_partition_seq ON spool (partition, seq);
    `,
  },
  {
    // No schema change: rows may now hold record layout version 2 (spool-record.ts), which an
    // older gateway cannot decode. Its migrations stop at 1, so it refuses this file ("newer than
    // this gateway knows") instead of failing the task on the first such row. Downgrading is
    // not supported while the spool holds records (README).
    version: 2,
    name: "spool record layout 2",
    sql: "SELECT 1",
  },
];
