/**
 * IdempotencyStore on a real SQLite file, migration 3 (keys scoped by identity, security review
 * 2026-12-01, P2.6) over a file written by schema version 2, and migration 5 (key generations,
 * review-p3ingest P2-1) over one written by version 4. What deletes keys (the cap, the timer) is
 * tested in idempotency-eviction.test.ts.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../test/support/temp-dir.ts";
import { DATABASE_FILE, openDatabase } from "./database.ts";
import { deleteConnectorKeys, IdempotencyStore } from "./idempotency-store.ts";
import { answer, bytesOf, rows } from "./idempotency-store-test-support.ts";
import { migrations, SCHEMA_2_KEY_SCOPE } from "./migrations/index.ts";

describe("IdempotencyStore", () => {
  test("the same key of two principals is two keys", async () => {
    await using dir = await tempDir("idempotency-store-");
    const db = openDatabase(dir.path);
    const store = new IdempotencyStore(db);
    store.put("c", "jwt:dev-a", "k", answer("a"), 1000, 60_000);
    store.put("c", "jwt:dev-b", "k", answer("b"), 1000, 60_000);
    expect(store.get("c", "jwt:dev-a", "k", 2000)?.requestHash).toBe("hash-a");
    expect(store.get("c", "jwt:dev-b", "k", 2000)?.requestHash).toBe("hash-b");
    expect(store.get("c", "", "k", 2000)).toBeUndefined();
    db.close();
  });

  test("migrations 3 and 4 keep the keys a version 2 file holds, in the scope of keys stored before identities", async () => {
    await using dir = await tempDir("idempotency-store-");
    const path = join(dir.path, DATABASE_FILE);
    const old = new Database(path, { create: true, strict: true });
    old.run("PRAGMA journal_mode = WAL");
    for (const m of migrations.filter((m) => m.version <= 2)) old.run(m.sql);
    old.run("PRAGMA user_version = 2");
    old
      .query(
        "INSERT INTO ingest_idempotency (connector, idempotency_key, request_hash, status, content_type, body, created_at, expires_at) VALUES ('c', 'k', 'h', 201, 'text/plain', x'6f6b', 1, 9000)",
      )
      .run();
    old.close();

    const db = openDatabase(dir.path);
    expect((db.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBeGreaterThanOrEqual(3);
    const store = new IdempotencyStore(db);
    expect(store.get("c", SCHEMA_2_KEY_SCOPE, "k", 100)).toEqual({
      requestHash: "h",
      status: 201,
      contentType: "text/plain",
      body: new Uint8Array([0x6f, 0x6b]),
    });
    expect(store.get("c", "", "k", 100)).toBeUndefined();
    expect(store.get("c", "jwt:dev-a", "k", 100)).toBeUndefined();
    expect(db.query("SELECT name FROM sqlite_schema WHERE name = 'ingest_idempotency_expiry'").get()).toEqual({
      name: "ingest_idempotency_expiry",
    });
    db.close();
  });

  test("a version 3 file's anonymous keys stay anonymous (migration 4 cannot tell them from schema 2's)", async () => {
    await using dir = await tempDir("idempotency-store-");
    const path = join(dir.path, DATABASE_FILE);
    const old = new Database(path, { create: true, strict: true });
    old.run("PRAGMA journal_mode = WAL");
    for (const m of migrations.filter((m) => m.version <= 3)) old.run(m.sql);
    old.run("PRAGMA user_version = 3");
    old
      .query(
        "INSERT INTO ingest_idempotency (connector, principal, idempotency_key, request_hash, status, content_type, body, created_at, expires_at) VALUES ('c', '', 'k', 'h', 201, 'text/plain', x'6f6b', 1, 9000)",
      )
      .run();
    old.close();

    const db = openDatabase(dir.path);
    const store = new IdempotencyStore(db);
    expect(store.get("c", "", "k", 100)?.requestHash).toBe("h");
    expect(store.get("c", SCHEMA_2_KEY_SCOPE, "k", 100)).toBeUndefined();
    db.close();
  });

  test("migration 5 keeps a version 4 file's keys answering; a create hides a name's keys across a reopen (review-p3ingest P2-1)", async () => {
    await using dir = await tempDir("idempotency-store-");
    const path = join(dir.path, DATABASE_FILE);
    const old = new Database(path, { create: true, strict: true });
    old.run("PRAGMA journal_mode = WAL");
    for (const m of migrations.filter((m) => m.version <= 4)) old.run(m.sql);
    old.run("PRAGMA user_version = 4");
    for (const connector of ["c", "left"])
      old
        .query(
          "INSERT INTO ingest_idempotency (connector, principal, idempotency_key, request_hash, status, content_type, body, created_at, expires_at) VALUES (?, '', 'k', 'h', 201, 'text/plain', x'6f6b', 1, 9000)",
        )
        .run(connector);
    old.close();

    const db = openDatabase(dir.path);
    expect((db.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBeGreaterThanOrEqual(5);
    const store = new IdempotencyStore(db);
    expect([store.get("c", "", "k", 100)?.requestHash, store.get("left", "", "k", 100)?.requestHash]).toEqual([
      "h",
      "h",
    ]);
    store.connectorCreated("left"); // a connector created under a name with keys left
    expect(store.get("left", "", "k", 100)).toBeUndefined();
    const reopened = new IdempotencyStore(db);
    expect([reopened.get("c", "", "k", 100)?.requestHash, reopened.get("left", "", "k", 100)]).toEqual([
      "h",
      undefined,
    ]);
    db.close();
  });
});

describe("IdempotencyStore usage, cap and deletes (explore5 E3, E5)", () => {
  test("deleteConnectorKeys (the offline delete-connector) sums and deletes the keys in SQLite, reading no row back (review-idem2 P3-4)", async () => {
    await using dir = await tempDir("idempotency-store-");
    const real = openDatabase(dir.path);
    let rowsRead = 0;
    const read = (result: unknown) => {
      rowsRead += Array.isArray(result) ? result.length : result == null ? 0 : 1;
      return result;
    };
    const statement = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(t, property) {
          const value = Reflect.get(t, property);
          if (typeof value !== "function") return value;
          if (property === "all" || property === "get" || property === "values")
            return (...args: unknown[]) => read(value.apply(t, args));
          return value.bind(t);
        },
      });
    const db = new Proxy(real, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (property === "query") return (sql: string) => statement(target.query(sql));
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const store = new IdempotencyStore(db);
    db.transaction(() => {
      for (let i = 0; i < 50; i++) store.put("gone", "", `k${i}`, answer("a"), 1000, 60_000);
    })();
    const usage = store.usage();
    rowsRead = 0;
    expect(deleteConnectorKeys(db, "gone")).toEqual(usage);
    expect(rowsRead).toBe(1); // the sum
    expect(rows(real)).toEqual([]);
    expect(usage.bytes).toBe(50 * bytesOf("gone", "", "k00", "a") - 10);
    real.close();
  });

  test("a key of a connector deleted while its request was in flight is not stored (review P3-5)", async () => {
    await using dir = await tempDir("idempotency-store-");
    const db = openDatabase(dir.path);
    const stored = new Set(["c"]);
    const store = new IdempotencyStore(db, { connectorExists: (c) => stored.has(c) });
    store.put("c", "", "k1", answer("a"), 1000, 60_000);
    stored.delete("c");
    store.connectorDeleted("c");
    expect(store.put("c", "", "k2", answer("a"), 1000, 60_000)).toBe(0);
    expect(rows(db)).toEqual([{ connector: "c", key: "k1" }]); // hidden, left to the timer
    expect(store.usage()).toEqual({ keys: 1, bytes: bytesOf("c", "", "k1", "a") });
    stored.add("c"); // created again
    store.connectorCreated("c");
    store.put("c", "", "k3", answer("a"), 1000, 60_000);
    expect(rows(db)).toEqual([
      { connector: "c", key: "k1" },
      { connector: "c", key: "k3" },
    ]);
    expect([store.get("c", "", "k1", 2000), store.get("c", "", "k3", 2000)?.requestHash]).toEqual([
      undefined,
      "hash-a",
    ]);
    db.close();
  });
});
