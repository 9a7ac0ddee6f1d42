import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../test/support/temp-dir.ts";
import {
  SPOOL_DOWNGRADE_TO_2,
  SPOOL_DOWNGRADE_TO_3,
  SPOOL_DOWNGRADE_TO_4,
  spoolMigrations,
} from "./migrations/spool.ts";
import { type AppendRows, SpoolTable } from "./spool-database.ts";
import { migrateSpool, openSpoolDatabase, SPOOL_FILE } from "./spool-file.ts";
import { SpoolStore } from "./spool-store.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function rows(partition: string, records: string[], now = 1): AppendRows {
  const encoded = records.map((r) => new TextEncoder().encode(r));
  const data = new Uint8Array(encoded.reduce((n, r) => n + r.byteLength, 0));
  let offset = 0;
  for (const r of encoded) {
    data.set(r, offset);
    offset += r.byteLength;
  }
  return { partition, now, data, lengths: encoded.map((r) => r.byteLength) };
}

const read = (table: SpoolTable, partition: string, after = 0) =>
  table.read(partition, after, 100).map((r) => [r.seq, text(r.record)]);
const stored = (table: SpoolTable) => (table.db.query("SELECT count(*) AS n FROM spool").get() as { n: number }).n;

const quarantined = (db: Database) =>
  db
    .query(
      "SELECT seq, partition, topic, CAST(record AS TEXT) AS record, spooled_at, quarantined_at, kafka_error, message FROM spool_quarantine ORDER BY seq",
    )
    .all();

