import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../test/support/temp-dir.ts";
import { SPOOL_DOWNGRADE_TO_2, spoolMigrations } from "./migrations/spool.ts";
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

describe("SpoolTable", () => {
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

  test("after a restart a partly deleted row is whole again: records above the committed offset are read again, those up to it are not, and the row goes once the rest is deleted", async () => {
    await using dir = await tempDir("spool-db-");
    const first = new SpoolTable(openSpoolDatabase(dir.path));
    first.commit([rows("c1", ["a", "b", "c", "d", "e"], 5)], []);
    first.deleteUnsynced([["c1", 1, 3]]);
    expect(read(first, "c1")).toEqual([
      [4, "d"],
      [5, "e"],
    ]);
    first.close();
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    expect(table.stats()).toEqual([{ partition: "c1", records: 5, bytes: 5, oldestAt: 5 }]);
    // The committed offset is 2: record 3 was deleted but its offset not committed, so it goes again.
    expect(table.deleteThrough("c1", 2)).toBe(true);
    expect(table.statsOf("c1")).toEqual({ partition: "c1", records: 3, bytes: 3, oldestAt: 5 });
    expect(read(table, "c1", 2)).toEqual([
      [3, "c"],
      [4, "d"],
      [5, "e"],
    ]);
    table.deleteUnsynced([["c1", 3, 5]]);
    expect(stored(table)).toBe(0);
    expect([...table.commit([rows("c1", ["f"])], [])]).toEqual([6]);
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
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: 3 });
    expect(db.query("SELECT seq, record_count FROM spool ORDER BY seq").all()).toEqual([
      { seq: 1, record_count: 1 },
      { seq: 3, record_count: 1 },
      { seq: 7, record_count: 2 },
    ]);
    db.close();
    const reopened = await SpoolStore.open(dir.path);
    expect(await reopened.deleteThrough("c1", 1)).toBe(true);
    expect((await reopened.read("c1", 1, 100)).map((r) => [r.seq, text(r.record)])).toEqual([
      [6, "d"],
      [7, "e"],
    ]);
    expect(reopened.stats("c1")).toEqual({ records: 2, bytes: 2, oldestAt: expect.any(Number) });
    await reopened.close();
  });

  test("the README's downgrade of an empty file to version 2 gives a file that version 2 reads and this version migrates again", async () => {
    await using dir = await tempDir("spool-db-");
    openSpoolDatabase(dir.path).close();
    const db = new Database(join(dir.path, SPOOL_FILE));
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

describe("draining a row in reads smaller than it (issue F2)", () => {
  const numbered = (n: number, prefix = "r") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const seqsOf = (got: { seq: number }[]) => got.map((r) => r.seq);

  test("fetches the row from the file once, and returns each record once, in order", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    const records = numbered(500);
    table.commit([rows("c1", records), rows("c1", ["next"])], []);
    const seen: (string | number)[][] = [];
    let after = 0;
    for (;;) {
      const got = table.read("c1", after, 10);
      if (got.length === 0) break;
      seen.push(...got.map((r) => [r.seq, text(r.record)]));
      after = got.at(-1)!.seq;
    }
    expect(seen).toEqual([...records.map((r, i) => [i + 1, r]), [501, "next"]]);
    expect(table.rowsFetched).toBe(2);
    table.close();
  });

  test("each partition keeps its own partly read row", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", numbered(30)), rows("c2", numbered(30, "x"))], []);
    expect(seqsOf(table.read("c1", 0, 10))).toEqual(numbered(10).map((_, i) => i + 1));
    expect(seqsOf(table.read("c2", 30, 10))).toEqual(numbered(10).map((_, i) => i + 31));
    expect(text(table.read("c1", 10, 10)[0]!.record)).toBe("r10");
    expect(text(table.read("c2", 40, 10)[0]!.record)).toBe("x10");
    expect(table.rowsFetched).toBe(2);
    table.close();
  });

  test("records acknowledged after the row was read are not read again; a row deleted whole is not read from memory", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", numbered(30)), rows("c1", ["next"])], []);
    table.read("c1", 0, 10);
    table.deleteUnsynced([["c1", 11, 15]]);
    expect(seqsOf(table.read("c1", 10, 3))).toEqual([16, 17, 18]);
    table.commit([], [["c1", 1, 30]]);
    expect(stored(table)).toBe(1);
    expect(seqsOf(table.read("c1", 18, 10))).toEqual([31]);
    table.close();
  });

  test("deleteThrough drops the kept row: the records up to the offset are not read again", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", numbered(30))], []);
    table.read("c1", 0, 10);
    expect(table.deleteThrough("c1", 20)).toBe(true);
    expect(seqsOf(table.read("c1", 10, 3))).toEqual([21, 22, 23]);
    table.close();
  });

  test("a read that starts before the kept row (a drainer rewinding after a failed send) reads the file again, in order", async () => {
    await using dir = await tempDir("spool-db-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", numbered(5)), rows("c1", numbered(30, "b"))], []);
    expect(seqsOf(table.read("c1", 0, 10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seqsOf(table.read("c1", 2, 4))).toEqual([3, 4, 5, 6]);
    expect(seqsOf(table.read("c1", 6, 3))).toEqual([7, 8, 9]);
    expect(table.rowsFetched).toBe(4);
    table.close();
  });
});
