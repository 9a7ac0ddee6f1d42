/**
 * Numbered, forward-only schema migrations. `database.ts` applies those above the file's
 * `PRAGMA user_version`, each in its own transaction. Never edit a released migration: add one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "connect state",
    sql: `
      CREATE TABLE connectors (
        name TEXT PRIMARY KEY,
        config TEXT NOT NULL,
        target_state TEXT NOT NULL CHECK (target_state IN ('STARTED', 'PAUSED', 'STOPPED')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE task_configs (
        connector TEXT NOT NULL REFERENCES connectors(name) ON DELETE CASCADE,
        task INTEGER NOT NULL,
        config TEXT NOT NULL,
        PRIMARY KEY (connector, task)
      ) STRICT;
      CREATE TABLE source_offsets (
        connector TEXT NOT NULL,
        partition_key TEXT NOT NULL,
        partition TEXT NOT NULL,
        offset TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (connector, partition_key)
      ) STRICT;
      CREATE TABLE statuses (
        connector TEXT NOT NULL,
        task INTEGER NOT NULL,
        state TEXT NOT NULL,
        trace TEXT,
        worker_id TEXT NOT NULL,
        PRIMARY KEY (connector, task)
      ) STRICT;
      CREATE TABLE active_topics (
        connector TEXT NOT NULL,
        topic TEXT NOT NULL,
        PRIMARY KEY (connector, topic)
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: "ingest idempotency keys",
    sql: `
      CREATE TABLE ingest_idempotency (
        connector TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        body BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (connector, idempotency_key)
      ) STRICT;
      CREATE INDEX ingest_idempotency_expiry ON ingest_idempotency (expires_at);
    `,
  },
];
