/**
 * What searching a name's hidden Idempotency-Keys costs while a connector created again under it
 * stores new ones (small3 item 3), on a real gateway.db. BENCH_NEW keys of the new connector sort
 * before BENCH_HIDDEN keys of the deleted one in the primary key's index (the order of the search),
 * and the store is at ingest.idempotency.max.bytes: each put makes its room with one hidden key,
 * and each run of the pruning timer deletes PRUNE_BATCH of them. Printed: ms per put at the cap
 * (the first, then the median and the largest of the next BENCH_PUTS) and ms per timer run (the
 * first, then the median and the largest of the next ones), each on the event loop.
 *
 *   flock /work/bench.lock node_modules/.bin/bun bench/idempotency-hidden-search.ts
 *
 * BENCH_NEW (default 100000), BENCH_HIDDEN (default 20000), BENCH_PUTS (default 200), BENCH_DIR
 * (where the database goes, default a temp dir under the current directory, removed at the end).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../src/store/database.ts";
import { IdempotencyStore } from "../src/store/idempotency-store.ts";

const env = process.env;
const fresh = Number(env.BENCH_NEW ?? 100_000);
const hidden = Number(env.BENCH_HIDDEN ?? 20_000);
const puts = Number(env.BENCH_PUTS ?? 200);
const dir = env.BENCH_DIR ?? mkdtempSync(join(process.cwd(), ".bench-idempotency-hidden-"));
const db = openDatabase(dir);
const response = {
  requestHash: "a".repeat(64),
  status: 201,
  contentType: "application/json",
  body: new TextEncoder().encode(JSON.stringify({ offsets: [{ partition: 0, offset: 123456 }] })),
};
const now = Date.now();
const day = 86_400_000;

// The deleted connector's keys ("z…"), then those of the one created again under its name ("a…").
const filling = new IdempotencyStore(db);
db.transaction(() => {
  for (let i = 0; i < hidden; i++) filling.put("c", "", `z-${i}`, response, now, day);
})();
filling.connectorDeleted("c");
filling.connectorCreated("c");
db.transaction(() => {
  for (let i = 0; i < fresh; i++) filling.put("c", "", `a-${i}`, response, now, day);
})();

// Reopened at the cap: the hidden keys are pending from the stored generation, as after a restart.
const store = new IdempotencyStore(db, { maxBytes: filling.usage().bytes });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (start: number) => performance.now() - start;
const round = (x: number) => Math.round(x * 1000) / 1000;

const putMs: number[] = [];
for (let i = 0; i < puts + 1; i++) {
  const start = performance.now();
  store.put("c", "", `b-${i}`, response, now, day);
  putMs.push(ms(start));
}

// The timer's runs, driven by hand: each is timed from its start to the next one it asks for.
let next: (() => void) | undefined;
store.startPruning(
  () => now,
  (run) => {
    next = run;
    return { cancel: () => {} };
  },
);
const runMs: number[] = [];
const hiddenLeft = () =>
  (
    db.query("SELECT count(*) AS n FROM ingest_idempotency WHERE connector = 'c' AND idempotency_key >= 'z'").get() as {
      n: number;
    }
  ).n;
while (hiddenLeft() > 0 && next) {
  const run = next;
  next = undefined;
  const start = performance.now();
  run();
  runMs.push(ms(start));
}
store.close();
db.close();
if (!env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });

const [firstPut, ...otherPuts] = putMs;
const [firstRun, ...otherRuns] = runMs;
console.log(
  JSON.stringify({
    newKeys: fresh,
    hiddenKeys: hidden,
    put: { firstMs: round(firstPut ?? 0), medianMs: round(median(otherPuts)), maxMs: round(Math.max(...otherPuts)) },
    timer: {
      runs: runMs.length,
      firstMs: round(firstRun ?? 0),
      medianMs: round(median(otherRuns)),
      maxMs: round(Math.max(0, ...otherRuns)),
    },
  }),
);
