/**
 * Bytes written to disk per request and per record by the spool (ingest.ack.mode=spool) and by
 * Idempotency-Keys (gateway.db), without HTTP or Kafka: what wears out an edge host's flash
 * (explore5 E2). Each scenario runs on a fresh data dir in this process:
 *
 * - `spool-1-low`, `spool-20-low`: one client appends a request of 1 or 20 records (200 B each)
 *   every 50 ms (~20 requests/s) through SpoolStore (the worker thread, its group commit), and
 *   Kafka's acknowledgement deletes them ACK_DELAY_MS later (SpoolStore.delete, as the drain does);
 *   `spool-1-1ps` and `spool-1-2s` the same at one request a second and one every 2 s (measure
 *   them for a minute or more).
 * - `spool-1-high`, `spool-20-high`: 32 clients back to back (group commits of many requests).
 * - `key-low`, `key-high`: kafka ack mode with an Idempotency-Key: IdempotencyStore.put of a
 *   single record's answer then `durable()` (the WAL fsync the guard awaits), 1 client every 50 ms
 *   or 32 clients back to back.
 *
 * Reported per request and per record: `write_bytes` of /proc/self/io (what the page cache sent
 * to the device, in 4 KiB pages; what flash endurance counts) and `wchar` (the bytes SQLite
 * passed to write(): WAL frames and checkpoint copies). Then `breakdown`: the WAL frames one
 * request's transactions write, by b-tree (dbstat), read from the spool file's WAL in this thread
 * (SpoolTable as the worker runs it: an append commit, then the delete on its own or riding in the
 * next append commit).
 *
 *   node_modules/.bin/bun bench/disk-writes.ts
 *
 * Environment: BENCH_DURATION_S (measured seconds per scenario, default 8), BENCH_WARMUP_S
 * (default 2), BENCH_SCENARIOS (comma-separated names, default all), BENCH_DIR (where the data
 * dirs go, default a temp dir removed at the end; it must be on the disk measured, not tmpfs),
 * BENCH_SPOOL_PAGE_SIZE (the new spool files' page size, ingest.spool.page.size; default 16384),
 * BENCH_JITTER_MS (each wait between a client's requests drawn uniformly within ± this, as a
 * device's clock and network vary; default 0).
 */
import type { Database } from "bun:sqlite";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/store/database.ts";
import { IdempotencyStore } from "../src/store/idempotency-store.ts";
import { SpoolTable } from "../src/store/spool-database.ts";
import { openSpoolDatabase, PAGE_SIZE, SPOOL_FILE } from "../src/store/spool-file.ts";
import { SpoolStore } from "../src/store/spool-store.ts";

const env = process.env;
const durationS = Number(env.BENCH_DURATION_S ?? 8);
const warmupS = Number(env.BENCH_WARMUP_S ?? 2);
const only = env.BENCH_SCENARIOS?.split(",");
const root = env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), "disk-writes-"));
const RECORD_BYTES = 200;
const LOW_INTERVAL_MS = 50;
const HIGH_CLIENTS = 32;
const ACK_DELAY_MS = 2;
const pageSize = Number(env.BENCH_SPOOL_PAGE_SIZE ?? PAGE_SIZE);
const jitterMs = Number(env.BENCH_JITTER_MS ?? 0);

interface Io {
  readonly writeBytes: number;
  readonly wchar: number;
}

