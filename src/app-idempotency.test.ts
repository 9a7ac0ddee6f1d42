/**
 * The app's wiring of the Idempotency-Key store: the worker's ingest.idempotency.max.bytes reaches
 * it, its pruning timer runs on the app's clock from the start (expired keys, keys over the cap,
 * keys of connectors that no longer exist: review of fixe3, P3-6 and P3-8) and stops with the app;
 * the guard hears of the timer's drops and a deleted connector stores no key (review-idem2 P3-3).
 */
import { describe, expect, test } from "bun:test";
import { tempDir } from "../test/support/temp-dir.ts";
import { waitFor } from "../test/support/wait-for.ts";
import { testApp } from "./app-test-support.ts";
import { ConfigStore } from "./store/config-store.ts";
import { openDatabase } from "./store/database.ts";
import { PRUNE_BUSY_MS } from "./store/idempotency-eviction.ts";
import type { IdempotencyStore } from "./store/idempotency-store.ts";
import { LogManager } from "./util/logger.ts";
import { ManualClock } from "./util/manual-clock.ts";

describe("the app's Idempotency-Key store", () => {
  test("takes the worker's cap, prunes on the app's clock (expired, over the cap, deleted connectors') and stops with it", async () => {
    await using dir = await tempDir("app-idempotency-");
    const clock = new ManualClock(1_700_000_000_000);
    const now = clock.now();
    const before = openDatabase(dir.path);
    new ConfigStore(before).putConfig("stays", { name: "stays", "connector.class": "HttpIngestSource" }, "STOPPED");
    const insert = before.query(
      "INSERT INTO ingest_idempotency (connector, principal, idempotency_key, request_hash, status, content_type, body, created_at, expires_at) VALUES (?, '', ?, '', 200, '', ?, ?, ?)",
    );
    insert.run("stays", "expired", new Uint8Array(10), now - 2000, now - 1000);
    insert.run("stays", "first", new Uint8Array(600), now - 1000, now + 60_000); // over the cap with "second"
    insert.run("stays", "second", new Uint8Array(600), now - 1000, now + 90_000);
    insert.run("gone", "k1", new Uint8Array(10), now - 1000, now + 90_000); // its connector was deleted
    before.close();

    const lines: string[] = [];
    const app = testApp(
      dir,
      { "ingest.idempotency.max.bytes": "1000" },
      { logs: new LogManager({ sink: (line) => lines.push(line) }), clock },
    );
    const keys = () =>
      app.db
        .query("SELECT connector || '/' || idempotency_key AS k FROM ingest_idempotency ORDER BY k")
        .all()
        .map((r) => (r as { k: string }).k);
    expect(lines).toContainEqual(
      expect.stringContaining("INFO Deleting the Idempotency-Keys of 1 connector(s) that no longer exist"),
    );
    expect(keys()).toEqual(["gone/k1", "stays/expired", "stays/first", "stays/second"]);
    clock.advance(PRUNE_BUSY_MS);
    await waitFor(() => keys().length === 1, { what: "the timer's first run" });
    expect(keys()).toEqual(["stays/second"]);
    const metrics = await (await fetch(`${app.advertisedUrl}metrics`)).text();
    expect(metrics).toContain("\ningest_idempotency_max_bytes 1000\n");
    expect(metrics).toContain("\ningest_idempotency_keys 1\n");
    // "first" was deleted before it expired: the guard counts and WARNs about the timer's drops too.
    expect(metrics).toContain("\ningest_idempotency_keys_dropped_total 1\n");
    expect(lines).toContainEqual(expect.stringContaining("WARN Deleted 1 Idempotency-Key(s) before"));

    // A request still in flight when its connector was deleted does not store its key (review-idem2 P3-3).
    const store = (app.herder as unknown as { deps: { idempotencyKeys: IdempotencyStore } }).deps.idempotencyKeys;
    const response = { requestHash: "h", status: 200, contentType: "", body: new Uint8Array(1) };
    store.put("gone", "", "late", response, clock.now(), 60_000);
    store.put("stays", "", "late", response, clock.now(), 60_000);
    expect(keys()).toEqual(["stays/late", "stays/second"]);

    await app.stop();
    expect(clock.pending).toBe(0);
  });

  test("a connector created under the name of one deleted before its keys went has none of its keys at once (review-idem2 P3-1)", async () => {
    await using dir = await tempDir("app-idempotency-");
    const clock = new ManualClock(1_700_000_000_000);
    const before = openDatabase(dir.path);
    before
      .query(
        "INSERT INTO ingest_idempotency (connector, principal, idempotency_key, request_hash, status, content_type, body, created_at, expires_at) VALUES ('gone', '', 'k1', 'h', 200, '', x'6f6b', ?, ?)",
      )
      .run(clock.now() - 1000, clock.now() + 600_000);
    before.close();
    const app = testApp(dir, {}, { clock });
    const config = { name: "gone", "connector.class": "HttpIngestSource", "kafka.topic": "t", "ingest.path": "/gone" };
    await app.herder.putConnectorConfig("gone", config, { allowReplace: false, initialState: "STOPPED" });
    const store = (app.herder as unknown as { deps: { idempotencyKeys: IdempotencyStore } }).deps.idempotencyKeys;
    expect(store.get("gone", "", "k1", clock.now())).toBeUndefined(); // before the timer's first run
    // Hidden at once, deleted by the timer, not inside the create (p3ingest).
    clock.advance(PRUNE_BUSY_MS);
    await waitFor(() => store.usage().keys === 0, { what: "the timer's run" });
    expect(store.usage()).toEqual({ keys: 0, bytes: 0 });
    await app.stop();
  });
});
