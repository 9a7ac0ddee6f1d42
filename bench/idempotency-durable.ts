/**
 * What a durable Idempotency-Key costs, on a real gateway.db (WAL, on the disk of BENCH_DIR), as
 * the ingest listener stores keys: BENCH_CONCURRENCY requests in flight (64, as the wrk runs of
 * bench/ingest-single-ab.ts; 1 is one device at a time), each storing its key with
 * `IdempotencyStore.put` and then answering. Modes:
 *   - NORMAL: the commit at `synchronous = NORMAL` (before this change: a power loss could lose it);
 *   - FULL: the commit at `synchronous = FULL` (durable-write.ts), which fsyncs the WAL inside the
 *     commit, on the event loop (bun:sqlite is synchronous);
 *   - NORMAL + WAL fsync: the commit at NORMAL, then `IdempotencyStore.durable()` (wal-sync.ts: an
 *     fsync of the WAL on the thread pool, one for the keys of many requests) before answering.
 * Printed per mode and round: keys a second, the longest stall of the event loop (a setImmediate
 * ticker's largest gap: what every other request on the loop waits) and fsyncs started.
 *
 *   flock /work/bench.lock node_modules/.bin/bun bench/idempotency-durable.ts
 *
 * BENCH_KEYS (keys a measurement, default 3000), BENCH_ROUNDS (default 3), BENCH_CONCURRENCY
 * (default 64), BENCH_DIR (where the database goes, default a temp dir under the current directory,
 * removed at the end).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../src/store/database.ts";
import { durably } from "../src/store/durable-write.ts";
import { IdempotencyStore } from "../src/store/idempotency-store.ts";
import { WalSync } from "../src/store/wal-sync.ts";

const env = process.env;
const keys = Number(env.BENCH_KEYS ?? 3000);
const rounds = Number(env.BENCH_ROUNDS ?? 3);
const concurrency = Number(env.BENCH_CONCURRENCY ?? 64);
const dir = env.BENCH_DIR ?? mkdtempSync(join(process.cwd(), ".bench-idempotency-"));
const db = openDatabase(dir);
// What IdempotencyStore does by default, with the WalSync at hand to count its fsyncs.
const wal = new WalSync(`${db.filename}-wal`);
const store = new IdempotencyStore(db, { sync: () => wal.sync() });
// A 201 answer of a single-record request, as the ingest listener stores it.
const response = {
  requestHash: "a".repeat(64),
  status: 201,
  contentType: "application/json",
  body: new TextEncoder().encode(JSON.stringify({ offsets: [{ partition: 0, offset: 123456 }] })),
};
let n = 0;
const put = () => store.put("c", "", `key-${n++}`, response, Date.now(), 86_400_000);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One request's key: stored as the mode stores it, then the answer (the next turn of the loop). */
const modes: Record<string, () => Promise<unknown>> = {
  NORMAL: async () => {
    put();
    await nextTurn();
  },
  FULL: async () => {
    durably(db, put);
    await nextTurn();
  },
  "NORMAL + WAL fsync": async () => {
    put();
    await store.durable();
  },
};

async function measure(request: () => Promise<unknown>) {
  let left = keys;
  let stall = 0;
  let last = performance.now();
  let ticking = true;
  const ticker = (async () => {
    while (ticking) {
      await nextTurn();
      const now = performance.now();
      stall = Math.max(stall, now - last);
      last = now;
    }
  })();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left -= 1;
        await request();
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  ticking = false;
  await ticker;
  return { keysPerS: keys / seconds, stallMs: stall };
}

const results = new Map<string, { keysPerS: number; stallMs: number }[]>();
console.log(`${concurrency} requests in flight, ${keys} keys a measurement\n`);
console.log("| mode | round | keys/s | longest event-loop stall, ms | fsyncs started |\n|---|---|---|---|---|");
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [mode, request] of Object.entries(modes)) {
      db.run("PRAGMA wal_checkpoint(TRUNCATE)");
      const before = wal.syncs;
      const r = await measure(request);
      results.set(mode, [...(results.get(mode) ?? []), r]);
      const started = mode === "FULL" ? keys : mode === "NORMAL" ? 0 : wal.syncs - before;
      console.log(`| ${mode} | ${round} | ${r.keysPerS.toFixed(0)} | ${r.stallMs.toFixed(1)} | ${started} |`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log("\nMedians:");
  for (const [mode, rs] of results) {
    const keysPerS = median(rs.map((r) => r.keysPerS)).toFixed(0);
    console.log(`- ${mode}: ${keysPerS} keys/s, longest stall ${median(rs.map((r) => r.stallMs)).toFixed(1)} ms`);
  }
} finally {
  db.close();
  if (!env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });
}