describe("SpoolTable", () => {
  test("a record Kafka refused moves to the quarantine with its reason, in the delete's transaction (P1.1)", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", ["a", "bb", "ccc"], 5), rows("c2", ["x"], 6)], []);
    const entry = { topic: "t", kafkaError: "INVALID_TIMESTAMP", message: "refused", at: 9 };
    table.deleteUnsynced([["c1", 2, 2]], [{ partition: "c1", seq: 2, ...entry }]);
    table.commit([], [["c2", 4, 4]], [{ partition: "c2", seq: 4, ...entry, kafkaError: "MESSAGE_TOO_LARGE" }]);
    expect(read(table, "c1")).toEqual([
      [1, "a"],
      [3, "ccc"],
    ]);
    expect(read(table, "c2")).toEqual([]);
    expect(quarantined(table.db)).toEqual([
      {
        seq: 2,
        partition: "c1",
        topic: "t",
        record: "bb",
        spooled_at: 5,
        quarantined_at: 9,
        kafka_error: "INVALID_TIMESTAMP",
        message: "refused",
      },
      {
        seq: 4,
        partition: "c2",
        topic: "t",
        record: "x",
        spooled_at: 6,
        quarantined_at: 9,
        kafka_error: "MESSAGE_TOO_LARGE",
        message: "refused",
      },
    ]);
    table.close();
  });

  test("SpoolStore.delete with a reason quarantines the record through the worker; the drain reads past it", async () => {
    await using dir = await tempDir("spool-db-");
    const store = await SpoolStore.open(dir.path);
    await store.append("c1", [new TextEncoder().encode("good"), new TextEncoder().encode("bad")]);
    store.delete("c1", 2, 3, { topic: "t", kafkaError: "INVALID_RECORD", message: "null key", at: 1 });
    store.delete("c1", 1, 4);
    expect(store.stats("c1").records).toBe(0);
    await store.close();
    const db = new Database(join(dir.path, SPOOL_FILE));
    expect(quarantined(db)).toEqual([
      expect.objectContaining({ seq: 2, record: "bad", kafka_error: "INVALID_RECORD", message: "null key" }),
    ]);
    expect(db.query("SELECT count(*) AS n FROM spool").get()).toEqual({ n: 0 });
    db.close();
  });

  test("an append is one row whose records keep a sequence each", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    expect([...table.commit([rows("c1", ["a", "bb"]), rows("c2", ["x"]), rows("c1", ["ccc"])], [])]).toEqual([
      1, 2, 3, 4,
    ]);
    expect(stored(table)).toBe(3);
    expect(read(table, "c1")).toEqual([
      [1, "a"],
      [2, "bb"],
      [4, "ccc"],
    ]);
    expect(read(table, "c1", 1)).toEqual([
      [2, "bb"],
      [4, "ccc"],
    ]);
    expect(table.read("c1", 0, 2).map((r) => r.seq)).toEqual([1, 2]);
    expect(table.statsOf("c1")).toEqual({ partition: "c1", records: 3, bytes: 6, oldestAt: 1 });
    table.close();
  });

  test("a partly deleted row stays, its deleted records are not read or counted, and it goes with its last record", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", ["a", "bb", "ccc", "dddd"])], []);
    table.deleteUnsynced([
      ["c1", 1, 1],
      ["c1", 3, 3],
    ]);
    expect(stored(table)).toBe(1);
    expect(read(table, "c1")).toEqual([
      [2, "bb"],
      [4, "dddd"],
    ]);
    expect(table.stats()).toEqual([{ partition: "c1", records: 2, bytes: 6, oldestAt: 1 }]);
    table.commit([], [["c1", 4, 4]]);
    expect(stored(table)).toBe(1);
    table.deleteUnsynced([["c1", 2, 2]]);
    expect(stored(table)).toBe(0);
    expect(table.stats()).toEqual([]);
    table.close();
  });

  test("a range deleted twice (retried after a failed transaction) counts once: the row stays until every record was deleted", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", ["a", "b", "c", "d"])], []);
    table.deleteUnsynced([["c1", 1, 2]]);
    table.deleteUnsynced([["c1", 1, 3]]);
    expect(read(table, "c1")).toEqual([[4, "d"]]);
    expect(stored(table)).toBe(1);
    table.deleteUnsynced([["c1", 4, 4]]);
    expect(stored(table)).toBe(0);
    table.close();
  });

  test("a range over several rows deletes the whole ones and marks the ends of the partial ones", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", ["a", "b"]), rows("c2", ["x"]), rows("c1", ["c", "d"]), rows("c1", ["e", "f"])], []);
    table.deleteUnsynced([["c1", 2, 6]]);
    expect(read(table, "c1")).toEqual([
      [1, "a"],
      [7, "f"],
    ]);
    expect(stored(table)).toBe(3);
    expect(read(table, "c2")).toEqual([[3, "x"]]);
    table.close();
  });

  test("after a restart a partly deleted row keeps its deleted records deleted: they are not read, counted or sent again, and the row goes once the rest is deleted (issue F3)", async () => {
    await using dir = await tempDir("spool-db-");
    const first = new SpoolTable(openSpoolDatabase(dir.path));
    first.commit([rows("c1", ["a", "b", "c", "d", "e"], 5)], []);
    first.deleteUnsynced([["c1", 1, 3]]);
    first.close();
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    expect(table.stats()).toEqual([{ partition: "c1", records: 2, bytes: 2, oldestAt: 5 }]);
    // The committed offset is 2: record 3 was deleted but its offset not committed; it stays deleted.
    expect(table.deleteThrough("c1", 2)).toBe(true);
    expect(table.statsOf("c1")).toEqual({ partition: "c1", records: 2, bytes: 2, oldestAt: 5 });
    expect(read(table, "c1", 2)).toEqual([
      [4, "d"],
      [5, "e"],
    ]);
    table.deleteUnsynced([["c1", 4, 5]]);
    expect(stored(table)).toBe(0);
    expect(table.db.query("SELECT count(*) AS n FROM spool_acked").get()).toEqual({ n: 0 });
    expect([...table.commit([rows("c1", ["f"])], [])]).toEqual([6]);
    table.close();
  });

  test("marks of a delete whose transaction failed are saved when the delete is retried (issue F3)", async () => {
    await using dir = await tempDir("spool-db-");
    const first = new SpoolTable(openSpoolDatabase(dir.path));
    first.commit([rows("c1", ["a", "b", "c"])], []);
    // An append that cannot be inserted (no partition) rolls back the deletes riding with it.
    expect(() => first.commit([rows(null as unknown as string, ["x"])], [["c1", 1, 1]])).toThrow();
    expect(first.db.query("SELECT count(*) AS n FROM spool_acked").get()).toEqual({ n: 0 });
    first.deleteUnsynced([["c1", 1, 1]]);
    first.close();
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    expect(read(table, "c1")).toEqual([
      [2, "b"],
      [3, "c"],
    ]);
    table.close();
  });

  test("a committed offset that covers the rest of a partly deleted row deletes the row (issue F3)", async () => {
    await using dir = await tempDir("spool-db-");
    const first = new SpoolTable(openSpoolDatabase(dir.path));
    first.commit([rows("c1", ["a", "b", "c", "d", "e"]), rows("c1", ["f", "g"])], []);
    first.commit([], [["c1", 4, 5]]);
    first.close();
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    expect(table.deleteThrough("c1", 3)).toBe(true);
    expect(stored(table)).toBe(1);
    expect(table.db.query("SELECT count(*) AS n FROM spool_acked").get()).toEqual({ n: 0 });
    expect(read(table, "c1", 3)).toEqual([
      [6, "f"],
      [7, "g"],
    ]);
    expect(table.stats()).toEqual([{ partition: "c1", records: 2, bytes: 2, oldestAt: 1 }]);
    table.close();
  });

  test("deleteThrough above every issued sequence deletes nothing and raises the next row's sequences above it", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", ["a", "b"])], []);
    expect(table.deleteThrough("c1", 100)).toBe(false);
    expect(read(table, "c1")).toEqual([
      [1, "a"],
      [2, "b"],
    ]);
    expect([...table.commit([rows("c1", ["c", "d"])], [])]).toEqual([101, 102]);
    table.close();
  });

  test("raiseSequence raises the file's sequence only above every one it issued (an offset an operator wrote)", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", ["a", "b"])], []);
    expect([table.raiseSequence(2), table.raiseSequence(10)]).toEqual([false, true]);
    expect(table.deleteThrough("c1", 10)).toBe(true);
    expect(read(table, "c1")).toEqual([]);
    expect([...table.commit([rows("c1", ["c"])], [])]).toEqual([11]);
    table.close();
  });
});

