import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { tempDir } from "../../test/support/temp-dir.ts";
import { openSpoolDatabase, PAGE_SIZE, SPOOL_FILE } from "./spool-file.ts";
import { rootPageOf } from "./sqlite-master-page.ts";

describe("rootPageOf", () => {
  test("reads a table's root page from sqlite_master (page 1) as SQLite wrote it", async () => {
    await using dir = await tempDir("sqlite-master-page-");
    const db = openSpoolDatabase(dir.path);
    const expected = db.query("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_sequence'").get() as {
      rootpage: number;
    };
    db.close(); // checkpoints the schema into the file
    const page1 = readFileSync(dir.file(SPOOL_FILE)).subarray(0, PAGE_SIZE);
    expect(rootPageOf(page1, "sqlite_sequence")).toBe(expected.rootpage);
    expect([rootPageOf(page1, "spool"), rootPageOf(page1, "nope")]).toEqual([2, undefined]);
  });

  test("a page that is not a leaf table page, or garbage: undefined", () => {
    expect(rootPageOf(new Uint8Array(4096), "spool")).toBeUndefined();
    expect(rootPageOf(new Uint8Array(4096).fill(0x0d), "spool")).toBeUndefined();
  });
});
