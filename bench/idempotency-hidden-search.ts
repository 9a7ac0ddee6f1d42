/**
 * What searching a name's hidden Idempotency-Keys costs while a connector created again under it
 * stores new ones (small3 item 3), on a real gateway.db. BENCH_NEW keys of the new connector sort
 * before BENCH_HIDDEN keys of the deleted one in the primary key's index (the order of the search),
 * and the store is reopened (as after a restart) at ingest.idempotency.max.bytes: each put makes its
 * room with one hidden key, and each run of the pruning timer deletes PRUNE_BATCH of them. Two cases,
 * each on its own database: "putFirst", BENCH_PUTS + 1 puts then the timer's runs; "timerFirst"
 * (review-idemsplit P3-1), the timer's runs with no put before them, so its first run starts at the
 * name's first key. Printed: ms per put at the cap (the first, then the median and the largest of the
 * next ones) and ms per timer run (the first, then the median and the largest of the next ones),
 * each on the event loop.
 *
 *   flock /work/bench.lock node_modules/.bin/bun bench/idempotency-hidden-search.ts
 *
 * BENCH_NEW (default 100000), BENCH_HIDDEN (default 20000), BENCH_PUTS (default 200), BENCH_DIR
 * (where the databases go, default a temp dir under the current directory, removed at the end).
 */
import type { Database } from "bun:sqlite";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../src/store/database.ts";
import { IdempotencyStore } from "../src/store/idempotency-store.ts";

const env = process.env;
const fresh = Number(env.BENCH_NEW ?? 100_000);
const hidden = Number(env.BENCH_HIDDEN ?? 20_000);
const puts = Number(env.BENCH_PUTS ?? 200);
const dir = env.BENCH_DIR ?? mkdtempSync(join(process.cwd(), ".bench-idempotency-hidden-"));
const response = {
  requestHash: "a".repeat(64),
  status: 201,
  contentType: "application/json",
  body: new TextEncoder().encode(JSON.stringify({ offsets: [{ partition: 0, offset: 123456 }] })),
};
const now = Date.now();
const day = 86_400_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (start: number) => performance.now() - start;
const round = (x: number) => Math.round(x * 1000) / 1000;

/** A database under `dir`/`name` with the deleted connector's keys ("z…") behind the new one's ("a…"), and the store reopened at the cap. */
function filled(name: string): { db: Database; store: IdempotencyStore } {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  const db = openDatabase(path);
  const filling = new IdempotencyStore(db);
  db.transaction(() => {
    for (let i = 0; i < hidden; i++) filling.put("c", "", `z-${i}`, response, now, day);
  })();
  filling.connectorDeleted("c");
  filling.connectorCreated("c");
  db.transaction(() => {
    for (let i = 0; i < fresh; i++) filling.put("c", "", `a-${i}`, response, now, day);
  })();
  // Reopened: the hidden keys are pending from the stored generation, as after a restart.
  return { db, store: new IdempotencyStore(db, { maxBytes: filling.usage().bytes }) };
}

function timePuts(store: IdempotencyStore, count: number): number[] {
  const putMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    store.put("c", "", `b-${i}`, response, now, day);
    putMs.push(ms(start));
  }
  return putMs;
}

/** The timer's runs, driven by hand until no hidden key is left: each timed from its start to the next one it asks for. */
function timeTimer(db: Database, store: IdempotencyStore): number[] {
  let next: (() => void) | undefined;
  store.startPruning(
    () => now,
    (run) => {
      next = run;
      return { cancel: () => {} };
    },
  );
  const hiddenLeft = () =>
    (
      db
        .query("SELECT count(*) AS n FROM ingest_idempotency WHERE connector = 'c' AND idempotency_key >= 'z'")
        .get() as { n: number }
    ).n;
  const runMs: number[] = [];
  while (hiddenLeft() > 0 && next) {
    const run = next;
    next = undefined;
    const start = performance.now();
    run();
    runMs.push(ms(start));
  }
  return runMs;
}

const summary = (xs: number[]) => {
  const [first, ...others] = xs;
  return {
    count: xs.length,
    firstMs: round(first ?? 0),
    medianMs: round(median(others)),
    maxMs: round(Math.max(0, ...others)),
  };
};

function runCase(name: string, putCount: number) {
  const { db, store } = filled(name);
  const putMs = timePuts(store, putCount);
  const runMs = timeTimer(db, store);
  store.close();
  db.close();
  return { ...(putCount > 0 ? { put: summary(putMs) } : {}), timer: summary(runMs) };
}

const putFirst = runCase("put-first", puts + 1);
const timerFirst = runCase("timer-first", 0);
if (!env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ newKeys: fresh, hiddenKeys: hidden, putFirst, timerFirst }));
