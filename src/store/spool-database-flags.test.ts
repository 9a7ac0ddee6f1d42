/** SpoolTable's `spool_acked` flags (issue F3's review): trusted only when they fit, kept in step with the file. */
import { describe, expect, test } from "bun:test";
import { tempDir } from "../../test/support/temp-dir.ts";
import { type AppendRows, SpoolTable } from "./spool-database.ts";
import { openSpoolDatabase } from "./spool-file.ts";

function rows(partition: string, count: number): AppendRows {
  const data = new TextEncoder().encode("x".repeat(count));
  return { partition, now: 1, data, lengths: Array(count).fill(1) };
}
const seqs = (table: SpoolTable, after = 0) => table.read("c1", after, 100).map((r) => r.seq);
const flags = (table: SpoolTable) =>
  table.db.query("SELECT seq, hex(acked) AS acked FROM spool_acked ORDER BY seq").all() as {
    seq: number;
    acked: string;
  }[];
const stored = (table: SpoolTable) => (table.db.query("SELECT count(*) AS n FROM spool").get() as { n: number }).n;

describe("SpoolTable's saved flags", () => {
  test.each([
    ["a byte other than 0 or 1", 3, "020000"],
    ["every byte 1", 3, "010101"],
    ["a byte per record missing", 4, "0101"],
    ["no row of theirs", 3, "01"],
  ])(
    "flags with %s (a file edited by hand) are ignored and deleted at open: every record is sent",
    async (_, count, hex) => {
      await using dir = await tempDir("spool-flags-");
      const first = new SpoolTable(openSpoolDatabase(dir.path));
      first.commit([rows("c1", count)], []);
      const key = hex === "01" ? 99 : count;
      first.db.run(`INSERT INTO spool_acked (seq, acked) VALUES (${key}, x'${hex}')`);
      first.close();
      const table = new SpoolTable(openSpoolDatabase(dir.path));
      expect(flags(table)).toEqual([]);
      expect(seqs(table)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(table.statsOf("c1").records).toBe(count);
      // Kafka acknowledged every record but the first: the row stays until the first is too.
      table.deleteUnsynced([["c1", 2, count]]);
      expect(stored(table)).toBe(1);
      expect(seqs(table)).toEqual([1]);
      table.deleteUnsynced([["c1", 1, 1]]);
      expect([stored(table), flags(table)]).toEqual([0, []]);
      table.close();
    },
  );

  test("a row deleted whole takes its saved flags with it, even flags memory does not hold", async () => {
    await using dir = await tempDir("spool-flags-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", 3), rows("c1", 2)], []);
    table.db.run("INSERT INTO spool_acked (seq, acked) VALUES (3, x'010000'), (5, x'0100')");
    table.deleteUnsynced([["c1", 1, 3]]);
    table.commit([], [["c1", 4, 5]]);
    expect([stored(table), flags(table)]).toEqual([0, []]);
    table.close();
  });

  test("a deleteThrough whose transaction fails changes nothing in memory: reads, stats and a retry stay in step with the file", async () => {
    await using dir = await tempDir("spool-flags-");
    const table = new SpoolTable(openSpoolDatabase(dir.path));
    table.commit([rows("c1", 5), rows("c1", 10)], []); // rows 1..5 and 6..15
    table.deleteUnsynced([["c1", 1, 3]]);
    expect(seqs(table, 0).slice(0, 2)).toEqual([4, 5]); // the reader keeps row 1..5
    // Any failure inside the transaction (an I/O error, a full disk): here saving row 6..15's flags.
    table.db.run("CREATE TRIGGER fail BEFORE INSERT ON spool_acked BEGIN SELECT RAISE(ABORT, 'injected'); END");
    expect(() => table.deleteThrough("c1", 8)).toThrow("injected");
    expect([stored(table), flags(table)]).toEqual([2, [{ seq: 5, acked: "0101010000" }]]);
    expect(seqs(table)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(table.statsOf("c1").records).toBe(12);
    table.db.run("DROP TRIGGER fail");
    expect(table.deleteThrough("c1", 8)).toBe(true);
    expect(seqs(table)).toEqual([9, 10, 11, 12, 13, 14, 15]);
    expect(table.statsOf("c1").records).toBe(7);
    expect(flags(table)).toEqual([{ seq: 15, acked: "01010100000000000000" }]);
    table.close();
    const reopened = new SpoolTable(openSpoolDatabase(dir.path));
    expect(seqs(reopened)).toEqual([9, 10, 11, 12, 13, 14, 15]);
    reopened.close();
  });
});
