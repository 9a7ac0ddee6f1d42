/**
 * Draining a spool backlog from the file: what a drainer that fell behind (Kafka slow or away)
 * costs the SQLite worker thread when it reads fewer records at a time than a row holds (a small
 * `ingest.poll.max.records`). Fills a spool with rows of 500 × 1 KB records (what a batch request
 * appends), reopens it (so nothing comes from memory), then reads it back BENCH_READ_RECORDS at a
 * time, deleting each record at once (as if Kafka acknowledged it on the spot).
 *
 *   node_modules/.bin/bun bench/spool-drain.ts
 *
 * Environment: BENCH_ROWS (rows of 500 records, default 100), BENCH_READ_RECORDS (records per
 * read, default 10). Prints drained records/s, worker thread CPU per record (from
 * /proc/self/task/<tid>/stat, the thread named "Worker") and the whole process's.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpoolStore } from "../src/store/spool-store.ts";

const env = process.env;
const ROWS = Number(env.BENCH_ROWS ?? 100);
const READ_RECORDS = Number(env.BENCH_READ_RECORDS ?? 10);
const RECORDS = 500;
const RECORD_BYTES = 1024;
const TICK_MS = 10; // CLK_TCK 100

function threadCpuMs(name: string): number {
  let ms = 0;
  for (const tid of readdirSync("/proc/self/task")) {
    if (readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim() !== name) continue;
    const text = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    ms += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  }
  return ms;
}

const dir = mkdtempSync(join(tmpdir(), "spool-drain-bench-"));
const partition = "bench";
const template = new Uint8Array(RECORDS * RECORD_BYTES);
for (let i = 0; i < template.length; i++) template[i] = 32 + ((i * 7919) % 90);
const lengths = new Uint32Array(RECORDS).fill(RECORD_BYTES);

const filling = await SpoolStore.open(dir);
for (let r = 0; r < ROWS; r += 10)
  await Promise.all(
    Array.from({ length: Math.min(10, ROWS - r) }, () =>
      filling.append(partition, { data: template.slice(), lengths }),
    ),
  );
await filling.close();

const store = await SpoolStore.open(dir);
const [w0, p0, t0] = [threadCpuMs("Worker"), process.cpuUsage(), performance.now()];
let cursor = 0;
let drained = 0;
for (;;) {
  const rows = await store.read(partition, cursor, READ_RECORDS);
  if (rows.length === 0) break;
  for (const row of rows) store.delete(partition, row.seq, row.bytes);
  cursor = rows.at(-1)!.seq;
  drained += rows.length;
}
const [w1, p1, t1] = [threadCpuMs("Worker"), process.cpuUsage(p0), performance.now()];
await store.close();
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    rows: ROWS,
    readRecords: READ_RECORDS,
    drained,
    seconds: ((t1 - t0) / 1000).toFixed(2),
    drainedPerS: Math.round((drained * 1000) / (t1 - t0)),
    workerUsPerRecord: (((w1 - w0) * 1000) / drained).toFixed(2),
    processUsPerRecord: ((p1.user + p1.system) / drained).toFixed(2),
  }),
);
