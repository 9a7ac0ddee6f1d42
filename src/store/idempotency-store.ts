/**
 * Idempotency-Key records of the ingest listener, in SQLite (migrations 2 to 5), so a retried
 * request is recognised across a gateway restart: per connector, requester (`principal`, '' for
 * anonymous requests) and key, a hash of the request and the response it got, until `expires_at`.
 * Expired rows are ignored at once and deleted by each put (PUT_PRUNE of them), by a timer
 * (`startPruning`: a batch every PRUNE_BUSY_MS while there are more, else once a minute) and when a
 * put finds no room. A deleted connector's keys go
 * with it (`connectorDeleted`, from the herder's delete): a connector created again under its name
 * must not replay the old one's answers. Each name has a generation, stored (migration 5) and
 * changed by the delete and by a create (`connectorCreated`); a key answers only in the generation
 * it was stored in. A deleted connector's keys, and keys left under a name a connector is created
 * with, are thus hidden at once, also after a restart, and deleted by the timer in batches, not in
 * the delete or the create (up to ~1.6 s at the cap; review-p3ingest P2-1); no clock is involved
 * (P3-1). A request begun in one generation stores no key in another (its put is discarded), so a
 * request of a deleted connector that ends after a connector of its name was created again does
 * not leave its key to the new one (p3ingest). A name's stored generation goes too (the timer), once
 * the name has no connector and no key left, so the table does not keep every name ever used; a
 * generation is never given twice in a process (each is past every one given before: `issued`), so
 * a request begun before the name's row went stores no key under a connector created after (small3).
 * Called by the ingest IdempotencyGuard, the Herder and the offline `delete-connector` command.
 *
 * Size (explore5 E3): each key keeps the whole answer (a 10,000-record request's answer is ~580 KB),
 * so the store counts its keys and their bytes (`usage`, on /metrics) and holds them under a cap
 * (`maxBytes`, the worker's ingest.idempotency.max.bytes): a put that would pass it first deletes
 * the keys that expire first, and reports how many of them had not expired yet. A store far over
 * the cap (an earlier release's file, a lowered cap) is brought under it by the timer in batches,
 * each put deleting only its own room and PUT_EVICT_EXTRA keys more (review P2-3). Hidden keys (of a
 * deleted connector, or left under a name created again) count in `usage` and against the cap until
 * deleted, as their rows still take the file, but are what makes room first, in a put and in the
 * timer: they never cost a live key (review-p3ingest-b P2-1).
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

/** The keys kept (expired and hidden ones not yet deleted included) and the bytes of their rows' values. */
export interface IdempotencyUsage {
  readonly keys: number;
  readonly bytes: number;
}

type Row = { request_hash: string; status: number; content_type: string; body: Uint8Array; generation: number };
type Sized = { rowid: number; bytes: number; expires_at: number };

/**
 * What a key's row holds, in bytes: the answer's body, the texts (UTF-8) of its connector, scope,
 * key, request hash and content type, and four 8-byte integers (status, created_at, expires_at and
 * generation; review-p3ingest-b P3-2). SQLite's pages, indexes and free
 * space come on top (a one-record key of ~200 bytes took ~310 bytes of the file: explore5 E3).
 */
const ROW_BYTES = `(length(body) + length(CAST(connector AS BLOB)) + length(CAST(principal AS BLOB))
  + length(CAST(idempotency_key AS BLOB)) + length(CAST(request_hash AS BLOB)) + length(CAST(content_type AS BLOB)) + 32)`;

function rowBytes(connector: string, principal: string, key: string, response: StoredResponse): number {
  const text = (s: string) => Buffer.byteLength(s, "utf8");
  return (
    response.body.byteLength +
    text(connector) +
    text(principal) +
    text(key) +
    text(response.requestHash) +
    text(response.contentType) +
    32
  );
}

