import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../test/support/temp-dir.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { spoolMigrations } from "./migrations/spool.ts";
import {
  CACHE_KIB,
  migrateSpool,
  openSpoolDatabase,
  PAGE_SIZE,
  SPOOL_FILE,
  WAL_AUTOCHECKPOINT_PAGES,
} from "./spool-file.ts";
import { COMMIT_MAX_BYTES, type ToWorker } from "./spool-protocol.ts";
import { SpoolStore } from "./spool-store.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const dyingWorker = new URL("../../test/fixtures/spool-worker/dying-worker.ts", import.meta.url);

describe("SpoolStore", () => {
  test("many concurrent appends share one commit, in order, with growing sequences", async () => {
    await using dir = await tempDir("spool-");
    const store = await SpoolStore.open(dir.path);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.append("c1", [bytes(`r${i}a`), bytes(`r${i}b`)])),
    );
    expect([store.commits, store.appendsCommitted]).toEqual([1, 50]);
    const seqs = results.flat();
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(100);
    const rows = await store.read("c1", 0, 1000);
    expect(rows.map((r) => text(r.record)).slice(0, 4)).toEqual(["r0a", "r0b", "r1a", "r1b"]);
    expect(store.stats("c1")).toEqual({
      records: 100,
      bytes: rows.reduce((n, r) => n + r.bytes, 0),
      oldestAt: rows[0]!.spooledAt,
    });
    await store.close();
  });

  test("a commit carries at most COMMIT_MAX_BYTES of records; the rest follow in order", async () => {
    await using dir = await tempDir("spool-");
    const store = await SpoolStore.open(dir.path);
    const big = new Uint8Array(COMMIT_MAX_BYTES / 4);
    const results = await Promise.all(Array.from({ length: 10 }, () => store.append("c1", [big])));
    expect(store.commits).toBe(3);
    expect(results.flat()).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    await store.close();
  });

  test("the database runs with synchronous=FULL in WAL mode, a new file with 16 KiB pages", async () => {
    await using dir = await tempDir("spool-");
    const db = openSpoolDatabase(dir.path);
    expect(db.query("PRAGMA synchronous").get()).toEqual({ synchronous: 2 });
    expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(db.query("PRAGMA page_size").get()).toEqual({ page_size: PAGE_SIZE });
    expect(db.query("PRAGMA cache_size").get()).toEqual({ cache_size: -CACHE_KIB });
    expect(db.query("PRAGMA wal_autocheckpoint").get()).toEqual({ wal_autocheckpoint: WAL_AUTOCHECKPOINT_PAGES });
    db.close();
  });

  test("deleted rows are gone after reopening, the rest survive, and sequences are never reused", async () => {
    await using dir = await tempDir("spool-");
    const store = await SpoolStore.open(dir.path);
    const seqs = (await Promise.all(["a", "b", "c"].map((r) => store.append("c1", [bytes(r)])))).flat();
    expect(store.commits).toBe(1);
    await store.append("c2", [bytes("other")]);
    store.delete("c1", seqs[0]!, 1);
    store.delete("c1", seqs[2]!, 1);
    expect(store.stats("c1").records).toBe(1);
    await store.close();
    const reopened = await SpoolStore.open(dir.path);
    expect((await reopened.read("c1", 0, 10)).map((r) => [r.seq, text(r.record)])).toEqual([[seqs[1]!, "b"]]);
    expect(reopened.stats("c1")).toEqual({ records: 1, bytes: 1, oldestAt: expect.any(Number) });
    const [next] = await reopened.append("c1", [bytes("d")]);
    expect(next).toBeGreaterThan(seqs[2]!);
    await reopened.deleteThrough("c1", next!);
    expect(reopened.stats("c1")).toEqual({ records: 0, bytes: 0, oldestAt: null });
    expect(reopened.partitions()).toEqual(["c2"]);
    await reopened.close();
  });

  test("read pages after a sequence", async () => {
    await using dir = await tempDir("spool-");
    const store = await SpoolStore.open(dir.path);
    const seqs = await store.append("c1", ["1", "2", "3", "4", "5"].map(bytes));
    expect((await store.read("c1", seqs[1]!, 2)).map((r) => text(r.record))).toEqual(["3", "4"]);
    await store.close();
  });

  test("a reader that caught up gets later appends from memory with their payloads, in order, once each", async () => {
    await using dir = await tempDir("spool-");
    const store = await SpoolStore.open(dir.path);
    const [first] = await store.append("c1", [bytes("old")], ["p-old"]);
    // From the file (nothing in memory yet): no payload; fewer rows than asked: caught up.
    expect((await store.read("c1", 0, 10)).map((r) => [r.seq, text(r.record), r.payload])).toEqual([
      [first!, "old", undefined],
    ]);
    const a = await store.append("c1", [bytes("a1"), bytes("a2")], ["p1", "p2"]);
    await store.append("c2", [bytes("other")], ["x"]);
    const b = await store.append("c1", [bytes("a3")], ["p3"]);
    expect((await store.read("c1", first!, 2)).map((r) => [r.seq, r.payload])).toEqual([
      [a[0]!, "p1"],
      [a[1]!, "p2"],
    ]);
    expect((await store.read("c1", a[1]!, 10)).map((r) => [r.seq, text(r.record), r.payload])).toEqual([
      [b[0]!, "a3", "p3"],
    ]);
    expect(await store.read("c1", b[0]!, 10)).toEqual([]);
    // Asked for rows before what memory holds (a restarted reader): the file answers.
    expect((await store.read("c1", first!, 10)).map((r) => [r.seq, r.payload])).toEqual([
      [a[0]!, undefined],
      [a[1]!, undefined],
      [b[0]!, undefined],
    ]);
    await store.close();
  });

  test("requests whose records share one buffer are each stored (a view not covering its buffer is copied)", async () => {
    await using dir = await tempDir("spool-");
    const store = await SpoolStore.open(dir.path);
    const shared = bytes("aabbb");
    await store.read("c1", 0, 10); // caught up: the rows come back from memory too
    await Promise.all([
      store.append("c1", { data: shared.subarray(0, 2), lengths: [2] }, ["x"]),
      store.append("c1", { data: shared.subarray(2), lengths: [1, 2] }, ["y", "z"]),
    ]);
    expect((await store.read("c1", 0, 10)).map((r) => [text(r.record), r.payload])).toEqual([
      ["aa", "x"],
      ["b", "y"],
      ["bb", "z"],
    ]);
    await store.close();
    const reopened = await SpoolStore.open(dir.path);
    expect((await reopened.read("c1", 0, 10)).map((r) => text(r.record))).toEqual(["aa", "b", "bb"]);
    await reopened.close();
  });

  test("a view not covering its buffer is copied: the caller's other views of a pooled Buffer stay intact", async () => {
    await using dir = await tempDir("spool-");
    const store = await SpoolStore.open(dir.path);
    const shared = new ArrayBuffer(64); // like a slice of Buffer's pool: other data around it
    const view = new Uint8Array(shared, 8, 3);
    view.set(bytes("abc"));
    await store.append("c1", { data: view, lengths: [3] });
    expect(shared.byteLength).toBe(64); // not moved (moving detaches it)
    expect(text(view)).toBe("abc");
    expect(text((await store.read("c1", 0, 10))[0]!.record)).toBe("abc");
    await store.close();
  });

  test("release drops a stopped partition's tail and its counts when it holds no rows", async () => {
    await using dir = await tempDir("spool-");
    const store = await SpoolStore.open(dir.path);
    await store.read("c1", 0, 10); // caught up: a tail
    const [seq] = await store.append("c1", [bytes("a")]);
    await store.append("c2", [bytes("b")]);
    store.delete("c1", seq!, 1);
    store.release("c1");
    store.release("c2");
    const internals = store as unknown as { tails: Map<string, unknown>; counts: { counts: Map<string, unknown> } };
    expect([...internals.tails.keys()]).toEqual([]);
    expect([...internals.counts.counts.keys()]).toEqual(["c2"]); // c2 still holds a row
    expect(store.stats("c2").records).toBe(1);
    await store.close();
  });

  test("release tells the worker (it drops its partly read row), and posts nothing once the spool is closing", async () => {
    await using dir = await tempDir("spool-");
    const store = await SpoolStore.open(dir.path);
    const channel = (store as unknown as { channel: { post: (m: ToWorker) => void } }).channel;
    const posted: ToWorker[] = [];
    const post = channel.post.bind(channel);
    channel.post = (m) => {
      posted.push(m);
      post(m);
    };
    await store.append("c1", [bytes("a"), bytes("b")]);
    expect((await store.read("c1", 0, 1)).map((r) => r.seq)).toEqual([1]);
    store.release("c1");
    expect((await store.read("c1", 0, 2)).map((r) => r.seq)).toEqual([1, 2]);
    await store.close();
    store.release("c1");
    expect(posted.filter((m) => m.op === "release")).toEqual([{ op: "release", partition: "c1" }]);
  });

  test("close commits the appends still queued before it ends the worker", async () => {
    await using dir = await tempDir("spool-");
    const store = await SpoolStore.open(dir.path);
    const appends = Array.from({ length: 20 }, (_, i) => store.append("c1", [bytes(`r${i}`)]));
    await store.close();
    expect((await Promise.all(appends)).flat()).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await store.append("c1", [bytes("late")]).catch((e: Error) => e.message)).toBe("The spool is closing");
    const reopened = await SpoolStore.open(dir.path);
    expect(reopened.stats("c1").records).toBe(20);
    await reopened.close();
  });

  test.each([
    ["throw", /The spool worker failed: .*the disk caught fire/],
    ["exit", /The spool worker exited unexpectedly/],
  ])("a worker that dies (%s) fails pending and later operations and tells its listeners", async (how, reason) => {
    await using dir = await tempDir("spool-");
    const store = await SpoolStore.open(dir.path, { workerUrl: dyingWorker });
    const heard: Error[] = [];
    store.onFailure((error) => heard.push(error));
    const pending = store.append(how, [bytes("a")]).catch((e: Error) => e);
    expect(((await pending) as Error).message).toMatch(reason);
    await waitFor(() => heard.length === 1, { what: "the failure listener" });
    expect(store.failure?.message).toMatch(reason);
    expect(((await store.append(how, [bytes("b")]).catch((e: Error) => e)) as Error).message).toMatch(reason);
    expect(((await store.read(how, 0, 10).catch((e: Error) => e)) as Error).message).toMatch(reason);
    expect(store.stats(how).records).toBe(0);
    await store.close();
  });

  test.each([1, 2, 3, 4])(
    "a spool file is marked with schema version 5 (quarantine kept): a gateway knowing only %i refuses it",
    async (known) => {
      await using dir = await tempDir("spool-store-");
      openSpoolDatabase(dir.path).close();
      const db = new Database(join(dir.path, SPOOL_FILE));
      expect((db.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(5);
      db.close();
      // What a previous release does with it (its migrations stop at version `known`).
      const older = new Database(join(dir.path, SPOOL_FILE));
      expect(() => migrateSpool(older, "spool.db", spoolMigrations.slice(0, known))).toThrow(
        `has schema version 5, newer than this gateway knows (${known})`,
      );
      older.close();
    },
  );

  test("after close, read and deleteThrough reject at once", async () => {
    await using dir = await tempDir("spool-store-");
    const store = await SpoolStore.open(dir.path);
    await store.close();
    await expect(store.read("c1", 0, 10)).rejects.toThrow("The spool is closing");
    await expect(store.deleteThrough("c1", 1)).rejects.toThrow("The spool is closing");
  });

  test("records that cannot be sent to the worker reject their append and the ones behind it; later ones work", async () => {
    await using dir = await tempDir("spool-store-");
    const store = await SpoolStore.open(dir.path);
    const big = new ArrayBuffer(COMMIT_MAX_BYTES);
    const first = store.append("c1", { data: new Uint8Array(big), lengths: [COMMIT_MAX_BYTES] });
    const second = store.append("c1", [new Uint8Array([1, 2, 3])]);
    structuredClone(big, { transfer: [big] }); // detached before the turn's send: postMessage throws
    const settled = await Promise.allSettled([first, second]);
    for (const s of settled) {
      expect(s.status).toBe("rejected");
      expect(String((s as PromiseRejectedResult).reason)).toContain("The spool could not take the records");
    }
    expect(await store.append("c1", [new Uint8Array([4])])).toEqual([1]);
    await store.close();
  });

  test("a spool file that cannot be opened fails open with the reason", async () => {
    await using dir = await tempDir("spool-");
    const held = await SpoolStore.open(dir.path);
    const second = await SpoolStore.open(dir.path).catch((e: Error) => e);
    expect(second).toBeInstanceOf(Error);
    expect((second as Error).message).toMatch(/locked/);
    await held.close();
  });

  // explore5 E2: every commit writes at least three whole pages; 4 KiB pages write a quarter of 16 KiB ones.
  test("a new spool file takes the page size it is opened with (ingest.spool.page.size); an existing one keeps its own", async () => {
    await using dir = await tempDir("spool-");
    const pageSize = () => {
      const db = new Database(join(dir.path, SPOOL_FILE), { readonly: true });
      const size = db.query("PRAGMA page_size").get();
      db.close();
      return size;
    };
    const store = await SpoolStore.open(dir.path, { pageSize: 4096 });
    await store.append("c1", [bytes("a")]);
    await store.close();
    expect(pageSize()).toEqual({ page_size: 4096 });
    const again = await SpoolStore.open(dir.path, { pageSize: 16_384 });
    expect((await again.read("c1", 0, 10)).map((r) => text(r.record))).toEqual(["a"]);
    await again.close();
    expect(pageSize()).toEqual({ page_size: 4096 });
  });

  test("a spool file made with 4 KiB pages keeps them and keeps working", async () => {
    await using dir = await tempDir("spool-");
    const old = new Database(join(dir.path, SPOOL_FILE), { create: true });
    old.run("PRAGMA page_size = 4096");
    old.run("PRAGMA journal_mode = WAL");
    old.close();
    const db = openSpoolDatabase(dir.path);
    expect(db.query("PRAGMA page_size").get()).toEqual({ page_size: 4096 });
    db.close();
    const store = await SpoolStore.open(dir.path);
    await store.append("c1", [bytes("a")]);
    expect((await store.read("c1", 0, 10)).map((r) => text(r.record))).toEqual(["a"]);
    await store.close();
  });
});
