import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../test/support/temp-dir.ts";
import { COMMIT_MAX_BYTES, deleteRanges, openSpoolDatabase, PAGE_SIZE, SPOOL_FILE, SpoolStore } from "./spool-store.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("SpoolStore", () => {
  test("many concurrent appends share one commit, in order, with growing sequences", async () => {
    await using dir = await tempDir("spool-");
    const store = new SpoolStore(openSpoolDatabase(dir.path));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.append("c1", [bytes(`r${i}a`), bytes(`r${i}b`)])),
    );
    expect(store.commits).toBe(1);
    expect(store.appendsCommitted).toBe(50);
    const seqs = results.flat();
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(100);
    const rows = store.read("c1", 0, 1000);
    expect(rows.map((r) => text(r.record)).slice(0, 4)).toEqual(["r0a", "r0b", "r1a", "r1b"]);
    expect(store.stats("c1")).toEqual({
      records: 100,
      bytes: rows.reduce((n, r) => n + r.bytes, 0),
      oldestAt: rows[0]!.spooledAt,
    });
    store.close();
  });

  test("a commit carries at most COMMIT_MAX_BYTES of records; the rest follow in order in the next turns", async () => {
    await using dir = await tempDir("spool-");
    const store = new SpoolStore(openSpoolDatabase(dir.path));
    const big = new Uint8Array(COMMIT_MAX_BYTES / 4);
    const results = await Promise.all(Array.from({ length: 10 }, () => store.append("c1", [big])));
    expect(store.commits).toBe(3);
    expect(results.flat()).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    store.close();
  });

  test("the database runs with synchronous=FULL in WAL mode, a new file with 16 KiB pages", async () => {
    await using dir = await tempDir("spool-");
    const db = openSpoolDatabase(dir.path);
    expect(db.query("PRAGMA synchronous").get()).toEqual({ synchronous: 2 });
    expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(db.query("PRAGMA page_size").get()).toEqual({ page_size: PAGE_SIZE });
    db.close();
  });

  test("deleted rows are gone after reopening, the rest survive, and sequences are never reused", async () => {
    await using dir = await tempDir("spool-");
    const store = new SpoolStore(openSpoolDatabase(dir.path));
    const seqs = await store.append("c1", [bytes("a"), bytes("b"), bytes("c")]);
    await store.append("c2", [bytes("other")]);
    store.delete("c1", seqs[0]!, 1);
    store.delete("c1", seqs[2]!, 1);
    expect(store.stats("c1").records).toBe(1);
    store.close();
    const reopened = new SpoolStore(openSpoolDatabase(dir.path));
    expect(reopened.read("c1", 0, 10).map((r) => [r.seq, text(r.record)])).toEqual([[seqs[1]!, "b"]]);
    expect(reopened.stats("c1")).toEqual({ records: 1, bytes: 1, oldestAt: expect.any(Number) });
    const [next] = await reopened.append("c1", [bytes("d")]);
    expect(next).toBeGreaterThan(seqs[2]!);
    reopened.deleteThrough("c1", next!);
    expect(reopened.stats("c1")).toEqual({ records: 0, bytes: 0, oldestAt: null });
    expect(reopened.partitions()).toEqual(["c2"]);
    reopened.close();
  });

  test("read pages after a sequence", async () => {
    await using dir = await tempDir("spool-");
    const store = new SpoolStore(openSpoolDatabase(dir.path));
    const seqs = await store.append("c1", ["1", "2", "3", "4", "5"].map(bytes));
    expect(store.read("c1", seqs[1]!, 2).map((r) => text(r.record))).toEqual(["3", "4"]);
    store.close();
  });

  test("deletes coalesce into ranges of consecutive sequences of one partition, in queue order", () => {
    expect(
      deleteRanges([
        ["c1", 1],
        ["c1", 2],
        ["c1", 3],
        ["c2", 4],
        ["c1", 5],
        ["c1", 7],
        ["c1", 8],
        ["c1", 6],
      ]),
    ).toEqual([
      ["c1", 1, 3],
      ["c2", 4, 4],
      ["c1", 5, 5],
      ["c1", 7, 8],
      ["c1", 6, 6],
    ]);
    expect(deleteRanges([])).toEqual([]);
  });

  test("deletes interleaved across partitions remove exactly the acknowledged rows, with or without an append", async () => {
    await using dir = await tempDir("spool-");
    const db = openSpoolDatabase(dir.path);
    const store = new SpoolStore(db);
    const a = await store.append("c1", [bytes("a1"), bytes("a2"), bytes("a3")]);
    const [b] = await store.append("c2", [bytes("b1")]);
    const c = await store.append("c1", [bytes("a4"), bytes("a5")]);
    // Queued while an append commit is due: they ride in that commit.
    const appended = store.append("c2", [bytes("b2")]);
    for (const seq of [a[0]!, a[1]!, c[0]!]) store.delete("c1", seq, 2);
    store.delete("c2", b!, 2);
    await appended;
    store.flushDeletes();
    expect(db.query("PRAGMA synchronous").get()).toEqual({ synchronous: 2 });
    expect(store.read("c1", 0, 10).map((r) => text(r.record))).toEqual(["a3", "a5"]);
    expect(store.read("c2", 0, 10).map((r) => text(r.record))).toEqual(["b2"]);
    // Queued alone: their own transaction, and the connection is back to synchronous=FULL after it.
    store.delete("c1", a[2]!, 2);
    store.flushDeletes();
    expect(db.query("PRAGMA synchronous").get()).toEqual({ synchronous: 2 });
    store.close();
    const reopened = new SpoolStore(openSpoolDatabase(dir.path));
    expect(reopened.read("c1", 0, 10).map((r) => text(r.record))).toEqual(["a5"]);
    expect(reopened.stats("c1")).toMatchObject({ records: 1, bytes: 2 });
    expect(reopened.heldBytes("c2")).toBe(2);
    reopened.close();
  });

  test("a spool file made with 4 KiB pages keeps them and keeps working", async () => {
    await using dir = await tempDir("spool-");
    const old = new Database(join(dir.path, SPOOL_FILE), { create: true });
    old.run("PRAGMA page_size = 4096");
    old.run("PRAGMA journal_mode = WAL");
    old.close();
    const db = openSpoolDatabase(dir.path);
    expect(db.query("PRAGMA page_size").get()).toEqual({ page_size: 4096 });
    const store = new SpoolStore(db);
    await store.append("c1", [bytes("a")]);
    expect(store.read("c1", 0, 10).map((r) => text(r.record))).toEqual(["a"]);
    store.close();
  });
});
