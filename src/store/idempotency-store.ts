/**
 * Idempotency-Key records of the ingest listener, in SQLite (migrations 2, 3 and 4), so a retried
 * request is recognised across a gateway restart: per connector, requester (`principal`, '' for
 * anonymous requests) and key, a hash of the request and the response it got, until `expires_at`. Expired rows are ignored at once and deleted in passing.
 *
 * gateway.db commits at `synchronous = NORMAL`; a key's answer must not be sent before its row is
 * durable (a key lost to a power loss after its answer makes the device's retry write again), so
 * `durable()` fsyncs the WAL (wal-sync.ts: off the event loop, one fsync for the keys of many
 * requests) and the guard awaits it before answering. bench/idempotency-durable.ts measured the
 * alternatives (BENCHMARKS.md "Durable Idempotency-Keys").
 */
import type { Database, Statement } from "bun:sqlite";
import { WalSync } from "./wal-sync.ts";

export interface StoredResponse {
  readonly requestHash: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

type Row = { request_hash: string; status: number; content_type: string; body: Uint8Array };

const PRUNE_EVERY_MS = 60_000;

export class IdempotencyStore {
  private readonly getQuery: Statement<Row, [string, string, string, number]>;
  private readonly upsert: Statement<
    unknown,
    [string, string, string, string, number, string, Uint8Array, number, number]
  >;
  private readonly prune: Statement<unknown, [number]>;
  private lastPrune = 0;

  /** `sync`: what makes the commits so far durable (tests); by default an fsync of the file's WAL. */
  constructor(db: Database, options: { sync?: () => Promise<void> } = {}) {
    const file = db.filename;
    if (options.sync) this.durable = options.sync;
    else if (file !== "" && file !== ":memory:") {
      const wal = new WalSync(`${file}-wal`);
      this.durable = () => wal.sync();
    } else this.durable = async () => {};
    this.getQuery = db.query(
      `SELECT request_hash, status, content_type, body FROM ingest_idempotency
       WHERE connector = ? AND principal = ? AND idempotency_key = ? AND expires_at > ?`,
    );
    this.upsert = db.query(
      `INSERT INTO ingest_idempotency (connector, principal, idempotency_key, request_hash, status, content_type, body, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (connector, principal, idempotency_key) DO UPDATE SET request_hash = excluded.request_hash,
         status = excluded.status, content_type = excluded.content_type, body = excluded.body,
         created_at = excluded.created_at, expires_at = excluded.expires_at`,
    );
    this.prune = db.query("DELETE FROM ingest_idempotency WHERE expires_at <= ?");
  }

  /** Resolves once every key stored before the call is durable (survives a power loss). */
  readonly durable: () => Promise<void>;

  /** `principal`: who sent the request ('' for anonymous requests); keys of others are not seen. */
  get(connector: string, principal: string, key: string, now: number): StoredResponse | undefined {
    const row = this.getQuery.get(connector, principal, key, now);
    if (!row) return undefined;
    return { requestHash: row.request_hash, status: row.status, contentType: row.content_type, body: row.body };
  }

  /**
   * Stores the answer under its key. Expired keys are pruned every PRUNE_EVERY_MS, and at once when
   * the upsert fails (a full file: the expired rows are the room a new key needs; the upsert is then
   * tried once more). A prune that fails never fails a put whose key was stored.
   */
  put(
    connector: string,
    principal: string,
    key: string,
    response: StoredResponse,
    now: number,
    windowMs: number,
  ): void {
    const upsert = () =>
      this.upsert.run(
        connector,
        principal,
        key,
        response.requestHash,
        response.status,
        response.contentType,
        response.body,
        now,
        now + windowMs,
      );
    try {
      upsert();
    } catch (error) {
      if (!this.pruneExpired(now)) throw error;
      upsert();
      return;
    }
    if (now - this.lastPrune >= PRUNE_EVERY_MS) this.pruneExpired(now);
  }

  /** Deletes the expired keys; false when the delete failed (the next put tries again). */
  private pruneExpired(now: number): boolean {
    try {
      this.prune.run(now);
    } catch {
      return false;
    }
    this.lastPrune = now;
    return true;
  }
}
