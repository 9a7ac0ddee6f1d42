import { describe, expect, test } from "bun:test";
import { tempDir } from "../../test/support/temp-dir.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { openDatabase } from "./database.ts";
import { IdempotencyStore } from "./idempotency-store.ts";
import { WalSync } from "./wal-sync.ts";

describe("WalSync", () => {
  test("callers that come while an fsync runs share the next one; none resolves before an fsync that started after it", async () => {
    const started: PromiseWithResolvers<void>[] = [];
    const wal = new WalSync("x-wal", () => {
      const fsync = Promise.withResolvers<void>();
      started.push(fsync);
      return fsync.promise;
    });
    const done: string[] = [];
    const a = wal.sync().then(() => done.push("a"));
    const b = wal.sync().then(() => done.push("b"));
    const c = wal.sync().then(() => done.push("c"));
    expect(started).toHaveLength(1);
    started[0]!.resolve();
    await a;
    // b and c came during the first fsync: they wait for the second, one for both.
    expect(done).toEqual(["a"]);
    expect(started).toHaveLength(2);
    started[1]!.resolve();
    await Promise.all([b, c]);
    expect(done).toEqual(["a", "b", "c"]);
    expect(wal.syncs).toBe(2);
  });

  test("a failed fsync rejects its callers; the next call runs a new one", async () => {
    let fail = true;
    const wal = new WalSync("x-wal", async () => {
      if (fail) throw new Error("EIO");
    });
    await expect(wal.sync()).rejects.toThrow("EIO");
    fail = false;
    await wal.sync();
    expect(wal.syncs).toBe(2);
  });

  test("an fsync that hangs: its callers and those queued behind it are rejected after the timeout, not held; once it ends the next one runs", async () => {
    const hung = Promise.withResolvers<void>();
    let calls = 0;
    const wal = new WalSync("x-wal", () => (++calls === 1 ? hung.promise : Promise.resolve()), 5);
    const refusal = (sync: Promise<void>) =>
      sync.then(
        () => "resolved",
        (e: Error) => e.message,
      );
    const first = refusal(wal.sync());
    const second = refusal(wal.sync());
    expect(await first).toBe("The fsync of x-wal did not finish within 5 ms");
    expect(await second).toBe("The fsync of x-wal did not finish within 5 ms");
    // Still hung: a later caller is not held either, and no second fsync piles up on the thread pool.
    expect(await refusal(wal.sync())).toBe("The fsync of x-wal did not finish within 5 ms");
    expect(calls).toBe(1);
    hung.resolve();
    await waitFor(() => calls === 2, { what: "the fsync queued behind the hung one" });
    await wal.sync();
  });

  test("on gateway.db: the store's durable() resolves (the real fsync of its WAL file works)", async () => {
    await using dir = await tempDir("wal-sync-");
    const db = openDatabase(dir.path);
    try {
      const store = new IdempotencyStore(db);
      const response = { requestHash: "h", status: 201, contentType: "text/plain", body: new Uint8Array([1]) };
      store.put("c", "", "k", response, 1, 60_000);
      await store.durable();
      expect(await Bun.file(`${dir.path}/gateway.db-wal`).exists()).toBe(true);
    } finally {
      db.close();
    }
  });
});
