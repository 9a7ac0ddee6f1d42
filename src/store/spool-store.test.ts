import { describe, expect, test } from "bun:test";
import { tempDir } from "../../test/support/temp-dir.ts";
import { COMMIT_MAX_BYTES, openSpoolDatabase, SpoolStore } from "./spool-store.ts";

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

  test("the database runs with synchronous=FULL in WAL mode", async () => {
    await using dir = await tempDir("spool-");
    const db = openSpoolDatabase(dir.path);
    expect(db.query("PRAGMA synchronous").get()).toEqual({ synchronous: 2 });
    expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
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
});