describe("a spool file of schema version 2 (one record per row)", () => {
  test("keeps working: its rows read as rows of one record, sequences continue above every one it issued, deletes take its rows one by one", async () => {
    await using dir = await tempDir("spool-db-");
    // Written as the previous release wrote it: its migrations, its insert, a deleted last row.
    const old = new Database(join(dir.path, SPOOL_FILE), { create: true, strict: true });
    old.run("PRAGMA page_size = 16384");
    old.run("PRAGMA journal_mode = WAL");
    migrateSpool(old, "spool.db", spoolMigrations.slice(0, 2));
    const insert = old.query("INSERT INTO spool (partition, record, bytes, spooled_at) VALUES (?, ?, ?, ?)");
    for (const [p, r, at] of [
      ["c1", "a", 10],
      ["c1", "bb", 11],
      ["c2", "x", 12],
      ["c1", "ccc", 13],
      ["c1", "gone", 14],
    ] as const)
      insert.run(p, new TextEncoder().encode(r), r.length, at);
    old.run("DELETE FROM spool WHERE seq = 5");
    old.close();

    const store = await SpoolStore.open(dir.path);
    expect([store.stats("c1"), store.stats("c2")]).toEqual([
      { records: 3, bytes: 6, oldestAt: 10 },
      { records: 1, bytes: 1, oldestAt: 12 },
    ]);
    expect(await store.append("c1", [new TextEncoder().encode("d"), new TextEncoder().encode("e")])).toEqual([6, 7]);
    const all = async () => (await store.read("c1", 0, 100)).map((r) => [r.seq, text(r.record)]);
    expect(await all()).toEqual([
      [1, "a"],
      [2, "bb"],
      [4, "ccc"],
      [6, "d"],
      [7, "e"],
    ]);
    for (const seq of [2, 4, 6]) store.delete("c1", seq, 1);
    await store.close();

    const db = new Database(join(dir.path, SPOOL_FILE));
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: 5 });
    expect(db.query("SELECT seq, record_count FROM spool ORDER BY seq").all()).toEqual([
      { seq: 1, record_count: 1 },
      { seq: 3, record_count: 1 },
      { seq: 7, record_count: 2 },
    ]);
    db.close();
    const reopened = await SpoolStore.open(dir.path);
    expect(await reopened.deleteThrough("c1", 1)).toBe(true);
    // Record 6 was deleted (its row kept for record 7): it stays deleted.
    expect((await reopened.read("c1", 1, 100)).map((r) => [r.seq, text(r.record)])).toEqual([[7, "e"]]);
    expect(reopened.stats("c1")).toEqual({ records: 1, bytes: 1, oldestAt: expect.any(Number) });
    await reopened.close();
  });

  test("the README's downgrade to version 4 drops the quarantine: version 4's tables are left as they were", async () => {
    await using dir = await tempDir("spool-db-");
    openSpoolDatabase(dir.path).close();
    const db = new Database(join(dir.path, SPOOL_FILE));
    db.run(SPOOL_DOWNGRADE_TO_4);
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: 4 });
    const tables = db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    expect(tables).toEqual([{ name: "spool" }, { name: "spool_acked" }, { name: "sqlite_sequence" }]);
    db.close();
    const table = new SpoolTable(openSpoolDatabase(dir.path)); // migrated again
    expect(quarantined(table.db)).toEqual([]);
    table.close();
  });

  test("the README's downgrade of an empty file to version 3 and then 2 gives a file that version 2 reads and this version migrates again", async () => {
    await using dir = await tempDir("spool-db-");
    openSpoolDatabase(dir.path).close();
    const db = new Database(join(dir.path, SPOOL_FILE));
    db.run(SPOOL_DOWNGRADE_TO_4);
    db.run(SPOOL_DOWNGRADE_TO_3);
    db.run(SPOOL_DOWNGRADE_TO_2);
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: 2 });
    // What version 2 runs on it.
    db.query("INSERT INTO spool (partition, record, bytes, spooled_at) VALUES ('c1', x'61', 1, 1)").run();
    db.close();
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    expect(read(table, "c1")).toEqual([[1, "a"]]);
    table.close();
  });
});
