/**
 * Numbered, forward-only migrations of the spool file (`<data.dir>/spool.db`, spool-store.ts),
 * applied above its `PRAGMA user_version`. Never edit a released migration: add one.
 */
import type { Migration } from "./index.ts";

/**
 * What makes a spool file of version 5 one of version 4 (its quarantined records go), an EMPTY one of version 4 one of version 3, and one of version 3 one of
 * version 2 (README "Losing or downgrading the spool file" quotes them word for word; a test
 * checks that, and that version 2 reads the result).
 */
export const SPOOL_DOWNGRADE_TO_4 = "DROP TABLE spool_quarantine; PRAGMA user_version = 4";
export const SPOOL_DOWNGRADE_TO_3 = "DROP TABLE spool_acked; PRAGMA user_version = 3";
export const SPOOL_DOWNGRADE_TO_2 =
  "DROP INDEX spool_partition_rows; CREATE INDEX spool_partition_seq ON spool (partition, seq); ALTER TABLE spool DROP COLUMN lengths; ALTER TABLE spool DROP COLUMN record_count; PRAGMA user_version = 2";

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
  {
    // One row per append (spool-database.ts): a row holds `record_count` records with sequences
    // seq - record_count + 1 .. seq (its key is its last sequence, so sqlite_sequence stays the last
    // sequence issued), `record` their bytes back to back, `lengths` their lengths (little-endian
    // uint32 each; NULL for a single record). Rows of version 2 read as rows of one record as they
    // are: nothing is rewritten. The index covers what deletes, stats and the oldest row read, so
    // none of them walks a row's overflow pages (the records come first in the row).
    version: 3,
    name: "spool rows of one append",
    sql: `
      ALTER TABLE spool ADD COLUMN record_count INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE spool ADD COLUMN lengths BLOB;
      DROP INDEX spool_partition_seq;
      CREATE INDEX spool_partition_rows ON spool (partition, seq, record_count, bytes, spooled_at);
    `,
  },
  {
    // Which records of a partly acknowledged row were deleted (SpoolRowAcks), kept in the same
    // transactions as the deletes: a row's delivered records are not sent again after a restart.
    // `seq` is the row's key; `acked` one byte per record of the row, 1 once deleted. Rows with
    // no entry have none of their records deleted.
    version: 4,
    name: "spool partly acknowledged rows",
    sql: "CREATE TABLE spool_acked (seq INTEGER PRIMARY KEY, acked BLOB NOT NULL) STRICT",
  },
  {
    // Records Kafka refused for good (INVALID_TIMESTAMP, MESSAGE_TOO_LARGE, …), moved out of the
    // spool so that they do not block its drain (spool-quarantine.ts), in the same transaction as
    // their delete: `seq` and `partition` as they were, `record` its bytes as spooled
    // (spool-record.ts), `topic`, Kafka's error and message, when it was spooled and quarantined
    // (ms since epoch). Kept until an operator deletes them (README). An older gateway refuses the
    // file (newer than it knows); SPOOL_DOWNGRADE_TO_4 drops the table.
    version: 5,
    name: "spool quarantine",
    sql: `
      CREATE TABLE spool_quarantine (
        seq INTEGER PRIMARY KEY,
        partition TEXT NOT NULL,
        topic TEXT,
        record BLOB NOT NULL,
        spooled_at INTEGER NOT NULL,
        quarantined_at INTEGER NOT NULL,
        kafka_error TEXT NOT NULL,
        message TEXT NOT NULL
      ) STRICT;
    `,
  },
];
