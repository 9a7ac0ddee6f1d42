/**
 * Numbered, forward-only schema migrations. `database.ts` applies those above the file's
 * `PRAGMA user_version`, all in one transaction. Never edit a released migration: add one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** The sql runs only for a file that had at most this version when the gateway started (else only the version is set). */
  readonly fromAtMost?: number;
}

/**
 * The scope (`principal`) of Idempotency-Keys stored before keys had one (gateway.db schema 2):
 * every identity's retry may match them (IdempotencyGuard). No identity's scope is this one (theirs
 * are `source:principal`).
 */
export const SCHEMA_2_KEY_SCOPE = "schema-2";

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
  {
    // Keys are scoped by the requester's identity (security review 2026-12-01, P2.6). Keys stored
    // before were not: they keep working for anonymous requests (principal ''), as before.
    version: 3,
    name: "ingest idempotency keys per identity",
    sql: `
      CREATE TABLE ingest_idempotency_3 (
        connector TEXT NOT NULL,
        principal TEXT NOT NULL DEFAULT '',
        idempotency_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        body BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (connector, principal, idempotency_key)
      ) STRICT;
      INSERT INTO ingest_idempotency_3
        (connector, principal, idempotency_key, request_hash, status, content_type, body, created_at, expires_at)
        SELECT connector, '', idempotency_key, request_hash, status, content_type, body, created_at, expires_at
        FROM ingest_idempotency;
      DROP TABLE ingest_idempotency;
      ALTER TABLE ingest_idempotency_3 RENAME TO ingest_idempotency;
      CREATE INDEX ingest_idempotency_expiry ON ingest_idempotency (expires_at);
    `,
  },
  {
    // The keys of a schema-2 file carry no identity: migration 3 put them in the anonymous scope,
    // where an authenticated device's retry across the upgrade did not look, and wrote again. On a
    // file upgraded from schema 2 now they get a scope of their own, which every identity's retry
    // looks at. A file already at 3 cannot tell them from anonymous ones: they stay anonymous.
    version: 4,
    name: "ingest idempotency keys stored before identities",
    fromAtMost: 2,
    sql: `UPDATE ingest_idempotency SET principal = '${SCHEMA_2_KEY_SCOPE}' WHERE principal = '';`,
  },
  {
    // A connector name's generation (idempotency-store.ts), changed when a connector is created or
    // deleted under it: a key answers only in the generation it was stored in, so keys a create
    // hides stay hidden across a restart until the timer has deleted them (review-p3ingest P2-1).
    // Keys stored before are generation 0, the generation of a name never changed.
    version: 5,
    name: "ingest idempotency key generations",
    sql: `
      ALTER TABLE ingest_idempotency ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE ingest_idempotency_generations (
        connector TEXT PRIMARY KEY,
        generation INTEGER NOT NULL,
        pending INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    // The member ids groups gave this gateway's sink consumers (consumer-member-store.ts): a task
    // starting fences only those, never another gateway's member with the same client id (explore20 F1).
    version: 6,
    name: "consumer member ids",
    sql: `
      CREATE TABLE consumer_members (
        connector TEXT NOT NULL,
        group_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        member_id TEXT NOT NULL,
        PRIMARY KEY (group_id, client_id, member_id)
      ) STRICT;
      CREATE INDEX consumer_members_connector ON consumer_members (connector);
    `,
  },
];
