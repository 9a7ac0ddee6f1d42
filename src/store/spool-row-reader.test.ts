import { describe, expect, test } from "bun:test";
import { tempDir } from "../../test/support/temp-dir.ts";
import { type AppendRows, SpoolTable } from "./spool-database.ts";
import { openSpoolDatabase } from "./spool-file.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const stored = (table: SpoolTable) => (table.db.query("SELECT count(*) AS n FROM spool").get() as { n: number }).n;

function rows(partition: string, records: string[]): AppendRows {
  const data = new TextEncoder().encode(records.join(""));
  return { partition, now: 1, data, lengths: records.map((r) => new TextEncoder().encode(r).byteLength) };
}

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