/** Keys one run of the pruning timer deletes at most: expired ones, then as many over the cap. */
export const PRUNE_BATCH = 1000;
/** Between runs while the last one left work (a full batch of expired keys, or still over the cap). */
export const PRUNE_BUSY_MS = 100;
/** Between runs once none was left: an expired key stays at most about this long. */
export const PRUNE_IDLE_MS = 60_000;
/**
 * Expired keys a put deletes (two for the one it adds: expired keys cannot pile up whatever the
 * rate of keyed requests, with no cap too; explore review P2-2).
 */
export const PUT_PRUNE = 2;
/**
 * Keys a put deletes past the room its own key needs while the store is over the cap (after an
 * upgrade or a lowered cap): the timer deletes the rest in batches, not one put all at once
 * (explore review P2-3). Until then the keys stay over the cap, never further over it.
 */
export const PUT_EVICT_EXTRA = 2;

/** A put's answer is larger than ingest.idempotency.max.bytes by itself: the key is not stored. */
export class AnswerOverCapError extends ConnectError {
  override name = "AnswerOverCapError";
}

export interface IdempotencyStoreOptions {
  /** What makes the commits so far durable (tests); by default an fsync of the file's WAL. */
  readonly sync?: () => Promise<void>;
  /** Most bytes of keys kept (ingest.idempotency.max.bytes); 0 or unset: no cap. */
  readonly maxBytes?: number;
  /**
   * Whether a connector is stored (not deleted); unset: all are. A key of a request that was still
   * in flight when its connector was deleted is not stored after the connector's keys were deleted
   * (a connector created again under the name would replay it: review of fixe3, P3-5).
   */
  readonly connectorExists?: (connector: string) => boolean;
}

