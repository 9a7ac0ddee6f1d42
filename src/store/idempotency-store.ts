/**
 * Idempotency-Key records of the ingest listener, in SQLite (migrations 2, 3 and 4), so a retried
 * request is recognised across a gateway restart: per connector, requester (`principal`, '' for
 * anonymous requests) and key, a hash of the request and the response it got, until `expires_at`.
 * Expired rows are ignored at once and deleted by a timer (`startPruning`: a batch a second while
 * there are more, else once a minute) and when a put finds no room. A deleted connector's keys go
 * with it (`removeConnector`, from the herder's delete): a connector created again under its name
 * must not replay the old one's answers. Called by the ingest IdempotencyGuard, the Herder and the
 * offline `delete-connector` command.
 *
 * Size (explore5 E3): each key keeps the whole answer (a 10,000-record request's answer is ~580 KB),
 * so the store counts its keys and their bytes (`usage`, on /metrics) and holds them under a cap
 * (`maxBytes`, the worker's ingest.idempotency.max.bytes): a put that would pass it first deletes
 * the keys that expire first, and reports how many of them had not expired yet.
 *
 * gateway.db commits at `synchronous = NORMAL`; a key's answer must not be sent before its row is
 * durable (a key lost to a power loss after its answer makes the device's retry write again), so
 * `durable()` fsyncs the WAL (wal-sync.ts: off the event loop, one fsync for the keys of many
 * requests) and the guard awaits it before answering. bench/idempotency-durable.ts measured the
 * alternatives (BENCHMARKS.md "Durable Idempotency-Keys").
 */
import type { Database, Statement } from "bun:sqlite";
import { ConnectError } from "../errors.ts";
import type { SetTimer } from "../util/timer.ts";
import { WalSync } from "./wal-sync.ts";

export interface StoredResponse {
  readonly requestHash: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** The keys kept (expired ones not yet deleted included) and the bytes of their rows' values. */
export interface IdempotencyUsage {
  readonly keys: number;
  readonly bytes: number;
}

type Row = { request_hash: string; status: number; content_type: string; body: Uint8Array };
type Sized = { rowid: number; bytes: number; expires_at: number };

/**
 * What a key's row holds, in bytes: the answer's body, the texts (UTF-8) of its connector, scope,
 * key, request hash and content type, and three 8-byte integers. SQLite's pages, indexes and free
 * space come on top (a one-record key of ~200 bytes took ~310 bytes of the file: explore5 E3).
 */
const ROW_BYTES = `(length(body) + length(CAST(connector AS BLOB)) + length(CAST(principal AS BLOB))
  + length(CAST(idempotency_key AS BLOB)) + length(CAST(request_hash AS BLOB)) + length(CAST(content_type AS BLOB)) + 24)`;

function rowBytes(connector: string, principal: string, key: string, response: StoredResponse): number {
  const text = (s: string) => Buffer.byteLength(s, "utf8");
  return (
    response.body.byteLength +
    text(connector) +
    text(principal) +
    text(key) +
    text(response.requestHash) +
    text(response.contentType) +
    24
  );
}

/** Expired keys deleted by one run of the pruning timer. */
export const PRUNE_BATCH = 500;
/** Between runs while the last one found a full batch. */
export const PRUNE_BUSY_MS = 1_000;
/** Between runs once none was left: an expired key stays at most about this long. */
export const PRUNE_IDLE_MS = 60_000;
/** Rows looked at a time when the cap makes room. */
const EVICT_BATCH = 100;

export interface IdempotencyStoreOptions {
  /** What makes the commits so far durable (tests); by default an fsync of the file's WAL. */
  readonly sync?: () => Promise<void>;
  /** Most bytes of keys kept (ingest.idempotency.max.bytes); 0 or unset: no cap. */
  readonly maxBytes?: number;
}

export class IdempotencyStore {
  private readonly getQuery: Statement<Row, [string, string, string, number]>;
  private readonly upsert: Statement<
    unknown,
    [string, string, string, string, number, string, Uint8Array, number, number]
  >;
  private readonly sizeOf: Statement<{ bytes: number }, [string, string, string]>;
  private readonly oldest: Statement<Sized, [string, string, string, number]>;
  private readonly deleteRow: Statement<unknown, [number]>;
  private readonly pruneBatch: Statement<{ bytes: number }, [number, number]>;
  private readonly connectorUsage: Statement<{ keys: number; bytes: number }, [string]>;
  private readonly deleteConnector: Statement<unknown, [string]>;
  private readonly storeWithin: (
    connector: string,
    principal: string,
    key: string,
    response: StoredResponse,
    now: number,
    windowMs: number,
    size: number,
  ) => { replaced: number | undefined; freedKeys: number; freedBytes: number; early: number };
  private keys: number;
  private bytes: number;
  private pruning: { cancel(): void } | undefined;
  private closed = false;
  /** Most bytes of keys kept; 0: no cap. */
  readonly maxBytes: number;

