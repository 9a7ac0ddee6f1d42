/**
 * Idempotency-Key records of the ingest listener, in SQLite (migrations 2 to 5), so a retried
 * request is recognised across a gateway restart: per connector, requester (`principal`, '' for
 * anonymous requests) and key, a hash of the request and the response it got, until `expires_at`.
 * What deletes them (expired, hidden and over-the-cap keys, on puts and on a timer) and their count
 * under the cap are IdempotencyEviction's (idempotency-eviction.ts). A deleted connector's keys go
 * with it (`connectorDeleted`, from the herder's delete): a connector created again under its name
 * must not replay the old one's answers. Each name has a generation, stored (migration 5) and
 * changed by the delete and by a create (`connectorCreated`); a key answers only in the generation
 * it was stored in. A deleted connector's keys, and keys left under a name a connector is created
 * with, are thus hidden at once, also after a restart, and deleted by the timer in batches, not in
 * the delete or the create (up to ~1.6 s at the cap; review-p3ingest P2-1); no clock is involved
 * (P3-1). A request begun in one generation stores no key in another (its put is discarded), so a
 * request of a deleted connector that ends after a connector of its name was created again does
 * not leave its key to the new one (p3ingest). A name's stored generation goes too (the timer), once
 * the name has no connector and no key left; a generation is never given twice in a process (each
 * is past every one given before: `issued`), so a request begun before the name's row went stores
 * no key under a connector created after (small3).
 * Called by the ingest IdempotencyGuard, the Herder and the offline `delete-connector` command.
 *
 * Size (explore5 E3): each key keeps the whole answer (a 10,000-record request's answer is ~580 KB),
 * so the keys and their bytes are counted (`usage`, on /metrics) and held under a cap (`maxBytes`,
 * the worker's ingest.idempotency.max.bytes): a put that would pass it first deletes hidden keys,
 * then the keys that expire first, and reports how many of them had not expired yet.
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
import {
  IdempotencyEviction,
  type IdempotencyUsage,
  type PutRoom,
  ROW_BYTES,
  rowBytes,
} from "./idempotency-eviction.ts";
import { WalSync } from "./wal-sync.ts";

export interface StoredResponse {
  readonly requestHash: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

type Row = { request_hash: string; status: number; content_type: string; body: Uint8Array; generation: number };

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
  private readonly storeWithin: (
    connector: string,
    principal: string,
    key: string,
    response: StoredResponse,
    now: number,
    windowMs: number,
    size: number,
  ) => PutRoom;
  private readonly eviction: IdempotencyEviction;
  /** Each connector name's generation (see `generation`), as stored; 0 for a name not stored. */
  private readonly generations = new Map<string, number>();
  private readonly nextConnector: Statement<{ connector: string }, [string]>;
  private readonly anyKey: Statement<{ one: number }, [string]>;
  private readonly storeGeneration: Statement<unknown, [string, number, number]>;
  /** The highest generation stored or given since the store opened: the next one given is past it. */
  private issued = 0;
  /** Told of keys the pruning timer deleted before they expired to bring the keys under the cap. */
  onDropped: ((count: number) => void) | undefined;
  /** Most bytes of keys kept; 0: no cap. */
  readonly maxBytes: number;
  private readonly connectorExists: (connector: string) => boolean;

  constructor(db: Database, options: IdempotencyStoreOptions = {}) {
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
    // Through the primary key's index, which leads with the connector.
    this.nextConnector = db.query(
      "SELECT connector FROM ingest_idempotency WHERE connector > ? ORDER BY connector LIMIT 1",
    );
    this.anyKey = db.query("SELECT 1 AS one FROM ingest_idempotency WHERE connector = ? LIMIT 1");
    // `pending`: keys of earlier generations may be left (the timer has not deleted them all yet).
    this.storeGeneration = db.query(
      `INSERT INTO ingest_idempotency_generations (connector, generation, pending) VALUES (?, ?, ?)
       ON CONFLICT (connector) DO UPDATE SET generation = excluded.generation, pending = excluded.pending`,
    );
    this.storeWithin = db.transaction((connector, principal, key, response, now, windowMs, size) => {
      const room = this.eviction.roomForPut(connector, principal, key, size, now);
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
      return room;
    });
    // Made after the put's transaction, before the eviction's trim (tests fail the store's second one).
    this.eviction = new IdempotencyEviction(db, {
      maxBytes: this.maxBytes,
      connectorExists: this.connectorExists,
      generations: this.generations,
      dropped: (count) => this.onDropped?.(count),
    });
    for (const row of db
      .query<{ connector: string; generation: number; pending: number }, []>(
        "SELECT connector, generation, pending FROM ingest_idempotency_generations",
      )
      .all()) {
      this.generations.set(row.connector, row.generation);
      this.issued = Math.max(this.issued, row.generation);
      if (row.pending) this.eviction.hide(row.connector, row.generation);
    }
  }

  /** Resolves once every key stored before the call is durable (survives a power loss). */
  readonly durable: () => Promise<void>;

  /** The keys kept now and their bytes (as ROW_BYTES counts them). */
  usage(): IdempotencyUsage {
    return this.eviction.usage();
  }

  /** `principal`: who sent the request ('' for anonymous requests); keys of others are not seen. */
  get(connector: string, principal: string, key: string, now: number): StoredResponse | undefined {
    const row = this.getQuery.get(connector, principal, key, now);
    if (!row || row.generation !== this.generation(connector)) return undefined;
    return { requestHash: row.request_hash, status: row.status, contentType: row.content_type, body: row.body };
  }

  /**
   * Stores the answer under its key and returns how many other keys were deleted before they expired
   * to keep the keys under `maxBytes` (hidden keys first, then the keys that expire first; expired
   * ones are not counted). Throws, storing nothing, for an answer larger than the cap by itself. When
   * the upsert fails (a full file: the expired rows are the room a new key needs) the expired keys
   * are pruned and it is tried once more. Stores nothing for a connector that no longer exists, nor,
   * given the `generation` the request began in, for one deleted or created again since.
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
    let room: PutRoom;
    try {
      room = store();
    } catch (error) {
      if (!this.eviction.pruneExpired(now)) throw error;
      room = store();
    }
    this.eviction.putCommitted(room);
    return room.early;
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
   * past every generation given before, of any name: a name whose row the timer deleted is back at
   * 0, and a request of its old connector may still be in flight with the generation it began in,
   * which the name must never have again.
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
    this.eviction.hide(connector, generation);
    this.eviction.wake();
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
        this.eviction.hide(row.connector, this.generation(row.connector) + 1);
      }
    return found;
  }

  /**
   * Starts the pruning timer on `setTimer` (IdempotencyEviction.start: expired, hidden and
   * over-the-cap keys, and the stored generations of names left with neither a connector nor a
   * key), `now` giving the time keys expire by. Until `close`.
   */
  startPruning(now: () => number, setTimer: SetTimer): void {
    this.eviction.start(now, setTimer);
  }

  /** Stops the pruning timer (before the database closes). */
  close(): void {
    this.eviction.close();
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