function io(): Io {
  const text = readFileSync("/proc/self/io", "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, "m").exec(text)![1]);
  return { writeBytes: field("write_bytes"), wchar: field("wchar") };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const record = new Uint8Array(RECORD_BYTES).fill(0x61);

interface Load {
  /** One request; resolves once it was answered. */
  request(): Promise<void>;
  readonly recordsPerRequest: number;
  close(): Promise<void>;
}

async function spoolLoad(dir: string, records: number): Promise<Load> {
  const store = await SpoolStore.open(dir, { pageSize });
  const partition = "bench";
  return {
    recordsPerRequest: records,
    async request() {
      const seqs = await store.append(
        partition,
        Array.from({ length: records }, () => record.slice()),
      );
      setTimeout(() => {
        for (const seq of seqs) store.delete(partition, seq, RECORD_BYTES);
      }, ACK_DELAY_MS);
    },
    close: () => store.close(),
  };
}

function keyLoad(dir: string): Load {
  const db = openDatabase(dir);
  const keys = new IdempotencyStore(db);
  const body = new TextEncoder().encode(JSON.stringify({ offsets: [{ partition: 0, offset: 12345 }] }));
  let n = 0;
  return {
    recordsPerRequest: 1,
    async request() {
      const key = `${crypto.randomUUID()}-${n++}`;
      keys.put(
        "bench",
        "",
        key,
        { requestHash: "h".repeat(64), status: 200, contentType: "application/json", body },
        Date.now(),
        86_400_000,
      );
      await keys.durable();
    },
    async close() {
      db.close();
    },
  };
}

interface Scenario {
  readonly name: string;
  readonly clients: number;
  /** Each client's pause between the starts of its requests; 0: back to back. */
  readonly intervalMs: number;
  readonly load: (dir: string) => Load | Promise<Load>;
}

const scenarios: Scenario[] = [
  { name: "spool-1-1ps", clients: 1, intervalMs: 1000, load: (d) => spoolLoad(d, 1) },
  { name: "spool-1-2s", clients: 1, intervalMs: 2000, load: (d) => spoolLoad(d, 1) },
  { name: "spool-1-low", clients: 1, intervalMs: LOW_INTERVAL_MS, load: (d) => spoolLoad(d, 1) },
  { name: "spool-1-high", clients: HIGH_CLIENTS, intervalMs: 0, load: (d) => spoolLoad(d, 1) },
  { name: "spool-20-low", clients: 1, intervalMs: LOW_INTERVAL_MS, load: (d) => spoolLoad(d, 20) },
  { name: "spool-20-high", clients: HIGH_CLIENTS, intervalMs: 0, load: (d) => spoolLoad(d, 20) },
  { name: "key-low", clients: 1, intervalMs: LOW_INTERVAL_MS, load: keyLoad },
  { name: "key-high", clients: HIGH_CLIENTS, intervalMs: 0, load: keyLoad },
];

async function run(s: Scenario) {
  const dir = join(root, s.name);
  mkdirSync(dir, { recursive: true });
  const load = await s.load(dir);
  let requests = 0;
  let stopping = false;
  const client = async () => {
    while (!stopping) {
      const started = performance.now();
      await load.request();
      requests++;
      const wait = s.intervalMs + jitterMs * (2 * Math.random() - 1) - (performance.now() - started);
      if (wait > 0) await sleep(wait);
    }
  };
  const clients = Array.from({ length: s.clients }, client);
  await sleep(warmupS * 1000);
  const [r0, io0, t0] = [requests, io(), performance.now()];
  await sleep(durationS * 1000);
  const [r1, io1, t1] = [requests, io(), performance.now()];
  stopping = true;
  await Promise.all(clients);
  await load.close();
  const n = r1 - r0;
  const perRequest = (bytes: number) => Math.round(bytes / n);
  const writeBytes = io1.writeBytes - io0.writeBytes;
  return {
    scenario: s.name,
    requestsPerS: Math.round((n * 10_000) / (t1 - t0)) / 10,
    recordsPerRequest: load.recordsPerRequest,
    writeBytesPerRequest: perRequest(writeBytes),
    writeBytesPerRecord: Math.round(writeBytes / n / load.recordsPerRequest),
    wcharPerRequest: perRequest(io1.wchar - io0.wchar),
    writeBytesPerS: Math.round((writeBytes * 1000) / (t1 - t0)),
  };
}

/** Page number of each frame written to `wal` from byte `from` on (the file's end before a transaction). */
function framesSince(wal: string, from: number, pageSize: number): number[] {
  const size = statSync(wal).size;
  const frame = pageSize + 24;
  const start = from === 0 ? 32 : from;
  const pages: number[] = [];
  const fd = openSync(wal, "r");
  const header = new Uint8Array(24);
  try {
    for (let at = start; at + frame <= size; at += frame) {
      readSync(fd, header, 0, 24, at);
      pages.push(new DataView(header.buffer).getUint32(0, false));
    }
  } finally {
    closeSync(fd);
  }
  return pages;
}

/** Which b-tree each page is (dbstat), "freelist/other" for pages dbstat does not list. */
function pageOwners(db: Database): Map<number, string> {
  const owners = new Map<number, string>();
  for (const r of db
    .query<{ name: string; pageno: number; pagetype: string }, []>("SELECT name, pageno, pagetype FROM dbstat")
    .all()) {
    owners.set(r.pageno, r.pagetype === "overflow" ? `${r.name} (overflow)` : r.name);
  }
  return owners;
}

/**
 * The WAL frames of one request's transactions, by b-tree, on a spool that already holds a few
 * hundred delivered requests (steady state): the append commit, its delete alone (no append to
 * ride in: one client at a low rate), and an append commit carrying the previous request's delete.
 */
function breakdown(records: number) {
  const dir = join(root, `breakdown-${records}`);
  mkdirSync(dir, { recursive: true });
  const db = openSpoolDatabase(dir, undefined, pageSize);
  db.run("PRAGMA wal_autocheckpoint = 0");
  const table = new SpoolTable(db);
  const wal = join(dir, `${SPOOL_FILE}-wal`);
  const data = new Uint8Array(records * RECORD_BYTES).fill(0x61);
  const lengths = Array.from({ length: records }, () => RECORD_BYTES);
  const append = () => ({ partition: "bench", now: Date.now(), data, lengths });
  for (let i = 0; i < 300; i++) {
    const seqs = table.commit([append()], []);
    table.deleteUnsynced([["bench", seqs[0]!, seqs.at(-1)!]]);
  }
  const measure = (tx: () => void) => {
    const before = statSync(wal).size;
    tx();
    const owners = pageOwners(db);
    const by: Record<string, number> = {};
    for (const p of framesSince(wal, before, pageSize)) {
      const owner = p === 1 ? "page 1 (header)" : (owners.get(p) ?? "freelist/other");
      by[owner] = (by[owner] ?? 0) + 1;
    }
    return by;
  };
  let seqs: Float64Array = new Float64Array();
  const appendCommit = measure(() => {
    seqs = table.commit([append()], []);
  });
  const deleteAlone = measure(() => table.deleteUnsynced([["bench", seqs[0]!, seqs.at(-1)!]]));
  seqs = table.commit([append()], []);
  const appendWithDelete = measure(() => {
    table.commit([append()], [["bench", seqs[0]!, seqs.at(-1)!]]);
  });
  table.close();
  return { records, pageSize, frameBytes: pageSize + 24, appendCommit, deleteAlone, appendWithDelete };
}

const results = [];
for (const s of scenarios) {
  if (only && !only.includes(s.name)) continue;
  const r = await run(s);
  console.log(JSON.stringify(r));
  results.push(r);
}
if (!only || only.includes("breakdown")) {
  for (const records of [1, 20]) console.log(JSON.stringify({ breakdown: breakdown(records) }));
}
if (!env.BENCH_DIR) rmSync(root, { recursive: true, force: true });
