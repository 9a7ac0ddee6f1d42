/**
 * IdempotencyStore on a real SQLite file, and migration 3 (keys scoped by identity, security review
 * 2026-12-01, P2.6) over a file written by schema version 2.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../test/support/temp-dir.ts";
import { DATABASE_FILE, openDatabase } from "./database.ts";
import { IdempotencyStore, type StoredResponse } from "./idempotency-store.ts";
import { migrations, SCHEMA_2_KEY_SCOPE } from "./migrations/index.ts";

const answer = (text: string): StoredResponse => ({
  requestHash: `hash-${text}`,
  status: 200,
  contentType: "application/json",
  body: new TextEncoder().encode(text),
});

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
});
