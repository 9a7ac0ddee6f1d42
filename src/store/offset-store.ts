/**
 * Source connector offsets (Connect's OffsetBackingStore), in SQLite. A partition is looked up by
 * its canonical JSON (keys sorted), so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same
 * partition, as Connect's map equality makes them. Offsets outlive their connector, as in Connect:
 * re-creating a connector with the same name resumes where it stopped.
 */
import type { Database, Statement } from "bun:sqlite";
import { JavaDouble } from "../api/data/java-double.ts";
import type { SourceMap } from "../api/record.ts";
import { durably } from "./durable-write.ts";

export interface SourceOffsetEntry {
  readonly partition: SourceMap;
  readonly offset: SourceMap | null;
}

/** JSON with object keys sorted at every level (a Double written as one: `5.0`, see JavaDouble). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) && !JSON.isRawJSON(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : typeof v === "bigint"
        ? JSON.rawJSON(v.toString())
        : v,
  );
}

/** JSON of a partition as given (key order kept): a bigint (the REST API's long beyond 2^53) as its digits. */
function storedJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? JSON.rawJSON(v.toString()) : v));
}

const INTEGER_SOURCE = /^-?\d+$/;

/**
 * A stored partition or offset: as JSON.parse reads it, except that a number written with a
 * fraction or exponent and an integral value (`5.0`) is a Double again (JavaDouble), as Connect's
 * JsonConverter reads its offsets back, and an integer beyond 2^53 is exact (bigint, as the REST
 * API binds it), so its partition's canonical JSON is the stored key again.
 */
function parseSourceMap(text: string): SourceMap {
  return JSON.parse(text, (_k, v: unknown, context?: { source?: string }) => {
    if (typeof v !== "number" || !Number.isInteger(v) || context?.source === undefined) return v;
    if (!INTEGER_SOURCE.test(context.source)) return new JavaDouble(v);
    return Number.isSafeInteger(v) ? v : BigInt(context.source);
  });
}

export class OffsetStore {
  private readonly getQuery: Statement<{ offset: string }, [string, string]>;
  private readonly allQuery: Statement<{ partition: string; offset: string }, [string]>;
  private readonly upsert: Statement<unknown, [string, string, string, string, number]>;
  private readonly deleteOne: Statement<unknown, [string, string]>;
  private readonly deleteAll: Statement<unknown, [string]>;

  constructor(private readonly db: Database) {
    this.getQuery = db.query("SELECT offset FROM source_offsets WHERE connector = ? AND partition_key = ?");
    this.allQuery = db.query("SELECT partition, offset FROM source_offsets WHERE connector = ? ORDER BY rowid");
    this.upsert = db.query(
      `INSERT INTO source_offsets (connector, partition_key, partition, offset, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (connector, partition_key) DO UPDATE SET offset = excluded.offset, updated_at = excluded.updated_at`,
    );
    this.deleteOne = db.query("DELETE FROM source_offsets WHERE connector = ? AND partition_key = ?");
    this.deleteAll = db.query("DELETE FROM source_offsets WHERE connector = ?");
  }

  get(connector: string, partition: SourceMap): SourceMap | null {
    const row = this.getQuery.get(connector, canonicalJson(partition));
    return row ? parseSourceMap(row.offset) : null;
  }

  all(connector: string): { partition: SourceMap; offset: SourceMap }[] {
    return this.allQuery.all(connector).map((r) => ({
      partition: parseSourceMap(r.partition),
      offset: parseSourceMap(r.offset),
    }));
  }

  /**
   * A source task's offset commit, in one transaction; a null offset removes the partition. Not
   * synced at the commit (synchronous = NORMAL): a power loss may roll it back, and the task then
   * reads those records again, as after any crash before a commit.
   */
  write(connector: string, entries: readonly SourceOffsetEntry[]): void {
    if (entries.length === 0) return;
    this.db.transaction(() => this.apply(connector, entries))();
  }

  /** Offsets altered or reset through the REST API: as `write`, but durable at the commit (durable-write.ts). */
  alter(connector: string, entries: readonly SourceOffsetEntry[]): void {
    if (entries.length === 0) return;
    durably(this.db, () => this.apply(connector, entries));
  }

  clear(connector: string): void {
    durably(this.db, () => this.deleteAll.run(connector));
  }

  private apply(connector: string, entries: readonly SourceOffsetEntry[]): void {
    const now = Date.now();
    for (const e of entries) {
      const key = canonicalJson(e.partition);
      if (e.offset === null) this.deleteOne.run(connector, key);
      else this.upsert.run(connector, key, storedJson(e.partition), canonicalJson(e.offset), now);
    }
  }
}