  constructor(
    private readonly db: Database,
    options: IdempotencyStoreOptions = {},
  ) {
    const file = db.filename;
    if (options.sync) this.durable = options.sync;
    else if (file !== "" && file !== ":memory:") {
      const wal = new WalSync(`${file}-wal`);
      this.durable = () => wal.sync();
    } else this.durable = async () => {};
    this.maxBytes = options.maxBytes ?? 0;
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
    this.sizeOf = db.query(
      `SELECT ${ROW_BYTES} AS bytes FROM ingest_idempotency WHERE connector = ? AND principal = ? AND idempotency_key = ?`,
    );
    // The index on expires_at gives the keys that expire first (the oldest, with one window).
    this.oldest = db.query(
      `SELECT rowid, ${ROW_BYTES} AS bytes, expires_at FROM ingest_idempotency
       WHERE NOT (connector = ? AND principal = ? AND idempotency_key = ?) ORDER BY expires_at LIMIT ?`,
    );
    this.deleteRow = db.query("DELETE FROM ingest_idempotency WHERE rowid = ?");
    this.pruneBatch = db.query(
      `DELETE FROM ingest_idempotency WHERE rowid IN
         (SELECT rowid FROM ingest_idempotency WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)
       RETURNING ${ROW_BYTES} AS bytes`,
    );
    this.connectorUsage = db.query(
      `SELECT count(*) AS keys, coalesce(sum(${ROW_BYTES}), 0) AS bytes FROM ingest_idempotency WHERE connector = ?`,
    );
    this.deleteConnector = db.query("DELETE FROM ingest_idempotency WHERE connector = ?");
    const total = db
      .query(`SELECT count(*) AS keys, coalesce(sum(${ROW_BYTES}), 0) AS bytes FROM ingest_idempotency`)
      .get() as IdempotencyUsage;
    this.keys = total.keys;
    this.bytes = total.bytes;
    this.storeWithin = db.transaction((connector, principal, key, response, now, windowMs, size) => {
      const replaced = this.sizeOf.get(connector, principal, key)?.bytes;
      const room = this.makeRoom(size - (replaced ?? 0), now, { connector, principal, key });
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
      return { replaced, ...room };
    });
  }

  /** Resolves once every key stored before the call is durable (survives a power loss). */
  readonly durable: () => Promise<void>;

  /** The keys kept now and their bytes (as ROW_BYTES counts them). */
  usage(): IdempotencyUsage {
    return { keys: this.keys, bytes: this.bytes };
  }

  /** `principal`: who sent the request ('' for anonymous requests); keys of others are not seen. */
  get(connector: string, principal: string, key: string, now: number): StoredResponse | undefined {
    const row = this.getQuery.get(connector, principal, key, now);
    if (!row) return undefined;
    return { requestHash: row.request_hash, status: row.status, contentType: row.content_type, body: row.body };
  }