export class IdempotencyStore {
  private readonly getQuery: Statement<Row, [string, string, string, number]>;
  private readonly upsert: Statement<
    unknown,
    [string, string, string, string, number, string, Uint8Array, number, number, number]
  >;
  private readonly sizeOf: Statement<{ rowid: number; bytes: number }, [string, string, string]>;
  private readonly evictFirst: Statement<Sized, [number]>;
  private readonly evictHidden: Statement<{ bytes: number }, [string, number, number]>;
  private readonly pruneBatch: Statement<{ bytes: number }, [number, number]>;
  private readonly trimWithin: (now: number) => { freedKeys: number; freedBytes: number; early: number };
  private readonly storeWithin: (
    connector: string,
    principal: string,
    key: string,
    response: StoredResponse,
    now: number,
    windowMs: number,
    size: number,
  ) => {
    replaced: number | undefined;
    freedKeys: number;
    freedBytes: number;
    early: number;
    pruned: { bytes: number }[];
  };
  private keys: number;
  private bytes: number;
  private pruning: { cancel(): void } | undefined;
  /**
   * Connectors whose keys of generations before this one the timer deletes (no longer stored, or
   * created again under the name); `get` finds none of them meanwhile.
   */
  private readonly orphans = new Map<string, number>();
  /** Each connector name's generation (see `generation`), as stored; 0 for a name not stored. */
  private readonly generations = new Map<string, number>();
  /** Runs the pruning timer soon (after `connectorCreated`); none before `startPruning`. */
  private wakePruning: (() => void) | undefined;
  private readonly nextConnector: Statement<{ connector: string }, [string]>;
  private readonly orphanBatch: Statement<{ bytes: number }, [string, number, number]>;
  private readonly anyKey: Statement<{ one: number }, [string]>;
  private readonly storeGeneration: Statement<unknown, [string, number, number]>;
  private readonly cleaned: Statement<unknown, [string, number]>;
  private readonly forgetGeneration: Statement<unknown, [string, string]>;
  /** The highest generation stored or given since the store opened: the next one given is past it. */
  private issued = 0;
  private closed = false;
  /** Told of keys the pruning timer deleted before they expired to bring the keys under the cap. */
  onDropped: ((count: number) => void) | undefined;
  /** Most bytes of keys kept; 0: no cap. */
  readonly maxBytes: number;
  private readonly connectorExists: (connector: string) => boolean;

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
    this.connectorExists = options.connectorExists ?? (() => true);
    this.getQuery = db.query(
      `SELECT request_hash, status, content_type, body, generation FROM ingest_idempotency
       WHERE connector = ? AND principal = ? AND idempotency_key = ? AND expires_at > ?`,
    );
    this.upsert = db.query(
      `INSERT INTO ingest_idempotency (connector, principal, idempotency_key, request_hash, status, content_type, body, created_at, expires_at, generation)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (connector, principal, idempotency_key) DO UPDATE SET request_hash = excluded.request_hash,
         status = excluded.status, content_type = excluded.content_type, body = excluded.body,
         created_at = excluded.created_at, expires_at = excluded.expires_at, generation = excluded.generation`,
    );
    this.sizeOf = db.query(
      `SELECT rowid, ${ROW_BYTES} AS bytes FROM ingest_idempotency WHERE connector = ? AND principal = ? AND idempotency_key = ?`,
    );
    // The index on expires_at gives the key that expires first (the oldest, with one window); one
    // row a time, so eviction reads only what it deletes.
    this.evictFirst = db.query(
      `DELETE FROM ingest_idempotency WHERE rowid =
         (SELECT rowid FROM ingest_idempotency WHERE rowid <> ? ORDER BY expires_at LIMIT 1)
       RETURNING ${ROW_BYTES} AS bytes, expires_at`,
    );
    // One hidden key of a connector (a generation before `orphans` gives), never the row being stored.
    this.evictHidden = db.query(
      `DELETE FROM ingest_idempotency WHERE rowid =
         (SELECT rowid FROM ingest_idempotency WHERE connector = ? AND generation < ? AND rowid <> ? LIMIT 1)
       RETURNING ${ROW_BYTES} AS bytes`,
    );
    this.pruneBatch = db.query(
      `DELETE FROM ingest_idempotency WHERE rowid IN
         (SELECT rowid FROM ingest_idempotency WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)
       RETURNING ${ROW_BYTES} AS bytes`,
    );
    // Both through the primary key's index, which leads with the connector.
    this.nextConnector = db.query(
      "SELECT connector FROM ingest_idempotency WHERE connector > ? ORDER BY connector LIMIT 1",
    );
    this.orphanBatch = db.query(
      `DELETE FROM ingest_idempotency WHERE rowid IN
         (SELECT rowid FROM ingest_idempotency WHERE connector = ? AND generation < ? LIMIT ?)
       RETURNING ${ROW_BYTES} AS bytes`,
    );
    this.anyKey = db.query("SELECT 1 AS one FROM ingest_idempotency WHERE connector = ? LIMIT 1");
    // `pending`: keys of earlier generations may be left (the timer has not deleted them all yet).
    this.storeGeneration = db.query(
      `INSERT INTO ingest_idempotency_generations (connector, generation, pending) VALUES (?, ?, ?)
       ON CONFLICT (connector) DO UPDATE SET generation = excluded.generation, pending = excluded.pending`,
    );
    this.cleaned = db.query(
      "UPDATE ingest_idempotency_generations SET pending = 0 WHERE connector = ? AND generation <= ?",
    );
    // Only with no key of the name left, checked in the same statement.
    this.forgetGeneration = db.query(
      `DELETE FROM ingest_idempotency_generations WHERE connector = ?
         AND NOT EXISTS (SELECT 1 FROM ingest_idempotency WHERE connector = ?)`,
    );
    for (const row of db
      .query<{ connector: string; generation: number; pending: number }, []>(
        "SELECT connector, generation, pending FROM ingest_idempotency_generations",
      )
      .all()) {
      this.generations.set(row.connector, row.generation);
      this.issued = Math.max(this.issued, row.generation);
      if (row.pending) this.orphans.set(row.connector, row.generation);
    }
    const total = db
      .query(`SELECT count(*) AS keys, coalesce(sum(${ROW_BYTES}), 0) AS bytes FROM ingest_idempotency`)
      .get() as IdempotencyUsage;
    this.keys = total.keys;
    this.bytes = total.bytes;
    this.storeWithin = db.transaction((connector, principal, key, response, now, windowMs, size) => {
      const pruned = this.prunePut(now);
      const prunedBytes = pruned.reduce((sum, row) => sum + row.bytes, 0);
      const current = this.sizeOf.get(connector, principal, key);
      const grow = size - (current?.bytes ?? 0) - prunedBytes;
      const room = this.makeRoom(grow, now, current?.rowid ?? -1, PUT_EVICT_EXTRA);
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
        this.generation(connector),
      );
      return { replaced: current?.bytes, ...room, pruned };
    });
    // The counters change once the transaction committed (a failed COMMIT puts the rows back).
    this.trimWithin = db.transaction((now: number) => this.makeRoom(0, now, -1, PRUNE_BATCH));
  }

  /**
   * The put's prune of PUT_PRUNE expired keys, in its transaction. One that fails (a delete needing
   * room on a full disk) is undone by itself and the put goes on: a key is not refused for it,
   * unless SQLite cancelled the whole transaction (then the put fails, and is tried once more).
   */
  private prunePut(now: number): { bytes: number }[] {
    try {
      return this.pruneBatch.all(now, PUT_PRUNE);
    } catch (error) {
      if (!this.db.inTransaction) throw error;
      return [];
    }
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
    if (!row || row.generation !== this.generation(connector)) return undefined;
    return { requestHash: row.request_hash, status: row.status, contentType: row.content_type, body: row.body };
  }

  /**
   * Stores the answer under its key and returns how many other keys were deleted before they expired
   * to keep the keys under `maxBytes` (the keys that expire first go first; expired ones are not
   * counted). Throws, storing nothing, for an answer larger than the cap by itself. When the upsert
   * fails (a full file: the expired rows are the room a new key needs) the expired keys are pruned
   * and it is tried once more. Stores nothing for a connector that no longer exists, nor, given the
   * `generation` the request began in, for one deleted or created again since.
   */
  put(
    connector: string,
    principal: string,
    key: string,
    response: StoredResponse,
    now: number,
    windowMs: number,
    generation?: number,
  ): number {
    const size = rowBytes(connector, principal, key, response);
    if (this.maxBytes > 0 && size > this.maxBytes)
      throw new AnswerOverCapError(
        `its answer takes ${size} bytes, more than ingest.idempotency.max.bytes=${this.maxBytes} allows for all keys`,
      );
    // Deleted while its request was in flight, or deleted and created again.
    if (!this.connectorExists(connector)) return 0;
    if (generation !== undefined && generation !== this.generation(connector)) return 0;
    const store = () => this.storeWithin(connector, principal, key, response, now, windowMs, size);
    let stored: ReturnType<typeof store>;
    try {
      stored = store();
    } catch (error) {
      if (!this.pruneExpired(now)) throw error;
      stored = store();
    }
    const pruned = stored.pruned.length;
    const prunedBytes = stored.pruned.reduce((sum, row) => sum + row.bytes, 0);
    this.keys += (stored.replaced === undefined ? 1 : 0) - stored.freedKeys - pruned;
    this.bytes += size - (stored.replaced ?? 0) - stored.freedBytes - prunedBytes;
    return stored.early;
  }

  /**
   * Deletes hidden keys (`orphans`), then the keys that expire first (never the row `keep`, the key
   * being stored) while `grow` more bytes would pass the cap: until `grow` fits, and at most `extra`
   * keys more while the keys are over the cap already (the timer deletes the rest). Inside a
   * transaction: a failed put deletes nothing. `early`: live keys deleted before `now`, their expiry.
   */
  private makeRoom(
    grow: number,
    now: number,
    keep: number,
    extra: number,
  ): { freedKeys: number; freedBytes: number; early: number } {
    const freed = { freedKeys: 0, freedBytes: 0, early: 0 };
    if (this.maxBytes <= 0) return freed;
    let extraLeft = extra;
    while (this.bytes - freed.freedBytes + grow > this.maxBytes) {
      const ownRoom = freed.freedBytes < grow;
      if (!ownRoom && extraLeft-- <= 0) break;
      const hidden = this.evictOneHidden(keep);
      const live = hidden ? null : this.evictFirst.get(keep);
      const bytes = hidden?.bytes ?? live?.bytes;
      if (bytes === undefined) break;
      freed.freedKeys++;
      freed.freedBytes += bytes;
      if (live && live.expires_at > now) freed.early++;
    }
    return freed;
  }

  /**
   * Deletes one hidden key, of the first connector in `orphans` that has one left (the map is left
   * to the timer: this runs inside a transaction that may roll back); null when none is left.
   */
  private evictOneHidden(keep: number): { bytes: number } | null {
    for (const [connector, before] of this.orphans) {
      const row = this.evictHidden.get(connector, before, keep);
      if (row) return row;
    }
    return null;
  }

  /**
   * The generation of `connector`'s name, to pass to `put` for a request begun now: it changes when
   * the connector is deleted (`connectorDeleted`) and when one is created under the name
   * (`connectorCreated`), and is stored: a key answers only in the generation it was put in.
   */
  generation(connector: string): number {
    return this.generations.get(connector) ?? 0;
  }

  /**
   * Stores the next generation of `connector`'s name; `pending`: keys of earlier ones are left. It is
   * past every generation given before, of any name: a name whose row the timer deleted
   * (`forgetGenerations`) is back at 0, and a request of its old connector may still be in flight
   * with the generation it began in, which the name must never have again.
   */
  private nextGeneration(connector: string, pending: boolean): number {
    const next = Math.max(this.generation(connector), this.issued) + 1;
    this.storeGeneration.run(connector, next, pending ? 1 : 0);
    this.generations.set(connector, next);
    this.issued = next;
    return next;
  }

  /**
   * A connector was created under `connector` (none was stored under the name): keys left under
   * the name (a connector deleted before its keys went with it, or whose keys the timer has not
   * deleted yet) are never its own (review-idem2 P3-1). See `hideKeys`.
   */
  connectorCreated(connector: string): void {
    this.hideKeys(connector);
  }

  /**
   * The connector was deleted (its tasks stopped: no request of it is answered any more): its keys
   * must not answer for one created again under the name. See `hideKeys`.
   */
  connectorDeleted(connector: string): void {
    this.hideKeys(connector);
  }

  /**
   * A new generation hides the keys of `connector`'s name from `get` at once, also after a restart;
   * the pruning timer deletes them in batches (PRUNE_BATCH a run), not here: a create or delete
   * does not wait for up to ~1.6 s of deletes (review-idem3).
   */
  private hideKeys(connector: string): void {
    const left = this.anyKey.get(connector) !== null;
    const generation = this.nextGeneration(connector, left);
    if (!left) return;
    this.orphans.set(connector, generation);
    this.wakePruning?.();
  }

  /**
   * Has the pruning timer delete, in batches, the keys of the connectors that are not `stored`:
   * those deleted before connectors' keys went with them (an upgrade), or while the file was held
   * by a `delete-connector` that failed. Keys a connector created again under such a name stores
   * (a new generation) stay. Returns the connectors found (one index seek each).
   */
  removeOrphans(stored: (connector: string) => boolean): string[] {
    const found: string[] = [];
    for (let row = this.nextConnector.get(""); row; row = this.nextConnector.get(row.connector))
      if (!stored(row.connector)) {
        found.push(row.connector);
        this.orphans.set(row.connector, this.generation(row.connector) + 1);
      }
    return found;
  }

  /**
   * Deletes expired keys, hidden keys (`removeSomeOrphans`), and keys over the cap (the keys that
   * expire first), in that order, then the stored generations of names left with neither a connector
   * nor a key (`forgetGenerations`), on `setTimer`, `now` giving the time they are compared with: at
   * most PRUNE_BATCH of each a run, every PRUNE_BUSY_MS
   * while a run left some, else every PRUNE_IDLE_MS. A run that fails (a full disk) is tried again
   * at the next. Until `close`.
   */
  startPruning(now: () => number, setTimer: SetTimer): void {
    const run = () => {
      if (this.closed) return;
      let busy = false;
      try {
        const at = now();
        busy = this.pruneSome(at) === PRUNE_BATCH;
        // Hidden keys before the trim: over the cap, they go before any live key (review-p3ingest-b P2-1).
        busy = this.removeSomeOrphans() || busy;
        const trimmed = this.trimWithin(at);
        this.keys -= trimmed.freedKeys;
        this.bytes -= trimmed.freedBytes;
        if (trimmed.early > 0) this.onDropped?.(trimmed.early);
        busy ||= this.maxBytes > 0 && this.bytes > this.maxBytes && trimmed.freedKeys > 0;
        busy = this.forgetGenerations() || busy;
      } catch {
        // The next run tries again; a put that needs the room prunes by itself.
      }
      if (!this.closed) this.pruning = setTimer(run, busy ? PRUNE_BUSY_MS : PRUNE_IDLE_MS);
    };
    this.pruning = setTimer(run, PRUNE_BUSY_MS);
    this.wakePruning = () => {
      if (this.closed) return;
      this.pruning?.cancel();
      this.pruning = setTimer(run, PRUNE_BUSY_MS);
    };
  }

  /** Stops the pruning timer (before the database closes). */
  close(): void {
    this.closed = true;
    this.pruning?.cancel();
  }

  /** Deletes up to PRUNE_BATCH keys of the first orphan connector; whether any are left. */
  private removeSomeOrphans(): boolean {
    const first = this.orphans.entries().next();
    if (first.done) return false;
    const [connector, before] = first.value;
    const rows = this.orphanBatch.all(connector, before, PRUNE_BATCH);
    this.keys -= rows.length;
    for (const row of rows) this.bytes -= row.bytes;
    if (rows.length < PRUNE_BATCH) {
      this.orphans.delete(connector);
      this.cleaned.run(connector, before);
    }
    return this.orphans.size > 0 || rows.length === PRUNE_BATCH;
  }

  /**
   * Deletes the stored generations of up to PRUNE_BATCH names with no connector and no key left
   * (none whose hidden keys wait for the timer); whether more may be left. Such a name is back at
   * generation 0, and `nextGeneration` gives it one past any given before if it is created again.
   */
  private forgetGenerations(): boolean {
    let left = PRUNE_BATCH;
    for (const connector of this.generations.keys()) {
      if (this.orphans.has(connector) || this.connectorExists(connector)) continue;
      if (this.forgetGeneration.run(connector, connector).changes === 0) continue;
      this.generations.delete(connector);
      if (--left === 0) return true;
    }
    return false;
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

/**
 * Deletes every key of `connector` through the primary key's index (it leads with the connector);
 * returns how many there were and their bytes. Also for the offline delete-connector command,
 * which needs no IdempotencyStore (that counts the whole table). The rows are summed and deleted in
 * SQLite, none read back: a connector's million keys are not a million JS objects (review-idem2 P3-4).
 */
export function deleteConnectorKeys(db: Database, connector: string): IdempotencyUsage {
  return db.transaction(() => {
    const { bytes } = db
      .query<{ bytes: number }, [string]>(
        `SELECT coalesce(sum(${ROW_BYTES}), 0) AS bytes FROM ingest_idempotency WHERE connector = ?`,
      )
      .get(connector) ?? { bytes: 0 };
    const { changes } = db.query("DELETE FROM ingest_idempotency WHERE connector = ?").run(connector);
    return { keys: changes, bytes };
  })();
}
