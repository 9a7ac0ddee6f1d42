/**
 * The herder and the ingest Idempotency-Keys of a connector's name (p3ingest): keys left under a
 * name a connector is created with are hidden at once and deleted by the store's timer in batches,
 * not inside the create (up to ~1.6 s of deletes at the cap); a request of the deleted connector
 * that ends after one of its name was created again stores no key under the new one.
 */
import type { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { tempDir } from "../../test/support/temp-dir.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { ConfigStore } from "../store/config-store.ts";
import { openDatabase } from "../store/database.ts";
import { PRUNE_BATCH, PRUNE_BUSY_MS } from "../store/idempotency-eviction.ts";
import { IdempotencyStore, type StoredResponse } from "../store/idempotency-store.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { clockTimer } from "../util/timer.ts";
import { type InProcessWorker, inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

const answer = (text: string): StoredResponse => ({
  requestHash: `hash-${text}`,
  status: 200,
  contentType: "application/json",
  body: new TextEncoder().encode(text),
});

/** An Idempotency-Key store that knows the connectors `configs` holds (as app.ts builds it). */
const keysKnowing = (db: Database, configs: ConfigStore) =>
  new IdempotencyStore(db, { connectorExists: (c) => configs.has(c) });

/**
 * A database in a temp dir where `n` keys `k0…` of a connector "c" no longer stored were left (an
 * earlier release, or a delete that could not remove them), at `clock`'s time; `keys` is the store
 * that knows the connectors `configs` holds.
 */
async function keysLeft(n: number) {
  const dir = await tempDir("herder-idempotency-");
  const db = openDatabase(dir.path);
  const clock = new ManualClock(1_000_000);
  const earlier = new IdempotencyStore(db);
  db.transaction(() => {
    for (let i = 0; i < n; i++) earlier.put("c", "", `k${i}`, answer("old"), clock.now(), 600_000);
  })();
  const configs = new ConfigStore(db);
  return {
    db,
    clock,
    configs,
    keys: keysKnowing(db, configs),
    [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose](),
  };
}

/** The keys stored under connector "c", hidden ones included. */
const keysOfC = (db: Database) =>
  (db.query("SELECT count(*) AS n FROM ingest_idempotency WHERE connector = 'c'").get() as { n: number }).n;

/** POST /connectors of a scripted source "c": the response's status. */
const createC = async (h: InProcessWorker) =>
  (await h.rest("POST", "/connectors", { name: "c", config: { "connector.class": SCRIPTED_SOURCE } })).status;

describe("Herder and the Idempotency-Keys of a connector's name", () => {
  test("a connector created under a name with keys left hides them at once; the store's timer deletes them in batches", async () => {
    await using left = await keysLeft(PRUNE_BATCH + 5);
    const { db, clock, keys } = left;
    await using h = await inProcessWorker({ db, idempotencyKeys: keys });
    clock.advance(1);
    expect(await createC(h)).toBe(201);
    expect([keysOfC(db), keys.get("c", "", "k0", clock.now())]).toEqual([PRUNE_BATCH + 5, undefined]);
    keys.put("c", "", "k0", answer("new"), clock.now(), 600_000);
    keys.startPruning(() => clock.now(), clockTimer(clock));
    clock.advance(PRUNE_BUSY_MS);
    await waitFor(() => keysOfC(db) === 5, { what: "a first batch" }); // k0 was stored again
    clock.advance(PRUNE_BUSY_MS);
    await waitFor(() => keysOfC(db) === 1, { what: "the rest" });
    expect(new TextDecoder().decode(keys.get("c", "", "k0", clock.now())?.body)).toBe("new");
    expect(keys.usage()).toEqual(new IdempotencyStore(db).usage());
    keys.close();
  });

  // review-p3ingest P2-1: the keys were hidden in memory only, and a restart before the timer
  // deleted them let the new connector replay the old one's answers.
  test("keys a create hid stay hidden after a restart until the timer has deleted them", async () => {
    await using left = await keysLeft(1);
    const { db, clock, configs, keys } = left;
    {
      await using h = await inProcessWorker({ db, idempotencyKeys: keys });
      expect(await createC(h)).toBe(201);
      expect(keys.get("c", "", "k0", clock.now())).toBeUndefined();
    }
    // Restarted before the timer ran: as app.ts at start.
    const restarted = keysKnowing(db, configs);
    expect(restarted.removeOrphans((c) => configs.has(c))).toEqual([]);
    expect(restarted.get("c", "", "k0", clock.now())).toBeUndefined();
    restarted.put("c", "", "k1", answer("new"), clock.now(), 600_000);
    restarted.startPruning(() => clock.now(), clockTimer(clock));
    clock.advance(PRUNE_BUSY_MS);
    await waitFor(() => keysOfC(db) === 1, { what: "the hidden key deleted" });
    expect(new TextDecoder().decode(restarted.get("c", "", "k1", clock.now())?.body)).toBe("new");
    restarted.close();
    // Once deleted, a later restart has nothing left to delete (the name's cleanup is stored as done).
    const again = new IdempotencyStore(db);
    again.startPruning(() => clock.now(), clockTimer(clock));
    expect(new TextDecoder().decode(again.get("c", "", "k1", clock.now())?.body)).toBe("new");
    again.close();
  });

  // review-p3ingest P3-1: the hiding compared the keys' times with the create's, so keys stored
  // after a backward step of the clock were hidden and deleted.
  test("keys a connector stores after the clock stepped back are its own", async () => {
    await using left = await keysLeft(1);
    const { db, clock, keys } = left;
    await using h = await inProcessWorker({ db, idempotencyKeys: keys });
    expect(await createC(h)).toBe(201);
    const stepped = clock.now() - 60_000;
    keys.put("c", "", "k", answer("new"), stepped, 600_000);
    keys.startPruning(() => stepped, clockTimer(clock));
    clock.advance(PRUNE_BUSY_MS);
    await waitFor(() => keysOfC(db) === 1, { what: "the old key deleted" });
    expect(new TextDecoder().decode(keys.get("c", "", "k", stepped)?.body)).toBe("new");
    keys.close();
  });

  test("a request begun before its connector was deleted and created again stores no key under the new one", async () => {
    await using left = await keysLeft(0);
    const { db, keys } = left;
    await using h = await inProcessWorker({ db, idempotencyKeys: keys });
    expect(await createC(h)).toBe(201);
    const begun = keys.generation("c"); // a request of the first connector begins
    expect((await h.rest("DELETE", "/connectors/c")).status).toBe(204);
    expect(await createC(h)).toBe(201);
    // … and ends now: its answer is no answer of the new connector.
    expect(keys.put("c", "", "k", answer("old"), Date.now(), 600_000, begun)).toBe(0);
    expect(keys.get("c", "", "k", Date.now())).toBeUndefined();
    keys.put("c", "", "k", answer("new"), Date.now(), 600_000, keys.generation("c"));
    expect(new TextDecoder().decode(keys.get("c", "", "k", Date.now())?.body)).toBe("new");
  });
});