  /**
   * Stores the answer under its key and returns how many other keys were deleted before they expired
   * to keep the keys under `maxBytes` (the keys that expire first go first; expired ones are not
   * counted). Throws, storing nothing, for an answer larger than the cap by itself. When the upsert
   * fails (a full file: the expired rows are the room a new key needs) the expired keys are pruned
   * and it is tried once more.
   */
  put(
    connector: string,
    principal: string,
    key: string,
    response: StoredResponse,
    now: number,
    windowMs: number,
  ): number {
    const size = rowBytes(connector, principal, key, response);
    if (this.maxBytes > 0 && size > this.maxBytes)
      throw new ConnectError(
        `its answer takes ${size} bytes, more than ingest.idempotency.max.bytes=${this.maxBytes} allows for all keys`,
      );
    const store = () => this.storeWithin(connector, principal, key, response, now, windowMs, size);
    let stored: ReturnType<typeof store>;
    try {
      stored = store();
    } catch (error) {
      if (!this.pruneExpired(now)) throw error;
      stored = store();
    }
    this.keys += (stored.replaced === undefined ? 1 : 0) - stored.freedKeys;
    this.bytes += size - (stored.replaced ?? 0) - stored.freedBytes;
    return stored.early;
  }

  /**
   * Deletes the keys that expire first until `grow` more bytes fit under the cap (never `keep`, the
   * key being stored). Inside the put's transaction: a failed put deletes nothing.
   */
  private makeRoom(
    grow: number,
    now: number,
    keep: { connector: string; principal: string; key: string },
  ): { freedKeys: number; freedBytes: number; early: number } {
    const freed = { freedKeys: 0, freedBytes: 0, early: 0 };
    const over = () => this.bytes - freed.freedBytes + grow > this.maxBytes;
    while (this.maxBytes > 0 && over()) {
      const rows = this.oldest.all(keep.connector, keep.principal, keep.key, EVICT_BATCH);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (!over()) break;
        this.deleteRow.run(row.rowid);
        freed.freedKeys++;
        freed.freedBytes += row.bytes;
        if (row.expires_at > now) freed.early++;
      }
    }
    return freed;
  }

  /** Deletes every key of `connector` (deleted); returns how many there were. */
  removeConnector(connector: string): number {
    const removed = this.db.transaction(() => {
      const usage = this.connectorUsage.get(connector) ?? { keys: 0, bytes: 0 };
      this.deleteConnector.run(connector);
      return usage;
    })();
    this.keys -= removed.keys;
    this.bytes -= removed.bytes;
    return removed.keys;
  }

  /**
   * Deletes expired keys on `setTimer`, `now` giving the time they are compared with: PRUNE_BATCH
   * at a time, every PRUNE_BUSY_MS while a run found a full batch, else every PRUNE_IDLE_MS. A run
   * that fails (a full disk) is tried again at the next. Until `close`.
   */
  startPruning(now: () => number, setTimer: SetTimer): void {
    const run = () => {
      if (this.closed) return;
      let full = false;
      try {
        full = this.pruneSome(now()) === PRUNE_BATCH;
      } catch {
        // The next run tries again; a put that needs the room prunes by itself.
      }
      if (!this.closed) this.pruning = setTimer(run, full ? PRUNE_BUSY_MS : PRUNE_IDLE_MS);
    };
    this.pruning = setTimer(run, PRUNE_BUSY_MS);
  }

  /** Stops the pruning timer (before the database closes). */
  close(): void {
    this.closed = true;
    this.pruning?.cancel();
  }

  /** Deletes up to PRUNE_BATCH expired keys; returns how many. */
  private pruneSome(now: number): number {
    const rows = this.pruneBatch.all(now, PRUNE_BATCH);
    this.keys -= rows.length;
    for (const row of rows) this.bytes -= row.bytes;
    return rows.length;
  }

  /** Deletes the expired keys; false when a delete failed (the next put tries again). */
  private pruneExpired(now: number): boolean {
    try {
      while (this.pruneSome(now) === PRUNE_BATCH);
    } catch {
      return false;
    }
    return true;
  }
}
