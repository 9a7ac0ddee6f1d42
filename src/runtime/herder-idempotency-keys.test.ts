/**
 * The herder and the ingest Idempotency-Keys of a connector's name (p3ingest): keys left under a
 * name a connector is created with are hidden at once and deleted by the store's timer in batches,
 * not inside the create (up to ~1.6 s of deletes at the cap); a request of the deleted connector
 * that ends after one of its name was created again stores no key under the new one.
 */
import { describe, expect, test } from "bun:test";
import { tempDir } from "../../test/support/temp-dir.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { ConfigStore } from "../store/config-store.ts";
import { openDatabase } from "../store/database.ts";
import { IdempotencyStore, PRUNE_BATCH, PRUNE_BUSY_MS, type StoredResponse } from "../store/idempotency-store.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { clockTimer } from "../util/timer.ts";
import { inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

const answer = (text: string): StoredResponse => ({
  requestHash: `hash-${text}`,
  status: 200,
  contentType: "application/json",
  body: new TextEncoder().encode(text),
});

describe("Herder and the Idempotency-Keys of a connector's name", () => {
  test("a connector created under a name with keys left hides them at once; the store's timer deletes them in batches", async () => {
    await using dir = await tempDir("herder-idempotency-");
    const db = openDatabase(dir.path);
    const clock = new ManualClock(1_000_000);
    // Keys of a connector "c" no longer stored (an earlier release, or a delete that could not remove them).
    const earlier = new IdempotencyStore(db);
    db.transaction(() => {
      for (let i = 0; i < PRUNE_BATCH + 5; i++) earlier.put("c", "", `k${i}`, answer("old"), clock.now(), 600_000);
    })();
    const configs = new ConfigStore(db);
    const keys = new IdempotencyStore(db, { connectorExists: (c) => configs.has(c), now: () => clock.now() });
    await using h = await inProcessWorker({ db, idempotencyKeys: keys });
    clock.advance(1);
    expect(
      (await h.rest("POST", "/connectors", { name: "c", config: { "connector.class": SCRIPTED_SOURCE } })).status,
    ).toBe(201);
    const count = () =>
      (db.query("SELECT count(*) AS n FROM ingest_idempotency WHERE connector = 'c'").get() as { n: number }).n;
    expect([count(), keys.get("c", "", "k0", clock.now())]).toEqual([PRUNE_BATCH + 5, undefined]);
    keys.put("c", "", "k0", answer("new"), clock.now(), 600_000);
    keys.startPruning(() => clock.now(), clockTimer(clock));
    clock.advance(PRUNE_BUSY_MS);
    await waitFor(() => count() === 5, { what: "a first batch" }); // k0 was stored again
    clock.advance(PRUNE_BUSY_MS);
    await waitFor(() => count() === 1, { what: "the rest" });
    expect(new TextDecoder().decode(keys.get("c", "", "k0", clock.now())?.body)).toBe("new");
    expect(keys.usage()).toEqual(new IdempotencyStore(db).usage());
    keys.close();
  });

  test("a request begun before its connector was deleted and created again stores no key under the new one", async () => {
    await using dir = await tempDir("herder-idempotency-");
    const db = openDatabase(dir.path);
    const configs = new ConfigStore(db);
    const keys = new IdempotencyStore(db, { connectorExists: (c) => configs.has(c) });
    await using h = await inProcessWorker({ db, idempotencyKeys: keys });
    const create = async () =>
      (await h.rest("POST", "/connectors", { name: "c", config: { "connector.class": SCRIPTED_SOURCE } })).status;
    expect(await create()).toBe(201);
    const begun = keys.generation("c"); // a request of the first connector begins
    expect((await h.rest("DELETE", "/connectors/c")).status).toBe(204);
    expect(await create()).toBe(201);
    // … and ends now: its answer is no answer of the new connector.
    expect(keys.put("c", "", "k", answer("old"), Date.now(), 600_000, begun)).toBe(0);
    expect(keys.get("c", "", "k", Date.now())).toBeUndefined();
    keys.put("c", "", "k", answer("new"), Date.now(), 600_000, keys.generation("c"));
    expect(new TextDecoder().decode(keys.get("c", "", "k", Date.now())?.body)).toBe("new");
  });
});
